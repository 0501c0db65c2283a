-- A tenant's routers, without their passwords.
CREATE TABLE router_list (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    name text NOT NULL,
    host text NOT NULL,
    port integer NOT NULL,
    tls boolean NOT NULL,
    site text,
    removed boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL
);
CREATE INDEX router_list_tenant_name_idx ON router_list (tenant_id, name);

-- Whether each subscription's state has reached its router.
CREATE TABLE provisioning_status (
    subscription_id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    router text NOT NULL,
    username text NOT NULL,
    desired_version bigint NOT NULL,
    synced_version bigint NOT NULL DEFAULT 0,
    status text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    scheduled_change boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL
);
CREATE INDEX provisioning_status_pending_idx ON provisioning_status (tenant_id, status);
