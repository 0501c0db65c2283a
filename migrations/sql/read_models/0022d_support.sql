-- Support tickets (`support_tickets`): one row per ticket with its status, priority, assignee
-- and both SLA clocks; `subject` and `description` stay sealed with the customer's key. A
-- breach is judged when read: the first response is late when `first_response_at` (or now)
-- is after `first_response_due_at`, the resolution when `clock_stopped_at` (or now) is after
-- `resolution_due_at`.
CREATE TABLE IF NOT EXISTS support_tickets (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    number text NOT NULL,
    customer_id uuid NOT NULL,
    category text NOT NULL,
    priority text NOT NULL,
    status text NOT NULL,
    channel text NOT NULL,
    subject text NOT NULL,
    description text,
    subscription_id uuid,
    invoice_id uuid,
    voucher_id uuid,
    repair_job_id uuid,
    conversation_id uuid,
    assignee_id uuid,
    assignee_name text,
    opened_at timestamptz NOT NULL,
    first_response_due_at timestamptz NOT NULL,
    first_response_at timestamptz,
    resolution_due_at timestamptz NOT NULL,
    clock_stopped_at timestamptz,
    resolved_at timestamptz,
    closed_at timestamptz,
    replies integer NOT NULL,
    notes integer NOT NULL,
    updated_at timestamptz NOT NULL
);
-- The list: a tenant's tickets newest first, in all statuses or in one.
CREATE INDEX IF NOT EXISTS support_tickets_tenant_idx
    ON support_tickets (tenant_id, opened_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS support_tickets_status_idx
    ON support_tickets (tenant_id, status, opened_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS support_tickets_customer_idx
    ON support_tickets (tenant_id, customer_id);
CREATE INDEX IF NOT EXISTS support_tickets_conversation_idx
    ON support_tickets (tenant_id, conversation_id) WHERE conversation_id IS NOT NULL;

-- Every step of a ticket in order: opened, assigned, note, reply, status, priority; a note's or
-- reply's text sealed like the subject, the rest in `detail`, with who (`actor`) and when.
CREATE TABLE IF NOT EXISTS support_ticket_timeline (
    ticket_id uuid NOT NULL,
    number bigint NOT NULL,
    tenant_id uuid NOT NULL,
    kind text NOT NULL,
    text text,
    detail jsonb NOT NULL,
    actor text NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (ticket_id, number)
);
