-- A push the router refused (will_retry false) waits for a change that can fix it (the row's
-- desired state, its router, or a manual retry) instead of being retried on a timer.
ALTER TABLE provisioning_status ADD COLUMN will_retry boolean NOT NULL DEFAULT true;

-- The dispatcher reads the rows still waiting, router by router.
CREATE INDEX provisioning_status_waiting_idx ON provisioning_status (tenant_id, router, updated_at)
    WHERE status <> 'synced';
