CREATE TABLE audit_log (
    position bigint PRIMARY KEY,
    tenant_id uuid,
    actor text NOT NULL,
    command text NOT NULL,
    action text NOT NULL,
    aggregate_type text NOT NULL,
    aggregate_id uuid NOT NULL,
    version bigint NOT NULL,
    changes jsonb NOT NULL,
    occurred_at timestamptz NOT NULL,
    correlation_id text NOT NULL,
    causation_id text NOT NULL
);
CREATE INDEX audit_log_tenant_idx ON audit_log (tenant_id, position);
CREATE INDEX audit_log_aggregate_idx ON audit_log (aggregate_id, position);

-- The last known field values of each aggregate, so each audit row can show old -> new.
CREATE TABLE audit_state (
    aggregate_id uuid PRIMARY KEY,
    fields jsonb NOT NULL
);
