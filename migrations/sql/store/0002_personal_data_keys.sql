-- One key per data subject. Destroying a key (key = NULL, destroyed_at set) forgets the subject;
-- the tombstone stops a new key being made for a forgotten subject.
CREATE TABLE personal_data_keys (
    subject_id uuid PRIMARY KEY,
    key bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    destroyed_at timestamptz
);
