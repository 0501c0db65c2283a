-- Which store holds each tenant's events: configuration written when a tenant is placed.
CREATE TABLE tenant_directory (
    tenant_id uuid PRIMARY KEY,
    store text NOT NULL,
    schema_name text NOT NULL,
    database_url text,
    placed_at timestamptz NOT NULL DEFAULT now()
);
