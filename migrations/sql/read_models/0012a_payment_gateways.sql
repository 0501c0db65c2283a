-- Payment links handed to customers; `status` is as recorded (a link past expires_at is
-- reported expired by the queries even before an Expired event says so).
CREATE TABLE payment_link_list (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    invoice_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    gateway text NOT NULL,
    order_id text NOT NULL,
    reference text NOT NULL,
    url text NOT NULL,
    amount bigint NOT NULL,
    currency text NOT NULL,
    expires_at timestamptz NOT NULL,
    status text NOT NULL,
    payment_id uuid,
    review_reason text,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX payment_link_list_invoice_idx ON payment_link_list (tenant_id, invoice_id);

-- Every gateway callback as received, with its verdict. tenant_id is NULL only for callbacks
-- naming a tenant that does not exist (kept in the platform store; tenant_ref says what came).
CREATE TABLE payment_callback_log (
    id uuid PRIMARY KEY,
    tenant_id uuid,
    tenant_ref text NOT NULL,
    gateway text NOT NULL,
    order_id text,
    reference text,
    claimed_status text,
    amount bigint,
    currency text,
    verdict text NOT NULL,
    reason text NOT NULL,
    http_status integer NOT NULL,
    headers jsonb NOT NULL,
    body text NOT NULL,
    payment_id uuid,
    attempts integer NOT NULL,
    received_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX payment_callback_log_tenant_idx ON payment_callback_log (tenant_id, received_at, id);
CREATE INDEX payment_callback_log_recheck_idx ON payment_callback_log (updated_at)
    WHERE verdict = 'pending_recheck';

-- Which credentials each tenant has set at each gateway: names only, never values.
CREATE TABLE gateway_account_list (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    gateway text NOT NULL,
    credentials_set jsonb NOT NULL,
    endpoints jsonb NOT NULL,
    link_minutes integer NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX gateway_account_list_tenant_idx ON gateway_account_list (tenant_id);
