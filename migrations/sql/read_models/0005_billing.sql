-- Billing read models. Amounts are whole rupiah (bigint); dates are the business's calendar dates.

CREATE TABLE plan_list (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    name text NOT NULL,
    price bigint NOT NULL,
    router_profile text NOT NULL,
    service_type text NOT NULL,
    billing_mode text NOT NULL,
    validity_days integer NOT NULL,
    taxable boolean NOT NULL,
    retired boolean NOT NULL,
    promotions jsonb NOT NULL,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX plan_list_tenant_name_idx ON plan_list (tenant_id, name, id);

CREATE TABLE subscription_list (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    plan_id uuid NOT NULL,
    plan_name text NOT NULL,
    price bigint NOT NULL,
    billing_mode text NOT NULL,
    validity_days integer NOT NULL,
    -- a downgrade waiting for the next bill: the plan terms it will switch to
    scheduled_terms jsonb,
    state text NOT NULL,
    billing_day integer NOT NULL,
    router text NOT NULL,
    username text NOT NULL,
    next_bill_on date,
    activated_on date,
    terminated_on date,
    version bigint NOT NULL,
    subscribed_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
) WITH (fillfactor = 80);  -- room on each page, so a billing run's updates stay HOT
CREATE INDEX subscription_list_tenant_page_idx ON subscription_list (tenant_id, subscribed_at, id);
CREATE INDEX subscription_list_tenant_state_idx
    ON subscription_list (tenant_id, state, subscribed_at, id);
CREATE INDEX subscription_list_tenant_customer_idx ON subscription_list (tenant_id, customer_id);
CREATE INDEX subscription_list_tenant_plan_idx ON subscription_list (tenant_id, plan_id);
CREATE INDEX subscription_list_tenant_router_idx ON subscription_list (tenant_id, router);
-- a billing run pages through the billable subscriptions by id
CREATE INDEX subscription_list_billable_idx ON subscription_list (tenant_id, id)
    WHERE state IN ('active', 'soft_limited', 'suspended');

CREATE TABLE invoice_list (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    subscription_id uuid,
    number text,
    status text NOT NULL,
    period text,
    pkp boolean NOT NULL,
    currency text NOT NULL,
    issued_on date,
    due_on date,
    subtotal bigint NOT NULL,
    dpp bigint NOT NULL,
    ppn bigint NOT NULL,
    total bigint NOT NULL,
    paid bigint NOT NULL,
    credited bigint NOT NULL,
    balance_due bigint NOT NULL,
    paid_on date,
    lines jsonb NOT NULL,
    version bigint NOT NULL,
    drafted_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX invoice_list_tenant_page_idx ON invoice_list (tenant_id, drafted_at, id);
CREATE INDEX invoice_list_tenant_status_idx ON invoice_list (tenant_id, status, drafted_at, id);
CREATE INDEX invoice_list_tenant_customer_idx
    ON invoice_list (tenant_id, customer_id, drafted_at, id);
CREATE INDEX invoice_list_tenant_issued_idx ON invoice_list (tenant_id, issued_on);
-- open invoices by due date: overdue lists, reminders and AR aging
CREATE INDEX invoice_list_open_idx ON invoice_list (tenant_id, due_on)
    WHERE status IN ('issued', 'partially_paid');

-- One row per money movement on a customer's account: debits raise what they owe.
CREATE TABLE customer_ledger (
    position bigint PRIMARY KEY,
    tenant_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    source_id uuid NOT NULL,  -- the invoice or payment the movement belongs to
    "on" date NOT NULL,
    kind text NOT NULL,  -- invoice, payment, credit_note, void
    reference text NOT NULL,
    debit bigint NOT NULL,
    credit bigint NOT NULL
);
CREATE INDEX customer_ledger_customer_idx ON customer_ledger (tenant_id, customer_id, position);

CREATE TABLE payment_list (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    amount bigint NOT NULL,
    method text NOT NULL,
    reference text NOT NULL,
    received_on date NOT NULL,
    allocations jsonb NOT NULL,
    credit bigint NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX payment_list_tenant_received_idx ON payment_list (tenant_id, received_on);
CREATE INDEX payment_list_tenant_customer_idx ON payment_list (tenant_id, customer_id, received_on);

CREATE TABLE transfer_list (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    amount bigint NOT NULL,
    proof_reference text NOT NULL,
    submitted_on date NOT NULL,
    state text NOT NULL,
    decided_by text,
    payment_id uuid,
    reason text,
    version bigint NOT NULL,
    submitted_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX transfer_list_tenant_state_idx ON transfer_list (tenant_id, state, submitted_at, id);
CREATE INDEX transfer_list_tenant_customer_idx ON transfer_list (tenant_id, customer_id);

CREATE TABLE customer_credit (
    customer_id uuid PRIMARY KEY,
    account_id uuid NOT NULL UNIQUE,
    tenant_id uuid NOT NULL,
    credit bigint NOT NULL,
    version bigint NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX customer_credit_tenant_idx ON customer_credit (tenant_id) WHERE credit > 0;
