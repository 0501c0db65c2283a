"""Queries over the counter's read models: promotions and the daily sales report."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.counting import rows_matching
from adapters.shared.paging import decode_cursor, encode_cursor, table
from adapters.shared.stores import PostgresStores
from application.repairs.counter_ports import DailySales, PromotionView
from application.shared.event_store import EventStore
from application.shared.ports import Page

# Ended by hand, or past its last day on the tenant's today (the first parameter).
_STATUS = "CASE WHEN ended_on IS NOT NULL OR ends_on < %s THEN 'ended' ELSE 'active' END"
_PROMOTION_SELECT = (
    "id, name, kind, value, scope, item_id, category, starts_on, ends_on, minimum_spend, "
    f"{_STATUS}, ended_on, created_at"
)
_RUNNING = "ended_on IS NULL AND ends_on >= %s"


class PostgresCounterReadModels:
    """Implements CounterReadModels."""

    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def promotions_in_force(self, store: EventStore, tenant_id: UUID, on: date) -> list[UUID]:
        rows = self._rows(
            store,
            "SELECT id FROM {} WHERE tenant_id = %s AND ended_on IS NULL "
            "AND starts_on <= %s AND ends_on >= %s ORDER BY id",
            "promotions",
            [tenant_id, on, on],
        )
        return [row[0] for row in rows]

    def promotions(
        self,
        store: EventStore,
        tenant_id: UUID,
        *,
        active: bool | None,
        today: date,
        first: int,
        after: str | None,
    ) -> Page[PromotionView]:
        """Newest first."""
        where = "tenant_id = %s"
        params: list[Any] = [tenant_id]
        if active is not None:
            where += f" AND {'' if active else 'NOT '}({_RUNNING})"
            params.append(today)
        page_where, page_params = where, list(params)
        if after:
            at, last_id = decode_cursor(after)
            page_where += " AND (created_at, id) < (%s, %s)"
            page_params += [at, last_id]
        rows = self._rows(
            store,
            f"SELECT {_PROMOTION_SELECT} FROM {{}} WHERE {page_where} "
            "ORDER BY created_at DESC, id DESC LIMIT %s",
            "promotions",
            [today, *page_params, first + 1],
        )
        items = [PromotionView(*row) for row in rows[:first]]
        cursors = [encode_cursor(p.created_at, p.id) for p in items]
        connect = self._stores.database_for(store).connection
        count = rows_matching(connect, table(store, "promotions"), sql.SQL(where), params)
        return Page(items, cursors, len(rows) > first, count)

    def promotion(
        self, store: EventStore, tenant_id: UUID, promotion_id: UUID, today: date
    ) -> PromotionView | None:
        rows = self._rows(
            store,
            f"SELECT {_PROMOTION_SELECT} FROM {{}} WHERE tenant_id = %s AND id = %s",
            "promotions",
            [today, tenant_id, promotion_id],
        )
        return PromotionView(*rows[0]) if rows else None

    def daily_sales(
        self, store: EventStore, tenant_id: UUID, start: date, end: date
    ) -> list[DailySales]:
        rows = self._rows(
            store,
            "SELECT sold_on, payment_method, cashier, sales, gross, discounts, ppn, net "
            "FROM {} WHERE tenant_id = %s AND sold_on BETWEEN %s AND %s "
            "ORDER BY sold_on, payment_method, cashier",
            "daily_sales",
            [tenant_id, start, end],
        )
        return [DailySales(*row) for row in rows]

    def _rows(self, store: EventStore, query: str, name: str, params: list[Any]) -> list[Any]:
        statement = sql.SQL(query).format(table(store, name))
        with self._stores.database_for(store).connection() as conn:
            return list(conn.execute(statement, params).fetchall())
