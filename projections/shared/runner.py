"""Runs projections a page at a time: read a page of the log, apply it, move the tracking
position, all in one transaction. Exactly once, resumable after a crash at any point, and
rebuildable from zero into any schema.

A page that fails is applied again an event at a time; an event that fails alone is parked (a
dead-letter row with its position and the error) and the projection moves on, so one bad event
never stops a read model. A lost connection is not the event's fault: it fails the page, which
the next catch-up runs again."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from psycopg import Connection, InterfaceError, OperationalError, sql

from domain.shared.recorded import RecordedEvent
from domain.shared.topics import topics_of
from projections.shared.base import Projection, table

DEFAULT_PAGE_SIZE = 1000
TRACKING_TABLE = "projection_tracking"
PARKED_TABLE = "parked_events"
# Failures of the connection or the server, not of an event: never a reason to park one.
_NOT_THE_EVENTS_FAULT = (OperationalError, InterfaceError)


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
    parked: int = 0

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


@dataclass(frozen=True)
class ParkedEvent:
    """An event a projection could not apply, set aside with the error it raised."""

    projection: str
    position: int
    topic: str
    error: str
    attempts: int
    tenant_id: str | None = None  # whose event it was, when the runner parked it just now


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
        self._last_error = ""
        # What this runner parked, for whoever reports it (metrics, a staff notice).
        self.parked_now: list[ParkedEvent] = []

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
                projection.name,
                self._position(conn, projection.name),
                self._log.head(conn),
                self._parked_count(conn, projection.name),
            )

    def parked(self, projection: Projection) -> list[ParkedEvent]:
        """The events this projection set aside, in log order."""
        with self._connect() as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT position, topic, error, attempts FROM {} WHERE projection = %s "
                    "ORDER BY position"
                ).format(table(self.schema, PARKED_TABLE)),
                (projection.name,),
            ).fetchall()
        return [ParkedEvent(projection.name, *_values(r)) for r in rows]

    def retry_parked(self, projection: Projection) -> tuple[int, int]:
        """Apply the parked events again, in log order; return (applied, still parked).

        Each one that applies now leaves the dead letters. They are applied after the events
        that followed them, so a read model that depends on order is exact again only after a
        rebuild; the usual fix is a corrected projection, then a rebuild."""
        applied = 0
        with self._connect() as conn, conn.transaction():
            if not _try_lock(conn, self.schema, projection.name):
                return 0, len(self.parked(projection))
            for parked in self._parked_events(conn, projection):
                if self._apply_alone(conn, projection, parked):
                    self._unpark(conn, projection.name, parked.position)
                    applied += 1
            left = self._parked_count(conn, projection.name)
        return applied, left

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
            if events and not self._apply_page(conn, projection, events):
                for event in events:
                    if not self._apply_alone(conn, projection, event):
                        self._park(conn, projection.name, event)
            self._advance(conn, projection.name, reached)
            return len(events), reached, head

    def _apply_page(
        self, conn: Connection[Any], projection: Projection, events: Sequence[RecordedEvent]
    ) -> bool:
        """Apply a page inside a savepoint; False (and nothing written) if it failed."""
        try:
            with conn.transaction(), conn.cursor() as cur:
                projection.apply(cur, self.schema, events)
        except _NOT_THE_EVENTS_FAULT:
            raise
        except Exception:
            return False
        return True

    def _apply_alone(self, conn: Connection[Any], projection: Projection, event: Any) -> bool:
        """Apply one event (or a parked one, read again) inside a savepoint."""
        if isinstance(event, ParkedEvent):
            found = self._log.read(conn, event.position - 1, event.position, 1, _topics(projection))
            if not found:
                return False
            event = found[0]
        try:
            with conn.transaction(), conn.cursor() as cur:
                projection.apply(cur, self.schema, [event])
        except _NOT_THE_EVENTS_FAULT:
            raise
        except Exception as error:
            self._last_error = f"{type(error).__name__}: {error}"
            return False
        return True

    def _park(self, conn: Connection[Any], name: str, event: RecordedEvent) -> None:
        topic = f"{type(event.event).__module__}:{type(event.event).__qualname__}"
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (projection, position, topic, error) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (projection, position) DO UPDATE SET error = EXCLUDED.error, "
                "attempts = {}.attempts + 1"
            ).format(table(self.schema, PARKED_TABLE), sql.Identifier(PARKED_TABLE)),
            (name, event.position, topic, self._last_error[:2000]),
        )
        self.parked_now.append(
            ParkedEvent(name, event.position, topic, self._last_error, 1, event.meta.tenant_id)
        )

    def _unpark(self, conn: Connection[Any], name: str, position: int) -> None:
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE projection = %s AND position = %s").format(
                table(self.schema, PARKED_TABLE)
            ),
            (name, position),
        )

    def _parked_events(self, conn: Connection[Any], projection: Projection) -> list[ParkedEvent]:
        rows = conn.execute(
            sql.SQL(
                "SELECT position, topic, error, attempts FROM {} WHERE projection = %s "
                "ORDER BY position FOR UPDATE"
            ).format(table(self.schema, PARKED_TABLE)),
            (projection.name,),
        ).fetchall()
        return [ParkedEvent(projection.name, *_values(r)) for r in rows]

    def _parked_count(self, conn: Connection[Any], name: str) -> int:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE projection = %s").format(
                table(self.schema, PARKED_TABLE)
            ),
            (name,),
        ).fetchone()
        return int(_first(row))

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


def _values(row: Any) -> list[Any]:
    return list(row.values()) if isinstance(row, dict) else list(row)


def _first(row: Any) -> Any:
    if isinstance(row, dict):
        return next(iter(row.values()))
    return row[0]
