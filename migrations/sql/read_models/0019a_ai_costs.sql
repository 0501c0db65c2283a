-- What AI cost each tenant, per day (WIB), feature and model, from the events that carry an
-- AiUsage. `model` is '' for calls no model was asked for (AI off, no key, over budget).
-- `id` is derived from (tenant_id, day, feature, model); cost is in millionths of a rupiah;
-- `failures` counts the calls that did not end ok, by outcome ({"quota": 2}).
CREATE TABLE ai_costs (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    day date NOT NULL,
    feature text NOT NULL,
    model text NOT NULL,
    calls bigint NOT NULL,
    input_tokens bigint NOT NULL,
    output_tokens bigint NOT NULL,
    cost_micro_idr bigint NOT NULL,
    latency_ms bigint NOT NULL,
    failures jsonb NOT NULL,
    UNIQUE (tenant_id, day, feature, model)
);
-- The budget check sums a tenant's month before each AI call: an index-only range.
CREATE INDEX ai_costs_tenant_day_idx ON ai_costs (tenant_id, day) INCLUDE (cost_micro_idr);

-- Each tenant's monthly AI budget in rupiah (NULL: no limit), set by the platform operator.
-- Rows exist in the platform store only, where budgets are kept.
CREATE TABLE ai_budgets (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL UNIQUE,
    monthly_idr bigint,
    updated_at timestamptz NOT NULL
);
