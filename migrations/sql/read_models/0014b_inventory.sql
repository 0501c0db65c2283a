-- Stock levels per item, and every movement of stock.
CREATE TABLE inventory_items (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    sku text NOT NULL,
    name text NOT NULL,
    barcode text,
    supplier text,
    average_cost bigint NOT NULL,
    price bigint NOT NULL,
    on_hand bigint NOT NULL DEFAULT 0,
    reserved bigint NOT NULL DEFAULT 0,
    reorder_point bigint NOT NULL DEFAULT 0,
    low_stock boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX inventory_items_sku_idx ON inventory_items (tenant_id, sku);
CREATE INDEX inventory_items_barcode_idx ON inventory_items (tenant_id, barcode);

CREATE TABLE stock_movements (
    item_id uuid NOT NULL,
    version bigint NOT NULL,
    tenant_id uuid NOT NULL,
    position bigint NOT NULL,
    sku text NOT NULL,
    kind text NOT NULL,
    quantity bigint NOT NULL,
    on_hand_after bigint NOT NULL,
    reserved_after bigint NOT NULL,
    unit_price bigint NOT NULL,
    reference text,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (item_id, version)
);
CREATE INDEX stock_movements_tenant_idx ON stock_movements (tenant_id, position);
CREATE INDEX stock_movements_kind_idx ON stock_movements (tenant_id, kind, item_id);
