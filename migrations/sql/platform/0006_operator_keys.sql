-- The platform operator's API keys (`niaga platform operator-key create NAME`): a principal of
-- its own, apart from every tenant's keys. Only a SHA-256 of the secret is kept; the token is
-- shown once. A revoked key stays (revoked_at set) so that its name is not reused unnoticed.
CREATE TABLE operator_keys (
    key_id text PRIMARY KEY,
    name text NOT NULL UNIQUE,
    secret_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
