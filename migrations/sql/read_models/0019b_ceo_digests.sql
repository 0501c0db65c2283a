-- The owner's morning digests: one row per tenant and day (the day its figures are of). The
-- figures name customers and agents by id (names are joined when read); the insights are the
-- model's, or the rule-based observations when AI could not answer (mode = 'template').
CREATE TABLE ceo_digests (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    day date NOT NULL,
    mode text NOT NULL,
    ai_status text NOT NULL,
    figures jsonb NOT NULL,
    insights jsonb NOT NULL,
    messages integer NOT NULL,
    model text,
    cost_micro_idr bigint NOT NULL,
    compiled_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX ceo_digests_tenant_day_idx ON ceo_digests (tenant_id, day, id);
