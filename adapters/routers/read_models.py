"""Queries over router_list and provisioning_status."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.stores import PostgresStores
from application.routers.provisioning import ProvisioningView, RouterView, WantedHotspotUser
from application.shared.event_store import EventStore
from domain.routers.provisioning import HotspotUser

_VIEW = (
    "subscription_id, tenant_id, router, username, status, attempts, last_error, updated_at, kind, "
    "will_retry"
)
# Rows waiting for a push, router by router: never-failed rows first, then the oldest change;
# with each router's newest retryable failure. A refused row waits until its router was added
# or changed after the refusal (other changes set will_retry again).
_WAITING = f"""
SELECT {_VIEW}, last_failure FROM (
    SELECT p.*,
        row_number() OVER (
            PARTITION BY p.tenant_id, p.router ORDER BY p.attempts > 0, p.updated_at
        ) AS place,
        max(p.updated_at) FILTER (WHERE p.attempts > 0 AND p.will_retry)
            OVER (PARTITION BY p.tenant_id, p.router) AS last_failure
    FROM {{status}} p
    WHERE p.status <> 'synced' AND (p.will_retry OR EXISTS (
        SELECT 1 FROM {{routers}} r
        WHERE r.tenant_id = p.tenant_id AND r.name = p.router AND r.updated_at > p.updated_at
    ))
) waiting WHERE place <= %s ORDER BY tenant_id, router, place
"""


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

    def waiting(
        self, store: EventStore, per_router: int
    ) -> list[tuple[ProvisioningView, datetime | None]]:
        """Up to `per_router` rows of each router that are due a push or may be soon (refused
        rows only once their router changed), each with its router's newest retryable
        failure, for the dispatcher."""
        schema: str = store.ref.schema  # type: ignore[attr-defined]
        statement = sql.SQL(_WAITING).format(
            status=sql.SQL("{}.{}").format(
                sql.Identifier(schema), sql.Identifier("provisioning_status")
            ),
            routers=sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier("router_list")),
        )
        with self._stores.database_for(store).connection() as conn:
            rows = conn.execute(statement, [per_router]).fetchall()
        return [(ProvisioningView(*r[:-1]), r[-1]) for r in rows]

    def statuses(self, store: EventStore, target_ids: list[UUID]) -> dict[UUID, ProvisioningView]:
        """The rows of these targets, whatever their status."""
        rows = self._rows(
            store,
            f"SELECT {_VIEW} FROM {{}} WHERE subscription_id = ANY(%s)",
            "provisioning_status",
            [target_ids],
        )
        return {view.subscription_id: view for view in (ProvisioningView(*r) for r in rows)}

    def router_names(self, store: EventStore) -> dict[UUID, str]:
        """The name of every router in this store not removed, by id."""
        rows = self._rows(store, "SELECT id, name FROM {} WHERE NOT removed", "router_list", [])
        return {row[0]: row[1] for row in rows}

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
