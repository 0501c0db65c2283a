-- Every process keeps API keys in memory for a few seconds (adapters/shared/api_key_cache.py).
-- A Tenant event (a key issued or revoked, and whatever else may change what a key grants) is
-- announced on `niaga_api_keys` as `<schema>:<notification id>` by the transaction that records
-- it, so each process stops trusting what it read before that position the moment the event is
-- committed, whichever process or tool recorded it. Other events cost one prefix comparison.
CREATE FUNCTION niaga_tenant_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('niaga_api_keys', TG_TABLE_SCHEMA || ':' || NEW.notification_id);
    RETURN NULL;
END
$$;

CREATE TRIGGER niaga_tenant_changed AFTER INSERT ON niaga_events
    FOR EACH ROW WHEN (NEW.topic LIKE 'domain.platform.tenant:Tenant.%')
    EXECUTE FUNCTION niaga_tenant_changed();
