"""Queries over support_tickets and support_ticket_timeline (the customer's name joined from
customer_list, as it is now). Breaches are judged in SQL at the `now` the caller gives, so the
`breached` filter and the flags a page shows agree."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.counting import rows_matching
from adapters.shared.keyset import after_cursor, page_of
from adapters.shared.paging import like_pattern, table
from adapters.shared.stores import PostgresStores
from application.shared.event_store import EventStore
from application.shared.ports import Page
from application.support.ports import TicketFilter, TicketView, TimelineEntry

_FIRST_BREACHED = "t.first_response_due_at < coalesce(t.first_response_at, %s)"
_RESOLUTION_BREACHED = "t.resolution_due_at < coalesce(t.clock_stopped_at, %s)"
# The two breach flags take `now` twice, ahead of any other parameter.
_COLUMNS = sql.SQL(
    "t.id, t.number, t.customer_id, l.name, t.category, t.priority, t.status, t.channel, "
    "t.subject, t.description, t.subscription_id, t.invoice_id, t.voucher_id, t.repair_job_id, "
    "t.conversation_id, t.assignee_id, t.assignee_name, t.opened_at, t.first_response_due_at, "
    "t.first_response_at, t.resolution_due_at, t.clock_stopped_at, t.resolved_at, t.closed_at, "
    "t.replies, t.notes, t.updated_at, " + _FIRST_BREACHED + ", " + _RESOLUTION_BREACHED
)
_ORDER = sql.SQL("t.opened_at, t.id")
# Filters that name one value of a column (the column is the attribute's name).
_EQUALS = ("status", "priority", "category", "assignee_id", "customer_id")


class PostgresSupportReadModels:
    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def tickets(
        self,
        store: EventStore,
        tenant_id: UUID,
        which: TicketFilter,
        now: datetime,
        first: int,
        after: str | None,
    ) -> Page[TicketView]:
        where, params = _where(tenant_id, which, now)
        page_where, page_params = after_cursor(where, params, after, _ORDER, newest_first=True)
        query = sql.SQL(
            "SELECT {} FROM {} WHERE {} ORDER BY t.opened_at DESC, t.id DESC LIMIT %s"
        ).format(_COLUMNS, _source(store), page_where)
        database = self._stores.database_for(store)
        with database.connection() as conn:
            rows = conn.execute(query, [now, now, *page_params, first + 1]).fetchall()
        count = rows_matching(database.connection, _source(store), where, params)
        return page_of(rows, first, count, _view, lambda v: (v.opened_at, v.id))

    def ticket(
        self, store: EventStore, tenant_id: UUID, ticket_id: UUID, now: datetime
    ) -> TicketView | None:
        query = sql.SQL("SELECT {} FROM {} WHERE t.tenant_id = %s AND t.id = %s").format(
            _COLUMNS, _source(store)
        )
        with self._stores.database_for(store).connection() as conn:
            row = conn.execute(query, [now, now, tenant_id, ticket_id]).fetchone()
        return _view(row) if row else None

    def timeline(self, store: EventStore, tenant_id: UUID, ticket_id: UUID) -> list[TimelineEntry]:
        query = sql.SQL(
            "SELECT number, kind, text, detail, actor, at FROM {} "
            "WHERE tenant_id = %s AND ticket_id = %s ORDER BY number"
        ).format(table(store, "support_ticket_timeline"))
        with self._stores.database_for(store).connection() as conn:
            rows = conn.execute(query, [tenant_id, ticket_id]).fetchall()
        return [TimelineEntry(*row) for row in rows]

    def unsettled_for_conversation(
        self, store: EventStore, tenant_id: UUID, conversation_id: UUID
    ) -> UUID | None:
        query = sql.SQL(
            "SELECT id FROM {} WHERE tenant_id = %s AND conversation_id = %s "
            "AND status IN ('open', 'pending') ORDER BY opened_at DESC LIMIT 1"
        ).format(table(store, "support_tickets"))
        with self._stores.database_for(store).connection() as conn:
            row = conn.execute(query, [tenant_id, conversation_id]).fetchone()
        return row[0] if row else None


def _source(store: EventStore) -> sql.Composed:
    return sql.SQL(
        "{} t LEFT JOIN {} l ON l.id = t.customer_id AND l.tenant_id = t.tenant_id"
    ).format(table(store, "support_tickets"), table(store, "customer_list"))


def _where(tenant_id: UUID, which: TicketFilter, now: datetime) -> tuple[sql.Composable, list[Any]]:
    conditions: list[sql.Composable] = [sql.SQL("t.tenant_id = %s")]
    params: list[Any] = [tenant_id]
    for column in _EQUALS:
        value = getattr(which, column)
        if value is not None:
            conditions.append(sql.SQL("{} = %s").format(sql.Identifier("t", column)))
            params.append(value)
    if which.breached is not None:
        either = f"({_FIRST_BREACHED} OR {_RESOLUTION_BREACHED})"
        conditions.append(sql.SQL(either if which.breached else f"NOT {either}"))
        params += [now, now]
    if which.search:
        conditions.append(sql.SQL("(lower(t.number) LIKE %s OR lower(l.name) LIKE %s)"))
        params += [like_pattern(which.search)] * 2
    return sql.SQL(" AND ").join(conditions), params


def _view(row: Any) -> TicketView:
    return TicketView(*row)
