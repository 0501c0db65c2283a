"""Queries over router_list and provisioning_status."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.postgres.stores import PostgresStores
from application.event_store import EventStore
from application.provisioning import ProvisioningView, RouterView


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
        self, store: EventStore, tenant_id: UUID, status: str | None, limit: int
    ) -> list[ProvisioningView]:
        where = "tenant_id = %s" + (" AND status = %s" if status else "")
        params: list[Any] = [tenant_id, *([status] if status else []), limit]
        rows = self._rows(
            store,
            "SELECT subscription_id, tenant_id, router, username, status, attempts, last_error, "
            "updated_at FROM {} WHERE " + where + " ORDER BY updated_at LIMIT %s",
            "provisioning_status",
            params,
        )
        return [ProvisioningView(*r) for r in rows]

    def unsynced(self, store: EventStore, limit: int) -> list[ProvisioningView]:
        """Every tenant's pending or failed rows in this store, for the dispatcher."""
        rows = self._rows(
            store,
            "SELECT subscription_id, tenant_id, router, username, status, attempts, last_error, "
            "updated_at FROM {} WHERE status <> 'synced' ORDER BY updated_at LIMIT %s",
            "provisioning_status",
            [limit],
        )
        return [ProvisioningView(*r) for r in rows]

    def _rows(self, store: EventStore, query: str, name: str, params: list[Any]) -> list[Any]:
        schema: str = store.ref.schema  # type: ignore[attr-defined]
        statement = sql.SQL(query).format(
            sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name))
        )
        with self._stores.database_for(store).connection() as conn:
            return list(conn.execute(statement, params).fetchall())
