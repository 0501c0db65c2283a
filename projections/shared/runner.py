"""Runs projections a page at a time: read a page of the log, apply it, move the tracking
position, all in one transaction. Exactly once, resumable after a crash at any point, and
rebuildable from zero into any schema."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from psycopg import Connection, sql

from domain.shared.recorded import RecordedEvent
from domain.shared.topics import topics_of
from projections.shared.base import Projection, table

DEFAULT_PAGE_SIZE = 1000
TRACKING_TABLE = "projection_tracking"


class EventLog(Protocol):
    """The ordered log of one store, read on the caller's connection."""

    def head(self, conn: Connection[Any]) -> int:
        """The position of the last event recorded (0 when empty)."""

    def read(
        self, conn: Connection[Any], after: int, upto: int, limit: int, topics: Sequence[str]
    ) -> list[RecordedEvent]:
        """Events with after < position <= upto, in order, at most `limit`, of these topics."""


ConnectionFactory = Callable[[], AbstractContextManager[Connection[Any]]]
Progress = Callable[[int, int], None]  # (position reached, head)


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


class ProjectionRunner:
    """Catches projections up with one store's log, writing into `schema`."""

    def __init__(
        self,
        log: EventLog,
        connect: ConnectionFactory,
        schema: str,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self._log = log
        self._connect = connect
        self.schema = schema
        self.page_size = page_size

    def catch_up(self, projection: Projection, progress: Progress | None = None) -> int:
        """Process pages until the projection reaches the head of the log; return events applied."""
        applied = 0
        while True:
            step = self._process_page(projection)
            if step is None:
                return applied
            count, position, head = step
            applied += count
            if progress:
                progress(position, head)
            if position >= head:
                # Caught up with the head this page saw; asking again would cost a transaction
                # per projection on every command waiting for its read models.
                return applied

    def status(self, projection: Projection) -> ProjectionStatus:
        with self._connect() as conn:
            return ProjectionStatus(
                projection.name, self._position(conn, projection.name), self._log.head(conn)
            )

    def _process_page(self, projection: Projection) -> tuple[int, int, int] | None:
        with self._connect() as conn, conn.transaction():
            if not _try_lock(conn, self.schema, projection.name):
                return None  # another runner holds this projection; it will do the work
            position = self._position(conn, projection.name, for_update=True)
            head = self._log.head(conn)
            if head <= position:
                return None
            events = self._log.read(conn, position, head, self.page_size, _topics(projection))
            reached = events[-1].position if len(events) == self.page_size else head
            if events:
                with conn.cursor() as cur:
                    projection.apply(cur, self.schema, events)
            self._advance(conn, projection.name, reached)
            return len(events), reached, head

    def positions(self) -> dict[str, int]:
        """Every projection's tracking position in this schema, in one query."""
        with self._connect() as conn:
            rows = conn.execute(
                sql.SQL("SELECT projection, position FROM {}").format(
                    table(self.schema, TRACKING_TABLE)
                )
            ).fetchall()
        return {
            str(_first(r)): int(list(r.values())[1] if isinstance(r, dict) else r[1]) for r in rows
        }

    def _position(self, conn: Connection[Any], name: str, *, for_update: bool = False) -> int:
        query = sql.SQL("SELECT position FROM {} WHERE projection = %s").format(
            table(self.schema, TRACKING_TABLE)
        )
        if for_update:
            query += sql.SQL(" FOR UPDATE")
        row = conn.execute(query, (name,)).fetchone()
        return int(_first(row)) if row else 0

    def _advance(self, conn: Connection[Any], name: str, position: int) -> None:
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (projection, position, updated_at) VALUES (%s, %s, now()) "
                "ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position, "
                "updated_at = EXCLUDED.updated_at"
            ).format(table(self.schema, TRACKING_TABLE)),
            (name, position),
        )


def lock_key(schema: str, projection: str) -> int:
    """A stable 63-bit advisory lock key for one projection in one schema."""
    return zlib.crc32(f"{schema}/{projection}".encode()) & 0x7FFFFFFF


def _try_lock(conn: Connection[Any], schema: str, projection: str) -> bool:
    row = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (lock_key(schema, projection),))
    return bool(_first(row.fetchone()))


def _topics(projection: Projection) -> list[str]:
    return [topic for cls in projection.event_types for topic in topics_of(cls)]


def _first(row: Any) -> Any:
    if isinstance(row, dict):
        return next(iter(row.values()))
    return row[0]


def iter_pages(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
