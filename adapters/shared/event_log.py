"""Reads a store's log a page at a time and decodes it, on the caller's connection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from psycopg import Connection, sql
from psycopg.rows import tuple_row

from application.shared.event_store import EventStore
from domain.shared.recorded import RecordedEvent


class PostgresEventLog:
    def __init__(self, store: EventStore, schema: str) -> None:
        self._mapper = store.niaga_mapper
        self._table = sql.SQL("{}.niaga_events").format(sql.Identifier(schema))

    def head(self, conn: Connection[Any]) -> int:
        row = conn.execute(
            sql.SQL("SELECT max(notification_id) FROM {}").format(self._table)
        ).fetchone()
        value = _first(row)
        return int(value) if value is not None else 0

    def read(
        self, conn: Connection[Any], after: int, upto: int, limit: int, topics: Sequence[str]
    ) -> list[RecordedEvent]:
        query = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {} "
            "WHERE notification_id > %s AND notification_id <= %s"
        ).format(self._table)
        params: list[Any] = [after, upto]
        if topics:
            query += sql.SQL(" AND topic = ANY(%s)")
            params.append(list(topics))
        query += sql.SQL(" ORDER BY notification_id LIMIT %s")
        params.append(limit)
        with conn.cursor(row_factory=tuple_row) as cur:
            rows = cur.execute(query, params).fetchall()
        stored = [(r[0], StoredEvent(r[1], r[2], r[3], bytes(r[4]))) for r in rows]
        self._mapper.prefetch_keys(s for _, s in stored)
        return [self._mapper.decode(position, s) for position, s in stored]


def _first(row: Any) -> Any:
    if row is None:
        return None
    return next(iter(row.values())) if isinstance(row, dict) else row[0]
