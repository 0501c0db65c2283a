-- Every process keeps people's sessions in memory (adapters/identity/access_watch.py). A
-- session's revocation (`Session.Revoked`, recorded in the platform store only) is announced on
-- `niaga_sessions` as `<schema>:<session id>` by the transaction that records it, so every
-- process refuses that session's access tokens the moment it is committed, whichever process
-- or tool recorded it.
CREATE FUNCTION niaga_session_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('niaga_sessions', TG_TABLE_SCHEMA || ':' || NEW.originator_id);
    RETURN NULL;
END
$$;

CREATE TRIGGER niaga_session_revoked AFTER INSERT ON niaga_events
    FOR EACH ROW WHEN (NEW.topic = 'domain.identity.session:Session.Revoked')
    EXECUTE FUNCTION niaga_session_revoked();
