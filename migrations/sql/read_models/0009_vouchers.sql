-- Voucher profiles (packages customers buy by name) with their terms as recorded.
CREATE TABLE voucher_profiles (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    name text NOT NULL,
    router_id uuid NOT NULL,
    terms jsonb NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX voucher_profiles_tenant_idx ON voucher_profiles (tenant_id, name);

-- Every voucher: stock by status, profile and agent; sales by sold_at; expiry by expires_at.
CREATE TABLE voucher_stock (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    username text NOT NULL,
    password text NOT NULL,
    profile_id uuid NOT NULL,
    batch_id uuid NOT NULL,
    agent_id uuid,
    status text NOT NULL,
    price bigint,
    generated_at timestamptz NOT NULL,
    sold_at timestamptz,
    activated_at timestamptz,
    expires_at timestamptz,
    ended_at timestamptz
);
CREATE INDEX voucher_stock_list_idx ON voucher_stock (tenant_id, generated_at, id);
CREATE INDEX voucher_stock_batch_idx ON voucher_stock (tenant_id, batch_id);
CREATE INDEX voucher_stock_agent_idx ON voucher_stock (tenant_id, agent_id, status);
CREATE INDEX voucher_stock_sold_idx ON voucher_stock (tenant_id, sold_at) WHERE sold_at IS NOT NULL;
CREATE INDEX voucher_stock_expiry_idx ON voucher_stock (tenant_id, expires_at)
    WHERE status = 'active';

-- Resellers: the tree (ancestors, parent first), balance and credit limit.
CREATE TABLE agent_list (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    name text NOT NULL,
    phone text NOT NULL,
    parent_id uuid,
    ancestors jsonb NOT NULL,
    level integer NOT NULL,
    balance bigint NOT NULL,
    credit_limit bigint NOT NULL,
    enrolled_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX agent_list_tenant_idx ON agent_list (tenant_id, name);
CREATE INDEX agent_list_ancestors_idx ON agent_list USING gin (ancestors);

-- Every movement of an agent's balance, with the balance before and after it.
CREATE TABLE agent_ledger (
    agent_id uuid NOT NULL,
    version bigint NOT NULL,
    tenant_id uuid NOT NULL,
    kind text NOT NULL,
    amount bigint NOT NULL,
    balance_before bigint NOT NULL,
    balance_after bigint NOT NULL,
    detail jsonb NOT NULL,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (agent_id, version)
);
CREATE INDEX agent_ledger_commission_idx ON agent_ledger (tenant_id, occurred_at)
    WHERE kind = 'commission';
