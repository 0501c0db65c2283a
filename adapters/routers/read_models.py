"""Queries over router_list and provisioning_status."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.stores import PostgresStores
from application.routers.provisioning import ProvisioningView, RouterView, WantedHotspotUser
from application.shared.event_store import EventStore
from domain.routers.provisioning import HotspotUser

_VIEW = (
    "subscription_id, tenant_id, router, username, status, attempts, last_error, updated_at, kind"
)


class PostgresRouterReadModels:
    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def routers(self, store: EventStore, tenant_id: UUID) -> list[RouterView]:
        rows = self._rows(
            store,
            "SELECT id, name, host, port, tls, site, removed, updated_at FROM {} "
            "WHERE tenant_id = %s ORDER BY name",
            "router_list",
            [tenant_id],
        )
        return [RouterView(*r) for r in rows]

    def router_id(self, store: EventStore, tenant_id: UUID, name: str) -> UUID | None:
        rows = self._rows(
            store,
            "SELECT id FROM {} WHERE tenant_id = %s AND name = %s AND NOT removed",
            "router_list",
            [tenant_id, name],
        )
        return rows[0][0] if rows else None

    def provisioning(
        self,
        store: EventStore,
        tenant_id: UUID,
        status: str | None,
        limit: int,
        kind: str | None = None,
    ) -> list[ProvisioningView]:
        where = "tenant_id = %s" + (" AND status = %s" if status else "")
        where += " AND kind = %s" if kind else ""
        params: list[Any] = [tenant_id, *([status] if status else []), *([kind] if kind else [])]
        rows = self._rows(
            store,
            f"SELECT {_VIEW} FROM {{}} WHERE {where} ORDER BY updated_at LIMIT %s",
            "provisioning_status",
            [*params, limit],
        )
        return [ProvisioningView(*r) for r in rows]

    def unsynced(self, store: EventStore, limit: int) -> list[ProvisioningView]:
        """Every tenant's pending or failed rows in this store, for the dispatcher."""
        rows = self._rows(
            store,
            f"SELECT {_VIEW} FROM {{}} WHERE status <> 'synced' ORDER BY updated_at LIMIT %s",
            "provisioning_status",
            [limit],
        )
        return [ProvisioningView(*r) for r in rows]

    def hotspot_users(
        self, store: EventStore, tenant_id: UUID, router: str
    ) -> list[WantedHotspotUser]:
        rows = self._rows(
            store,
            "SELECT target_id, router, name, password_sealed, profile, limit_uptime, "
            "limit_bytes_total, disabled, comment FROM {} WHERE tenant_id = %s AND router = %s "
            "ORDER BY name",
            "hotspot_users_wanted",
            [tenant_id, router],
        )
        return [WantedHotspotUser(r[0], r[1], HotspotUser(*r[2:])) for r in rows]

    def _rows(self, store: EventStore, query: str, name: str, params: list[Any]) -> list[Any]:
        schema: str = store.ref.schema  # type: ignore[attr-defined]
        statement = sql.SQL(query).format(
            sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name))
        )
        with self._stores.database_for(store).connection() as conn:
            return list(conn.execute(statement, params).fetchall())
