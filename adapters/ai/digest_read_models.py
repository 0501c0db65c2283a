"""Queries over ceo_digests, with the names of the customers and agents a digest names (from
customer_list and agent_list, as they are now) and the status of its WhatsApp messages (from
message_log, where the messages' source is the digest)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.counting import rows_matching
from adapters.shared.keyset import after_cursor
from adapters.shared.paging import encode_cursor, table
from adapters.shared.stores import PostgresStores
from application.ai.digest_ports import CeoDigestView
from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.ai.digest import DigestFigures, DigestInsight, message_id
from domain.shared.payloads import from_plain

_COLUMNS = sql.SQL("id, tenant_id, day, mode, ai_status, figures, insights, compiled_at, messages")
# Newest day first; a cursor carries the day as its midnight in UTC.
_ORDER = sql.SQL("(day::timestamp AT TIME ZONE 'UTC'), id")


class PostgresCeoDigestReadModels:
    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def digest(self, store: EventStore, tenant_id: UUID, day: date) -> CeoDigestView | None:
        query = sql.SQL("SELECT {} FROM {} WHERE tenant_id = %s AND day = %s").format(
            _COLUMNS, table(store, "ceo_digests")
        )
        with self._stores.database_for(store).connection() as conn:
            rows = conn.execute(query, [tenant_id, day]).fetchall()
            views = self._views(conn, store, tenant_id, rows)
        return views[0] if views else None

    def digests(
        self, store: EventStore, tenant_id: UUID, first: int, after: str | None
    ) -> Page[CeoDigestView]:
        where: sql.Composable = sql.SQL("tenant_id = %s")
        page_where, params = after_cursor(where, [tenant_id], after, _ORDER, newest_first=True)
        query = sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY day DESC, id DESC LIMIT %s").format(
            _COLUMNS, table(store, "ceo_digests"), page_where
        )
        database = self._stores.database_for(store)
        with database.connection() as conn:
            rows = conn.execute(query, [*params, first + 1]).fetchall()
            items = self._views(conn, store, tenant_id, rows[:first])
        cursors = [encode_cursor(datetime.combine(v.day, time(), UTC), v.id) for v in items]
        count = rows_matching(database.connection, table(store, "ceo_digests"), where, [tenant_id])
        return Page(items, cursors, len(rows) > first, count)

    def _views(
        self, conn: Any, store: EventStore, tenant_id: UUID, rows: Sequence[Any]
    ) -> list[CeoDigestView]:
        read = [
            (r, from_plain(DigestFigures, r[5]), from_plain(list[DigestInsight], r[6]))
            for r in rows
        ]
        customers = {c.customer_id for _, f, _ in read for c in f.top_customers}
        agents = {s.agent_id for _, f, _ in read for s in f.voucher_sales if s.agent_id}
        names = _names(conn, store, tenant_id, customers, agents)
        messages = {message_id(r[0], n): r[0] for r in rows for n in range(r[8])}
        statuses = _statuses(conn, store, tenant_id, messages)
        return [
            CeoDigestView(
                id=r[0],
                tenant_id=r[1],
                day=r[2],
                mode=r[3],
                ai_status=r[4],
                figures=figures,
                insights=insights,
                names=names,
                whatsapp=statuses.get(r[0], []),
                compiled_at=r[7],
            )
            for r, figures, insights in read
        ]


def _names(
    conn: Any, store: EventStore, tenant_id: UUID, customers: set[UUID], agents: set[UUID]
) -> dict[UUID, str]:
    if not customers and not agents:
        return {}
    query = sql.SQL(
        "SELECT id, name FROM {} WHERE tenant_id = %s AND id = ANY(%s) "
        "UNION ALL SELECT id, name FROM {} WHERE tenant_id = %s AND id = ANY(%s)"
    ).format(table(store, "customer_list"), table(store, "agent_list"))
    params = [tenant_id, list(customers), tenant_id, list(agents)]
    return {row[0]: row[1] for row in conn.execute(query, params).fetchall()}


def _statuses(
    conn: Any, store: EventStore, tenant_id: UUID, messages: dict[UUID, UUID]
) -> dict[UUID, list[str]]:
    """Each digest's messages' statuses (by message id -> digest id), in recipient order."""
    if not messages:
        return {}
    query = sql.SQL("SELECT id, status FROM {} WHERE tenant_id = %s AND id = ANY(%s)").format(
        table(store, "message_log")
    )
    status = dict(conn.execute(query, [tenant_id, list(messages)]).fetchall())
    found: dict[UUID, list[str]] = {}
    for message, digest in messages.items():  # in recipient order, as built
        found.setdefault(digest, []).append(status.get(message, "queued"))
    return found
