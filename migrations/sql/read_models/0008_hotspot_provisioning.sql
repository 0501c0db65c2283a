-- Provisioning status covers vouchers' hotspot users as well as subscriptions.
ALTER TABLE provisioning_status ADD COLUMN kind text NOT NULL DEFAULT 'subscription';

-- The hotspot users each router should hold, as last recorded by their provisioning jobs
-- (passwords sealed with the platform key). Reconciliation compares routers with this.
CREATE TABLE hotspot_users_wanted (
    target_id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    router text NOT NULL,
    name text NOT NULL,
    password_sealed text NOT NULL,
    profile text NOT NULL,
    limit_uptime text,
    limit_bytes_total bigint,
    disabled boolean NOT NULL,
    comment text NOT NULL,
    version bigint NOT NULL
);
CREATE INDEX hotspot_users_wanted_router_idx ON hotspot_users_wanted (tenant_id, router);
