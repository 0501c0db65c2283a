CREATE TABLE customer_list (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    name text NOT NULL,
    phone text,
    email text,
    nik text,
    address text,
    forgotten boolean NOT NULL DEFAULT false,
    search text NOT NULL DEFAULT '',
    version bigint NOT NULL,
    registered_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX customer_list_tenant_page_idx ON customer_list (tenant_id, registered_at, id);
CREATE INDEX customer_list_tenant_phone_idx ON customer_list (tenant_id, phone);
