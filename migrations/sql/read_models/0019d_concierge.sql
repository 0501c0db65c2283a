-- The WhatsApp concierge: one row per conversation (a customer of a tenant) with its state in
-- the technicians' queue, and every turn of it. The texts are stored as the events carry them,
-- sealed with the customer's own personal-data key (`pd1:...`): they are opened when read, and
-- read back as forgotten once the customer is.
CREATE TABLE concierge_conversations (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    state text NOT NULL,
    handoff_reason text,
    assignee_id uuid,
    assignee_name text,
    escalated boolean NOT NULL DEFAULT false,
    waiting_since timestamptz,
    last_ai_status text,
    turns integer NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX concierge_conversations_queue_idx
    ON concierge_conversations (tenant_id, state, updated_at DESC, id DESC);
CREATE INDEX concierge_conversations_waiting_idx
    ON concierge_conversations (waiting_since) WHERE waiting_since IS NOT NULL AND NOT escalated;

CREATE TABLE concierge_turns (
    conversation_id uuid NOT NULL,
    number bigint NOT NULL,
    tenant_id uuid NOT NULL,
    speaker text NOT NULL,
    text text NOT NULL,
    mode text,
    ai_status text,
    by_actor text,
    at timestamptz NOT NULL,
    PRIMARY KEY (conversation_id, number)
);
