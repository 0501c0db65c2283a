-- Every WhatsApp message Niaga means to send, and what became of it.
CREATE TABLE message_log (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    customer_id uuid,
    template text NOT NULL,
    variables jsonb NOT NULL,
    source_id uuid NOT NULL,
    campaign_id uuid,
    status text NOT NULL,  -- queued, retrying, sent, delivered, read, failed, skipped_<reason>
    provider text,
    provider_message_id text,
    error text,
    attempts integer NOT NULL DEFAULT 0,
    replied boolean NOT NULL DEFAULT false,
    opted_out boolean NOT NULL DEFAULT false,  -- the reply was STOP
    timeline jsonb NOT NULL,  -- [{"status": ..., "at": ..., "detail": ...}, ...]
    requested_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX message_log_tenant_page_idx ON message_log (tenant_id, requested_at, id);
CREATE INDEX message_log_pending_idx ON message_log (status, updated_at)
    WHERE status IN ('queued', 'retrying');
CREATE INDEX message_log_provider_idx ON message_log (tenant_id, provider_message_id);
CREATE INDEX message_log_campaign_idx ON message_log (campaign_id, customer_id);
CREATE INDEX message_log_customer_idx ON message_log (tenant_id, customer_id, requested_at);

-- Whose invoice or subscription a billing event is about (its later events do not say).
CREATE TABLE message_subjects (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    plan text
);

-- Which provider each tenant sends with; the credentials stay sealed in the event store.
CREATE TABLE whatsapp_channels (
    tenant_id uuid PRIMARY KEY,
    provider text NOT NULL,
    sender text NOT NULL,
    configured_at timestamptz NOT NULL
);
