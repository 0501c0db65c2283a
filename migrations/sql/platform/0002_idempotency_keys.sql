-- The first outcome of each mutation sent with an idempotency key, replayed to its retries.
CREATE TABLE idempotency_keys (
    scope text NOT NULL,             -- who sent it: tenant and API key, so keys never collide
    key text NOT NULL,
    fingerprint text NOT NULL,       -- SHA-256 of the request: a key reused for another request is refused
    response jsonb,                  -- NULL while the first attempt runs
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
