-- The repair shop's job board: one row per job, with its SLA, technician and money.
CREATE TABLE repair_jobs (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    device_type text NOT NULL,
    brand text NOT NULL,
    model text NOT NULL,
    serial text,
    complaint text NOT NULL,
    status text NOT NULL,
    priority text NOT NULL,
    technician_id uuid,
    technician_name text,
    received_at timestamptz NOT NULL,
    due_at timestamptz NOT NULL,
    sla_breached boolean NOT NULL DEFAULT false,
    quote_escalated boolean NOT NULL DEFAULT false,
    quoted_at timestamptz,
    started_at timestamptz,
    completed_at timestamptz,
    sla_met boolean,
    delivered_at timestamptz,
    warranty_until date,
    parts_price bigint NOT NULL DEFAULT 0,
    parts_cost bigint NOT NULL DEFAULT 0,
    labour bigint NOT NULL DEFAULT 0,
    price bigint NOT NULL DEFAULT 0,
    invoice_id uuid,
    updated_at timestamptz NOT NULL,
    position bigint NOT NULL
);
CREATE INDEX repair_jobs_board_idx ON repair_jobs (tenant_id, status, due_at);
CREATE INDEX repair_jobs_technician_idx ON repair_jobs (tenant_id, technician_id);
CREATE INDEX repair_jobs_customer_idx ON repair_jobs (tenant_id, customer_id, status);
CREATE INDEX repair_jobs_position_idx ON repair_jobs (tenant_id, position);

-- Everything that happened to a job, in order.
CREATE TABLE repair_job_history (
    job_id uuid NOT NULL,
    version bigint NOT NULL,
    tenant_id uuid NOT NULL,
    position bigint NOT NULL,
    event text NOT NULL,
    details jsonb NOT NULL,
    actor text NOT NULL,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (job_id, version)
);

CREATE TABLE technicians (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    name text NOT NULL,
    active boolean NOT NULL DEFAULT true
);
CREATE INDEX technicians_tenant_idx ON technicians (tenant_id, name);
