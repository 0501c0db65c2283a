-- Purchase orders to suppliers and how much of each has arrived.
CREATE TABLE purchase_orders (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    supplier text NOT NULL,
    status text NOT NULL,
    total bigint NOT NULL,
    lines jsonb NOT NULL,
    drafted_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX purchase_orders_tenant_idx ON purchase_orders (tenant_id, status, drafted_at);
