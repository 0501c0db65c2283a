-- The quote calculator's quotations (`quotation_list`): one row per quotation with its frozen
-- lines and amounts (whole rupiah), its status and the invoice it became. Customer names are
-- joined from `customer_list` when read, so a forgotten customer reads as forgotten here too.
CREATE TABLE IF NOT EXISTS quotations (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    number text NOT NULL,
    customer_id uuid NOT NULL,
    status text NOT NULL,
    complexity text NOT NULL,
    lines jsonb NOT NULL,
    management_percent integer,
    management bigint NOT NULL,
    subtotal bigint NOT NULL,
    dpp bigint NOT NULL,
    ppn bigint NOT NULL,
    total bigint NOT NULL,
    valid_until date NOT NULL,
    notes text NOT NULL,
    summary text,
    decline_reason text,
    invoice_id uuid,
    invoice_number text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
-- The list: a tenant's quotations newest first, in all statuses or in one.
CREATE INDEX IF NOT EXISTS quotations_tenant_idx
    ON quotations (tenant_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS quotations_status_idx
    ON quotations (tenant_id, status, created_at DESC, id DESC);
