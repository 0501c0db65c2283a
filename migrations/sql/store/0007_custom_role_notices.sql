-- A custom role's change changes what the keys holding it grant: it is announced on
-- `niaga_api_keys` like a Tenant event (0004), so every process's key cache drops what it read
-- before it.
CREATE TRIGGER niaga_custom_roles_changed AFTER INSERT ON niaga_events
    FOR EACH ROW WHEN (NEW.topic LIKE 'domain.platform.custom_roles:CustomRoles.%')
    EXECUTE FUNCTION niaga_tenant_changed();
