CREATE TABLE tenant_list (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    store text NOT NULL,
    pkp boolean NOT NULL,
    invoice_prefix text NOT NULL,
    timezone text NOT NULL,
    registered_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE TABLE api_keys (
    key_id text PRIMARY KEY,
    tenant_id uuid NOT NULL,
    role text NOT NULL,
    label text NOT NULL,
    secret_hash text NOT NULL,
    revoked boolean NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id);
