"""Queries over concierge_conversations and concierge_turns (the customer's name joined from
customer_list, as it is now)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.counting import rows_matching
from adapters.shared.keyset import after_cursor, page_of
from adapters.shared.paging import table
from adapters.shared.stores import PostgresStores
from application.ai.concierge.ports import ConversationView, TurnView
from application.shared.event_store import EventStore
from application.shared.ports import Page

_COLUMNS = sql.SQL(
    "c.id, c.tenant_id, c.customer_id, l.name, c.state, c.handoff_reason, c.assignee_id, "
    "c.assignee_name, c.escalated, c.waiting_since, c.last_ai_status, c.turns, c.started_at, "
    "c.updated_at"
)
_ORDER = sql.SQL("c.updated_at, c.id")


class PostgresConciergeReadModels:
    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def conversations(
        self,
        store: EventStore,
        tenant_id: UUID,
        *,
        states: Sequence[str],
        assignee_id: UUID | None,
        first: int,
        after: str | None,
    ) -> Page[ConversationView]:
        where: sql.Composable = sql.SQL("c.tenant_id = %s AND c.state = ANY(%s)")
        params: list[Any] = [tenant_id, list(states)]
        if assignee_id is not None:
            where = sql.SQL("{} AND c.assignee_id = %s").format(where)
            params.append(assignee_id)
        page_where, page_params = after_cursor(where, params, after, _ORDER, newest_first=True)
        query = sql.SQL(
            "SELECT {} FROM {} c LEFT JOIN {} l ON l.id = c.customer_id AND l.tenant_id = "
            "c.tenant_id WHERE {} ORDER BY c.updated_at DESC, c.id DESC LIMIT %s"
        ).format(_COLUMNS, *self._tables(store), page_where)
        database = self._stores.database_for(store)
        with database.connection() as conn:
            rows = conn.execute(query, [*page_params, first + 1]).fetchall()
        source = sql.SQL("{} c").format(table(store, "concierge_conversations"))
        count = rows_matching(database.connection, source, where, params)
        return page_of(rows, first, count, _view, lambda v: (v.updated_at, v.id))

    def conversation(
        self, store: EventStore, tenant_id: UUID, conversation_id: UUID
    ) -> ConversationView | None:
        query = sql.SQL(
            "SELECT {} FROM {} c LEFT JOIN {} l ON l.id = c.customer_id AND l.tenant_id = "
            "c.tenant_id WHERE c.tenant_id = %s AND c.id = %s"
        ).format(_COLUMNS, *self._tables(store))
        with self._stores.database_for(store).connection() as conn:
            row = conn.execute(query, [tenant_id, conversation_id]).fetchone()
        return _view(row) if row else None

    def turns(self, store: EventStore, tenant_id: UUID, conversation_id: UUID) -> list[TurnView]:
        query = sql.SQL(
            "SELECT number, speaker, text, mode, ai_status, by_actor, at FROM {} "
            "WHERE tenant_id = %s AND conversation_id = %s ORDER BY number"
        ).format(table(store, "concierge_turns"))
        with self._stores.database_for(store).connection() as conn:
            rows = conn.execute(query, [tenant_id, conversation_id]).fetchall()
        return [TurnView(*row) for row in rows]

    def waiting_since_before(self, store: EventStore, cutoff: datetime) -> list[tuple[UUID, UUID]]:
        query = sql.SQL(
            "SELECT tenant_id, id FROM {} WHERE waiting_since IS NOT NULL AND NOT escalated "
            "AND waiting_since <= %s AND state IN ('open', 'assigned') ORDER BY waiting_since"
        ).format(table(store, "concierge_conversations"))
        with self._stores.database_for(store).connection() as conn:
            return [(row[0], row[1]) for row in conn.execute(query, [cutoff]).fetchall()]

    def _tables(self, store: EventStore) -> tuple[sql.Composed, sql.Composed]:
        return table(store, "concierge_conversations"), table(store, "customer_list")


def _view(row: Any) -> ConversationView:
    return ConversationView(*row)
