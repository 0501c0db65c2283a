"""`tenant_list`, `api_keys` and `custom_roles`: the platform's directory of tenants, their keys
and the custom roles the keys may hold. One projection, so that the position a key was read at
also covers its custom role (adapters/shared/api_key_cache.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor, sql

from domain.platform.custom_roles import CustomRoles
from domain.platform.tenant import Tenant
from domain.shared.recorded import RecordedEvent
from projections.shared.base import table


class TenantsProjection:
    name: str = "tenants"
    event_types: tuple[type, ...] = (
        Tenant.Registered,
        Tenant.Renamed,
        Tenant.SettingsChanged,
        Tenant.ApiKeyIssued,
        Tenant.ApiKeyRevoked,
        Tenant.Placed,
        Tenant.Locked,
        Tenant.Unlocked,
        Tenant.MoveStarted,
        Tenant.MoveAbandoned,
        CustomRoles.RoleDefined,
        CustomRoles.RoleUpdated,
        CustomRoles.RoleDeleted,
    )
    tables: tuple[str, ...] = ("tenant_list", "api_keys", "custom_roles")

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        # Tenant events are rare; one statement each keeps this projection obvious.
        for recorded in events:
            statement, params = _statement(schema, recorded)
            cur.execute(statement, params)


def _statement(schema: str, recorded: RecordedEvent) -> tuple[sql.Composed, tuple[Any, ...]]:
    event, tenant_id, at = recorded.event, recorded.aggregate_id, recorded.timestamp
    tenants, keys = table(schema, "tenant_list"), table(schema, "api_keys")
    if isinstance(event, Tenant.Registered):
        return sql.SQL(
            "INSERT INTO {} (id, name, store, pkp, invoice_prefix, timezone, registered_at, "
            "updated_at) VALUES (%s, %s, %s, false, 'INV', 'Asia/Jakarta', %s, %s)"
        ).format(tenants), (tenant_id, event.name, event.store, at, at)
    if isinstance(event, Tenant.Renamed):
        return sql.SQL("UPDATE {} SET name = %s, updated_at = %s WHERE id = %s").format(tenants), (
            event.name,
            at,
            tenant_id,
        )
    if isinstance(event, Tenant.SettingsChanged):
        return sql.SQL(
            "UPDATE {} SET pkp = %s, invoice_prefix = %s, timezone = %s, updated_at = %s "
            "WHERE id = %s"
        ).format(tenants), (event.pkp, event.invoice_prefix, event.timezone, at, tenant_id)
    if isinstance(event, Tenant.ApiKeyIssued):
        return sql.SQL(
            "INSERT INTO {} (key_id, tenant_id, role, label, secret_hash, revoked, created_at, "
            "custom_role_id) VALUES (%s, %s, %s, %s, %s, false, %s, %s)"
        ).format(keys), (
            event.key_id,
            tenant_id,
            event.role,
            event.label,
            event.secret_hash,
            at,
            event.custom_role_id,
        )
    if isinstance(event, Tenant.ApiKeyRevoked):
        return sql.SQL("UPDATE {} SET revoked = true WHERE key_id = %s").format(keys), (
            event.key_id,
        )
    custom_role = _custom_role(schema, recorded)
    if custom_role is not None:
        return custom_role
    placement = _placement(event, tenants)
    if placement is not None:
        statement, params = placement
        return statement, (*params, at, tenant_id)
    raise TypeError(f"tenants projection cannot handle {recorded.name}")


def _placement(event: object, tenants: sql.Composed) -> tuple[sql.Composed, tuple[Any, ...]] | None:
    """Where the tenant lives and whether it may write; the caller adds updated_at and the id."""
    update = "UPDATE {} SET %s, updated_at = %%s WHERE id = %%s"
    settled = "CASE WHEN lock_reason = '' THEN 'open' ELSE 'locked' END"  # no move under way
    if isinstance(event, Tenant.Placed):
        columns = "region = %s, tier = %s, server = %s, store = %s, moving_to = NULL, writes = "
        columns += settled
        params: tuple[Any, ...] = (event.region, event.tier, event.server, event.store)
    elif isinstance(event, Tenant.Locked):
        columns = (
            "lock_reason = %s, writes = CASE WHEN moving_to IS NULL THEN 'locked' ELSE writes END"
        )
        params = (event.reason,)
    elif isinstance(event, Tenant.Unlocked):
        columns = (
            "lock_reason = '', writes = CASE WHEN moving_to IS NULL THEN 'open' ELSE writes END"
        )
        params = ()
    elif isinstance(event, Tenant.MoveStarted):
        columns, params = "moving_to = %s, writes = 'moving'", (f"{event.tier}@{event.server}",)
    elif isinstance(event, Tenant.MoveAbandoned):
        columns = (
            "moving_to = NULL, writes = CASE WHEN lock_reason = '' THEN 'open' ELSE 'locked' END"
        )
        params = ()
    else:
        return None
    return sql.SQL(update % columns).format(tenants), params


def _custom_role(
    schema: str, recorded: RecordedEvent
) -> tuple[sql.Composed, tuple[Any, ...]] | None:
    event, at, roles = recorded.event, recorded.timestamp, table(schema, "custom_roles")
    if isinstance(event, CustomRoles.RoleDefined):
        return sql.SQL(
            "INSERT INTO {} (id, tenant_id, name, base_role, permissions, defined_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)"
        ).format(roles), (
            event.role_id,
            event.tenant_id,
            event.name,
            event.base_role,
            list(event.permissions),
            at,
            at,
        )
    if isinstance(event, CustomRoles.RoleUpdated):
        return sql.SQL(
            "UPDATE {} SET name = %s, permissions = %s, updated_at = %s WHERE id = %s"
        ).format(roles), (event.name, list(event.permissions), at, event.role_id)
    if isinstance(event, CustomRoles.RoleDeleted):
        return sql.SQL("DELETE FROM {} WHERE id = %s").format(roles), (event.role_id,)
    return None
