-- Broadcast campaigns; their statistics are counted from message_log.
CREATE TABLE campaign_list (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    name text NOT NULL,
    template text NOT NULL,
    state text NOT NULL,
    start_at timestamptz,
    recipients integer NOT NULL DEFAULT 0,
    audience jsonb NOT NULL,
    guardrails jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX campaign_list_tenant_idx ON campaign_list (tenant_id, created_at);
CREATE INDEX campaign_list_running_idx ON campaign_list (state) WHERE state = 'scheduled';
