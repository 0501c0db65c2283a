-- A business's custom roles (projections/platform/tenants.py, in the platform store beside
-- the API keys that hold them), and which custom role a key holds.
CREATE TABLE custom_roles (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    name text NOT NULL,
    base_role text NOT NULL,
    permissions text[] NOT NULL,
    defined_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX custom_roles_tenant_idx ON custom_roles (tenant_id, name);
ALTER TABLE api_keys ADD COLUMN custom_role_id uuid;
