-- People who sign in and their sessions (projections/identity/people.py). They live in the
-- platform store only: a person may belong to tenants of any tier.
CREATE TABLE people (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL,
    verified boolean NOT NULL,
    registered_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE TABLE person_memberships (
    person_id uuid NOT NULL,
    tenant_id uuid NOT NULL,
    role text NOT NULL,
    granted_at timestamptz NOT NULL,
    PRIMARY KEY (person_id, tenant_id)
);
CREATE INDEX person_memberships_tenant_idx ON person_memberships (tenant_id);
CREATE TABLE person_sessions (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    tenant_id uuid NOT NULL,
    method text NOT NULL,
    started_at timestamptz NOT NULL,
    refreshed_at timestamptz,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoke_reason text
);
CREATE INDEX person_sessions_person_idx ON person_sessions (person_id) WHERE revoked_at IS NULL;
