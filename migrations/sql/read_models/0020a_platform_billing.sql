-- Usage the platform reports to Stripe, one row per meter event, and what became of it.
CREATE TABLE platform_meter_reports (
    id uuid PRIMARY KEY,  -- the report job's id, derived from the identifier
    tenant_id uuid NOT NULL,
    meter text NOT NULL,  -- ai_tokens, whatsapp_messages, active_subscribers
    identifier text NOT NULL UNIQUE,  -- Stripe's idempotency key for the meter event
    value bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    status text NOT NULL,  -- pending, retrying, reported, refused
    attempts integer NOT NULL DEFAULT 0,
    error text,
    updated_at timestamptz NOT NULL
);
CREATE INDEX platform_meter_reports_pending_idx ON platform_meter_reports (status, updated_at)
    WHERE status IN ('pending', 'retrying');
CREATE INDEX platform_meter_reports_tenant_idx ON platform_meter_reports (tenant_id, occurred_at);

-- Each tenant's platform subscription (rows in the platform store only).
CREATE TABLE platform_subscriptions (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL UNIQUE,
    plan text NOT NULL,
    tier text NOT NULL,
    customer_id text NOT NULL,
    subscription_id text NOT NULL,
    status text NOT NULL,
    failures integer NOT NULL,
    started_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
