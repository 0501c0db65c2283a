"""Queries over webhook_endpoints and webhook_deliveries, and reading a store's log for replays."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.counting import rows_matching
from adapters.shared.event_log import PostgresEventLog
from adapters.shared.keyset import after_cursor, page_of
from adapters.shared.paging import table
from adapters.shared.stores import PostgresStores
from application.integrations.ports import (
    DeliveryFilter,
    DueDelivery,
    WebhookDeliveryView,
    WebhookEndpointView,
)
from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.shared.recorded import RecordedEvent

_ENDPOINT_COLUMNS = sql.SQL(
    "id, tenant_id, url, event_types, description, enabled, disabled_reason, secret_rotated_at, "
    "created_at, updated_at, created_position"
)
_DELIVERY_COLUMNS = sql.SQL(
    "id, tenant_id, endpoint_id, message_id, event_type, position, status, attempts, "
    "last_status_code, last_latency_ms, last_response_excerpt, last_error, last_attempt_at, "
    "next_attempt_at, created_at, updated_at"
)


class PostgresWebhookReadModels:
    """Implements WebhookReadModels."""

    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def endpoints(
        self, store: EventStore, tenant_id: UUID, include_deleted: bool = False
    ) -> list[WebhookEndpointView]:
        deleted = sql.SQL("") if include_deleted else sql.SQL(" AND NOT deleted")
        query = sql.SQL("SELECT {} FROM {} WHERE tenant_id = %s{} ORDER BY created_at, id").format(
            _ENDPOINT_COLUMNS, table(store, "webhook_endpoints"), deleted
        )
        return [_endpoint(r) for r in self._all(store, query, [tenant_id])]

    def active_endpoints(self, store: EventStore) -> list[WebhookEndpointView]:
        query = sql.SQL("SELECT {} FROM {} WHERE enabled AND NOT deleted").format(
            _ENDPOINT_COLUMNS, table(store, "webhook_endpoints")
        )
        return [_endpoint(r) for r in self._all(store, query, [])]

    def deliveries(
        self,
        store: EventStore,
        tenant_id: UUID,
        where: DeliveryFilter,
        first: int,
        after: str | None,
    ) -> Page[WebhookDeliveryView]:
        filters: list[sql.Composable] = [sql.SQL("tenant_id = %s")]
        params: list[Any] = [tenant_id]
        for column, value in (
            ("endpoint_id", where.endpoint_id),
            ("status", where.status),
            ("event_type", where.event_type),
        ):
            if value is not None:
                filters.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
                params.append(value)
        matching = sql.SQL(" AND ").join(filters)
        page_filter, page_params = after_cursor(
            matching, params, after, sql.SQL("created_at, id"), newest_first=True
        )
        source = table(store, "webhook_deliveries")
        with self._stores.database_for(store).connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT {} FROM {} WHERE {} ORDER BY created_at DESC, id DESC LIMIT %s"
                ).format(_DELIVERY_COLUMNS, source, page_filter),
                [*page_params, first + 1],
            ).fetchall()
        count = rows_matching(self._stores.database_for(store).connection, source, matching, params)
        return page_of(
            rows, first, count, lambda r: WebhookDeliveryView(*r), lambda v: (v.created_at, v.id)
        )

    def due(self, store: EventStore, now: datetime, limit: int) -> list[DueDelivery]:
        query = sql.SQL(
            "SELECT tenant_id, id, next_attempt_at FROM {} "
            "WHERE status = 'pending' AND next_attempt_at <= %s ORDER BY next_attempt_at LIMIT %s"
        ).format(table(store, "webhook_deliveries"))
        return [DueDelivery(*r) for r in self._all(store, query, [now, limit])]

    def delivered_since(self, store: EventStore, endpoint_id: UUID, since: datetime) -> bool:
        query = sql.SQL(
            "SELECT 1 FROM {} WHERE endpoint_id = %s AND delivered_at >= %s LIMIT 1"
        ).format(table(store, "webhook_deliveries"))
        return bool(self._all(store, query, [endpoint_id, since]))

    def _all(self, store: EventStore, query: sql.Composed, params: list[Any]) -> list[Any]:
        with self._stores.database_for(store).connection() as conn:
            return list(conn.execute(query, params).fetchall())


def _endpoint(row: Any) -> WebhookEndpointView:
    values = list(row)
    values[3] = list(values[3] or [])
    return WebhookEndpointView(*values)


class PostgresEventLogReader:
    """Implements EventLogReader on each store's `niaga_events`."""

    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def head(self, store: EventStore) -> int:
        with self._connection(store) as conn:
            return self._log(store).head(conn)

    def read(
        self, store: EventStore, after: int, limit: int, topics: Sequence[str]
    ) -> list[RecordedEvent]:
        with self._connection(store) as conn:
            log = self._log(store)
            return log.read(conn, after, log.head(conn), limit, topics)

    def position_at(self, store: EventStore, at: datetime) -> int:
        """Events are recorded in time order, so a binary search over positions finds the first
        one at or after `at` in a few reads."""
        with self._connection(store) as conn:
            log = self._log(store)
            low, high = 0, log.head(conn)  # every event up to `low` is before `at`
            while low < high:
                middle = (low + high + 1) // 2
                found = log.read(conn, middle - 1, high, 1, [])
                if not found or found[0].timestamp >= at:
                    high = middle - 1
                else:
                    low = found[0].position
            return low

    def _log(self, store: EventStore) -> PostgresEventLog:
        schema: str = store.ref.schema  # type: ignore[attr-defined]
        return PostgresEventLog(store, schema)

    def _connection(self, store: EventStore) -> Any:
        return self._stores.database_for(store).connection()
