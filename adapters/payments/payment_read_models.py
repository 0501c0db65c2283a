"""Queries over payment_list."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.counting import rows_matching
from adapters.shared.keyset import after_cursor, page_of
from adapters.shared.paging import table
from adapters.shared.stores import PostgresStores
from application.payments.payment_queries import PaymentAllocation, PaymentFilter, PaymentView
from application.shared.event_store import EventStore
from application.shared.ports import Page

_COLUMNS = sql.SQL(
    "id, tenant_id, customer_id, amount, method, reference, received_on, allocations, credit, "
    "recorded_at"
)


class PostgresPaymentReadModels:
    """Implements PaymentReadModels."""

    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def payments(
        self,
        store: EventStore,
        tenant_id: UUID,
        where: PaymentFilter,
        first: int,
        after: str | None,
    ) -> Page[PaymentView]:
        filters: list[sql.Composable] = [sql.SQL("tenant_id = %s")]
        params: list[Any] = [tenant_id]
        for clause, value in (
            ("customer_id = %s", where.customer_id),
            ("method = %s", where.method),
            ("received_on >= %s", where.received_from),
            ("received_on <= %s", where.received_to),
        ):
            if value is not None:
                filters.append(sql.SQL(clause))
                params.append(value)
        matching = sql.SQL(" AND ").join(filters)
        page_filter, page_params = after_cursor(matching, params, after, sql.SQL("recorded_at, id"))
        source = table(store, "payment_list")
        with self._stores.database_for(store).connection() as conn:
            rows = conn.execute(
                sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY recorded_at, id LIMIT %s").format(
                    _COLUMNS, source, page_filter
                ),
                [*page_params, first + 1],
            ).fetchall()
        count = rows_matching(self._stores.database_for(store).connection, source, matching, params)
        return page_of(rows, first, count, _payment, lambda v: (v.recorded_at, v.id))

    def payment(self, store: EventStore, tenant_id: UUID, payment_id: UUID) -> PaymentView | None:
        query = sql.SQL("SELECT {} FROM {} WHERE tenant_id = %s AND id = %s").format(
            _COLUMNS, table(store, "payment_list")
        )
        with self._stores.database_for(store).connection() as conn:
            row = conn.execute(query, [tenant_id, payment_id]).fetchone()
        return _payment(row) if row else None

    def received_on(self, store: EventStore, tenant_id: UUID, day: date) -> tuple[int, int]:
        """The total and number of the payments received on `day`."""
        query = sql.SQL(
            "SELECT coalesce(sum(amount), 0)::bigint, count(*) FROM {} "
            "WHERE tenant_id = %s AND received_on = %s"
        ).format(table(store, "payment_list"))
        with self._stores.database_for(store).connection() as conn:
            row = conn.execute(query, [tenant_id, day]).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def top_payers(
        self, store: EventStore, tenant_id: UUID, day: date, limit: int
    ) -> list[tuple[UUID, str, int, int]]:
        """The customers who paid most on `day`: (customer id, name as customer_list holds it
        now, amount, payments), most first."""
        query = sql.SQL(
            "SELECT p.customer_id, coalesce(c.name, ''), sum(p.amount)::bigint, count(*) "
            "FROM {} p LEFT JOIN {} c ON c.id = p.customer_id AND c.tenant_id = p.tenant_id "
            "WHERE p.tenant_id = %s AND p.received_on = %s GROUP BY p.customer_id, c.name "
            "ORDER BY 3 DESC, p.customer_id LIMIT %s"
        ).format(table(store, "payment_list"), table(store, "customer_list"))
        with self._stores.database_for(store).connection() as conn:
            rows = conn.execute(query, [tenant_id, day, limit]).fetchall()
        return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


def _payment(row: Any) -> PaymentView:
    values = list(row)
    values[7] = [PaymentAllocation(UUID(str(a["invoice_id"])), int(a["amount"])) for a in values[7]]
    return PaymentView(*values)
