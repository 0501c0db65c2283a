-- Messages Niaga has decided to send; channel adapters deliver them and record the outcome.
CREATE TABLE notification_outbox (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    template text NOT NULL,
    variables jsonb NOT NULL,
    subject_id uuid NOT NULL,
    requested_at timestamptz NOT NULL,
    position bigint NOT NULL
);
CREATE INDEX notification_outbox_tenant_idx ON notification_outbox (tenant_id, position);
CREATE INDEX notification_outbox_subject_idx ON notification_outbox (subject_id);
