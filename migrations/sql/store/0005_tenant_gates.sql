-- A tenant whose data is moving out of this store, or has moved out of it: from the moment its
-- row is here no event of that tenant can be recorded in this store. The recorder calls
-- niaga_writable(tenant) right after taking the event table's lock, so a writer that was already
-- waiting for the lock when the row arrived is refused too (SQLSTATE NT001: TENANT_MOVING).
CREATE TABLE tenant_gates (
    tenant_id uuid PRIMARY KEY,
    state text NOT NULL,  -- moving, moved
    move_id text NOT NULL,
    since timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION niaga_writable(tenant uuid) RETURNS void LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM tenant_gates WHERE tenant_id = tenant) THEN
        RAISE EXCEPTION 'tenant % is moving to another store', tenant
            USING ERRCODE = 'NT001', HINT = 'try again in a few seconds';
    END IF;
END
$$;

-- Events removed from this store after their tenant moved out (the grace period over): their
-- chain links stay, and verification accepts exactly these gaps (niaga audit verify-chain).
CREATE TABLE niaga_departures (
    notification_id bigint PRIMARY KEY,
    move_id uuid NOT NULL,
    tenant_id uuid NOT NULL
);
