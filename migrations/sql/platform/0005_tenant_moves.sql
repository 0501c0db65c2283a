-- Each move of a tenant's data between stores, with the last step it completed, so that a
-- mover that died can be resumed (`niaga tenants move TENANT --resume`): before `switched` the
-- tenant is on its old store and the move can be rolled back; from `switched` on it is on the
-- new one and the move can only be finished.
CREATE TABLE tenant_moves (
    move_id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    step text NOT NULL,  -- started, frozen, copied, rebuilt, switched, done, abandoned, removed
    tier text NOT NULL,
    region text NOT NULL,
    source_schema text NOT NULL,
    source_server text,
    source_database text,
    target_schema text NOT NULL,
    target_server text,
    target_database text,
    events bigint NOT NULL DEFAULT 0,
    error text NOT NULL DEFAULT '',
    started_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    remove_after timestamptz
);
-- At most one unfinished move per tenant.
CREATE UNIQUE INDEX tenant_moves_one_at_a_time ON tenant_moves (tenant_id)
    WHERE step NOT IN ('done', 'abandoned', 'removed');
