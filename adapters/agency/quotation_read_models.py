"""Queries over the quotation list's read model (`quotations`), with each customer's name as
`customer_list` has it now."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.counting import rows_matching
from adapters.shared.keyset import after_cursor, page_of
from adapters.shared.paging import like_pattern, table
from adapters.shared.stores import PostgresStores
from application.agency.quote_ports import QuotationFilter, QuotationView
from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.agency.estimate import QuoteLine
from domain.agency.quotation import QuotationStatus
from domain.agency.rate_card import Complexity

_COLUMNS = sql.SQL(
    "q.id, q.number, q.customer_id, coalesce(c.name, ''), q.status, q.complexity, q.lines, "
    "q.management_percent, q.management, q.subtotal, q.dpp, q.ppn, q.total, q.valid_until, "
    "q.notes, q.summary, q.invoice_id, q.invoice_number, q.created_at, q.updated_at"
)
_ORDER = sql.SQL("q.created_at, q.id")


class PostgresQuotationReadModels:
    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def quotations(
        self,
        store: EventStore,
        tenant_id: UUID,
        which: QuotationFilter,
        first: int,
        after: str | None,
    ) -> Page[QuotationView]:
        where, params = _where(tenant_id, which)
        page_where, page_params = after_cursor(where, params, after, _ORDER, newest_first=True)
        query = sql.SQL(
            "SELECT {} FROM {} WHERE {} ORDER BY q.created_at DESC, q.id DESC LIMIT %s"
        ).format(_COLUMNS, _source(store), page_where)
        database = self._stores.database_for(store)
        with database.connection() as conn:
            rows = conn.execute(query, [*page_params, first + 1]).fetchall()
        count = rows_matching(database.connection, _source(store), where, params)
        return page_of(rows, first, count, _view, lambda v: (v.created_at, v.id))

    def quotation(
        self, store: EventStore, tenant_id: UUID, quotation_id: UUID
    ) -> QuotationView | None:
        query = sql.SQL("SELECT {} FROM {} WHERE q.tenant_id = %s AND q.id = %s").format(
            _COLUMNS, _source(store)
        )
        with self._stores.database_for(store).connection() as conn:
            row = conn.execute(query, [tenant_id, quotation_id]).fetchone()
        return _view(row) if row else None


def _source(store: EventStore) -> sql.Composable:
    return sql.SQL(
        "{} q LEFT JOIN {} c ON c.id = q.customer_id AND c.tenant_id = q.tenant_id"
    ).format(table(store, "quotations"), table(store, "customer_list"))


def _where(tenant_id: UUID, which: QuotationFilter) -> tuple[sql.Composable, list[Any]]:
    conditions: list[sql.Composable] = [sql.SQL("q.tenant_id = %s")]
    params: list[Any] = [tenant_id]
    if which.status is not None:
        conditions.append(sql.SQL("q.status = %s"))
        params.append(which.status.value)
    if which.search:
        conditions.append(sql.SQL("(lower(q.number) LIKE %s OR lower(c.name) LIKE %s)"))
        params += [like_pattern(which.search)] * 2
    return sql.SQL(" AND ").join(conditions), params


def _view(row: Any) -> QuotationView:
    (quotation_id, number, customer_id, customer_name, status, complexity, lines, *rest) = row
    return QuotationView(
        quotation_id,
        number,
        customer_id,
        customer_name,
        QuotationStatus(status),
        Complexity(complexity),
        [QuoteLine(**line) for line in lines],
        *rest,
    )
