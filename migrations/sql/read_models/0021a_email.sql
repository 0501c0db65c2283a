-- Every e-mail Niaga means to send (billing notices, reminders, the owner's digest, the
-- platform's warnings, sign-in links) and what became of it. The address is not here: a
-- customer's is read from its record when the e-mail is sent, any other is sealed in the log.
CREATE TABLE email_log (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    customer_id uuid,
    template text NOT NULL,
    variables jsonb NOT NULL,
    source_id uuid NOT NULL,
    status text NOT NULL,  -- queued, retrying, sent, failed, skipped_<reason>
    error text,
    attempts integer NOT NULL DEFAULT 0,
    timeline jsonb NOT NULL,  -- [{"status": ..., "at": ..., "detail": ...}, ...]
    requested_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX email_log_tenant_page_idx ON email_log (tenant_id, requested_at, id);
CREATE INDEX email_log_pending_idx ON email_log (status, updated_at)
    WHERE status IN ('queued', 'retrying');

-- Whose invoice or subscription a billing event is about (its later events do not say).
CREATE TABLE email_subjects (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    plan text
);
