-- Invitations to join a business (projections/identity/teams.py). In the platform store only,
-- beside the people and memberships the teams are made of.
CREATE TABLE team_invitations (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    email text NOT NULL,
    role text NOT NULL,
    status text NOT NULL,
    invited_by text NOT NULL,
    invited_at timestamptz NOT NULL,
    sent_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    accepted_by uuid,
    updated_at timestamptz NOT NULL
);
CREATE INDEX team_invitations_pending_idx ON team_invitations (tenant_id, invited_at, id)
    WHERE status = 'pending';
-- The members of a business, longest-standing first.
CREATE INDEX person_memberships_team_idx ON person_memberships (tenant_id, granted_at, person_id);
