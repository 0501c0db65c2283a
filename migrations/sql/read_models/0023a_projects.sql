-- Client projects (`project_list`): one row per project with its milestones (amounts in whole
-- rupiah, each pending, invoiced or paid), its team's person ids and its progress. Customer
-- names are joined from `customer_list` when read.
CREATE TABLE IF NOT EXISTS projects (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    quotation_id uuid,
    name text NOT NULL,
    description text NOT NULL,
    staging_url text,
    status text NOT NULL,
    milestones jsonb NOT NULL,
    member_ids jsonb NOT NULL,
    total_amount bigint NOT NULL,
    reached_amount bigint NOT NULL,
    paid_amount bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
-- The list: a tenant's projects newest first, in all statuses or in one, or of one client.
CREATE INDEX IF NOT EXISTS projects_tenant_idx ON projects (tenant_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS projects_status_idx
    ON projects (tenant_id, status, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS projects_customer_idx
    ON projects (tenant_id, customer_id, created_at DESC, id DESC);
-- The invoice each reached milestone became: billing's payment of it finds its milestone here.
CREATE TABLE IF NOT EXISTS project_invoices (
    invoice_id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    project_id uuid NOT NULL,
    milestone_id uuid NOT NULL
);
