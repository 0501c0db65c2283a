-- Outbound webhooks: a tenant's endpoints (no secrets) and every delivery with its last attempt.
CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    url text NOT NULL,
    event_types jsonb NOT NULL,  -- empty: every event type
    description text,
    enabled boolean NOT NULL,
    disabled_reason text,
    deleted boolean NOT NULL DEFAULT false,
    secret_rotated_at timestamptz,
    -- where in the log it was created: it receives only what was recorded after
    created_position bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id, created_at, id);

CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    endpoint_id uuid NOT NULL,
    message_id text NOT NULL,
    event_type text NOT NULL,
    position bigint NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL,
    last_status_code integer,
    last_latency_ms integer,
    last_response_excerpt text,
    last_error text,
    last_attempt_at timestamptz,
    next_attempt_at timestamptz,
    delivered_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX webhook_deliveries_tenant_page_idx ON webhook_deliveries (tenant_id, created_at, id);
CREATE INDEX webhook_deliveries_endpoint_idx
    ON webhook_deliveries (endpoint_id, created_at, id);
CREATE INDEX webhook_deliveries_endpoint_delivered_idx
    ON webhook_deliveries (endpoint_id, delivered_at) WHERE delivered_at IS NOT NULL;
-- the retry sweep: pending deliveries by when they are due
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';

-- A notification without a customer is addressed to the tenant's staff.
ALTER TABLE notification_outbox ALTER COLUMN customer_id DROP NOT NULL;
