-- The counter: an item's category (promotions may apply to one), the promotions
-- (`promotions`), and its sales summed per local day, payment method and cashier (`daily_sales`).
ALTER TABLE inventory_items ADD COLUMN IF NOT EXISTS category text;

CREATE TABLE IF NOT EXISTS promotions (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    value bigint NOT NULL,
    scope text NOT NULL,
    item_id uuid,
    category text,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    minimum_spend bigint NOT NULL DEFAULT 0,
    ended_on date,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
-- The list, newest first; and what the counter looks up at every sale: those not ended.
CREATE INDEX IF NOT EXISTS promotions_tenant_idx ON promotions (tenant_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS promotions_running_idx
    ON promotions (tenant_id, starts_on, ends_on) WHERE ended_on IS NULL;

CREATE TABLE IF NOT EXISTS daily_sales (
    tenant_id uuid NOT NULL,
    sold_on date NOT NULL,
    payment_method text NOT NULL,
    cashier text NOT NULL,
    sales bigint NOT NULL,
    gross bigint NOT NULL,
    discounts bigint NOT NULL,
    ppn bigint NOT NULL,
    net bigint NOT NULL,
    PRIMARY KEY (tenant_id, sold_on, payment_method, cashier)
);
