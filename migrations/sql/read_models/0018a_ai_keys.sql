-- AI keys by label, scope and state; the keys themselves stay sealed in the events.
-- tenant_id is NULL for the platform's keys (kept in the platform store).
CREATE TABLE ai_key_list (
    id uuid PRIMARY KEY,
    tenant_id uuid,
    scope text NOT NULL,
    label text NOT NULL,
    disabled_reason text,
    cooling_until timestamptz,
    last_error text,
    added_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX ai_key_list_tenant_idx ON ai_key_list (tenant_id, added_at, id);
