"""Runs projections a page at a time: read a page of the log, apply it, move the tracking
position, all in one transaction. Exactly once, resumable after a crash at any point, and
rebuildable from zero into any schema.

Projections caught up together share each page: it is locked, read and decoded once, each
projection is handed the events of its topics it has not applied yet, and every position moves
in one statement. A command's catch-up costs a handful of statements, not a transaction per
projection.

A page that fails is applied again an event at a time; an event that fails alone is parked (a
dead-letter row with its position and the error) and the projection moves on, so one bad event
never stops a read model. A lost connection is not the event's fault: it fails the page, which
the next catch-up runs again."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from typing import Any, Protocol

from psycopg import Connection, InterfaceError, OperationalError, Transaction, sql

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


class _PageFailed(Exception):
    """A projection failed on a page applied without savepoints: it is done again, carefully."""

    def __init__(self, projection: str) -> None:
        super().__init__(projection)
        self.projection = projection


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
        # Where each projection it held got to (or already was), as far as it knows.
        self.reached: dict[str, int] = {}
        # What this runner parked, for whoever reports it (metrics, a staff notice).
        self.parked_now: list[ParkedEvent] = []

    def catch_up(self, projection: Projection, progress: Progress | None = None) -> int:
        """Process pages until the projection reaches the head of the log; return events applied."""
        return self.catch_up_together([projection], progress)

    def catch_up_together(
        self,
        projections: Sequence[Projection],
        progress: Progress | None = None,
        *,
        lock_wait: float | None = None,
    ) -> int:
        """Catch several projections up in one pass per page; return the events they applied.

        A projection another runner holds is skipped (that runner does its work), unless
        `lock_wait` seconds are given: then the locks are awaited, in key order, that long at
        most (psycopg's LockNotAvailable after that), so a command waiting for its read models
        queues behind the runner ahead of it instead of polling."""
        applied = 0
        while True:
            step = self._process_page(projections, lock_wait)
            if step is None:
                return applied
            count, position, head = step
            applied += count
            if progress:
                progress(position, head)
            if position >= head:
                # Caught up with the head this page saw; asking again would cost a transaction
                # on every command waiting for its read models.
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

    def _process_page(
        self, projections: Sequence[Projection], lock_wait: float | None
    ) -> tuple[int, int, int] | None:
        """One page for every projection: first without a savepoint each (the usual case costs
        no extra round trips); if any of them fails, the page is rolled back and done again
        with a savepoint per projection, event by event where a page fails, parking what fails
        alone."""
        try:
            return self._page(projections, lock_wait, careful=False)
        except _PageFailed as failed:
            return self._page(projections, lock_wait, careful=True, failed=failed.projection)

    def _page(
        self,
        projections: Sequence[Projection],
        lock_wait: float | None,
        *,
        careful: bool,
        failed: str = "",
    ) -> tuple[int, int, int] | None:
        with self._connect() as conn, ExitStack() as transaction:
            with conn.pipeline():  # begin, lock, positions and head in one round trip
                # Not conn.transaction(): inside a pipeline it would keep the whole transaction
                # in pipeline mode, where a projection could not COPY.
                transaction.enter_context(Transaction(conn))
                held, positions, head = self._claim(conn, projections, lock_wait)
            start = min((positions.get(p.name, 0) for p in held), default=head)
            if head <= start:
                return None  # nothing to do, or other runners hold them all
            events = self._log.read(conn, start, head, self.page_size, _shared_topics(held))
            reached = events[-1].position if len(events) == self.page_size else head
            applied = 0
            for projection in held:
                mine = _unapplied(projection, events, positions.get(projection.name, 0))
                if mine:
                    self._apply(conn, projection, mine, careful, failed == projection.name)
                    applied += len(mine)
            self._advance(
                conn, [p.name for p in held if positions.get(p.name, 0) < reached], reached
            )
            self.reached.update({p.name: max(positions.get(p.name, 0), reached) for p in held})
            return applied, reached, head

    def _claim(
        self, conn: Connection[Any], projections: Sequence[Projection], lock_wait: float | None
    ) -> tuple[list[Projection], dict[str, int], int]:
        """Lock what can be locked; the positions of those and the head of the log.

        The tracking rows are read without a row lock: the advisory lock is what keeps two
        runners off one projection."""
        locking = _lock(conn, self.schema, projections, lock_wait)
        tracked = conn.execute(
            sql.SQL("SELECT projection, position FROM {} WHERE projection = ANY(%s)").format(
                table(self.schema, TRACKING_TABLE)
            ),
            ([p.name for p in projections],),
        )
        head = self._log.head(conn)  # fetching it sends the pipeline
        held = locking()
        positions = {str(_values(r)[0]): int(_values(r)[1]) for r in tracked.fetchall()}
        self.reached.update({p.name: positions.get(p.name, 0) for p in held})
        return held, positions, head

    def _apply(
        self,
        conn: Connection[Any],
        projection: Projection,
        events: Sequence[RecordedEvent],
        careful: bool,
        failed_on_this_page: bool,
    ) -> None:
        if careful:
            self._apply_or_park(conn, projection, events, failed_on_this_page)
            return
        try:
            with conn.cursor() as cur:
                projection.apply(cur, self.schema, events)
        except _NOT_THE_EVENTS_FAULT:
            raise
        except Exception as error:
            raise _PageFailed(projection.name) from error

    def _apply_or_park(
        self,
        conn: Connection[Any],
        projection: Projection,
        events: Sequence[RecordedEvent],
        failed_on_this_page: bool,
    ) -> None:
        """Apply the page (unless it already failed); if it fails, each event alone, parking
        those that fail alone."""
        if not failed_on_this_page and self._apply_page(conn, projection, events):
            return
        for event in events:
            if not self._apply_alone(conn, projection, event):
                self._park(conn, projection.name, event)

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

    def _position(self, conn: Connection[Any], name: str) -> int:
        query = sql.SQL("SELECT position FROM {} WHERE projection = %s").format(
            table(self.schema, TRACKING_TABLE)
        )
        row = conn.execute(query, (name,)).fetchone()
        return int(_first(row)) if row else 0

    def _advance(self, conn: Connection[Any], names: list[str], position: int) -> None:
        if not names:
            return
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (projection, position, updated_at) "
                "SELECT name, %s, now() FROM unnest(%s::text[]) AS name "
                "ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position, "
                "updated_at = EXCLUDED.updated_at"
            ).format(table(self.schema, TRACKING_TABLE)),
            (position, names),
        )


def lock_key(schema: str, projection: str) -> int:
    """A stable 63-bit advisory lock key for one projection in one schema."""
    return zlib.crc32(f"{schema}/{projection}".encode()) & 0x7FFFFFFF


def _try_lock(conn: Connection[Any], schema: str, projection: str) -> bool:
    row = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (lock_key(schema, projection),))
    return bool(_first(row.fetchone()))


def _lock(
    conn: Connection[Any], schema: str, projections: Sequence[Projection], wait: float | None
) -> Callable[[], list[Projection]]:
    """Ask for the transaction locks of these projections in one statement; the function
    returned tells which are held (call it after the pipeline is sent).

    Waiting takes them in key order, so two waiting runners can never deadlock; the daemon and
    everything else only try, and never wait."""
    by_key = {lock_key(schema, p.name): p for p in projections}
    if wait is not None:
        milliseconds = max(int(wait * 1000), 1)
        conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(milliseconds)))
    # The waiting lock returns void, the trying one a boolean: only a failed try is 'false'.
    function = "pg_try_advisory_xact_lock" if wait is None else "pg_advisory_xact_lock"
    cursor = conn.execute(
        sql.SQL(
            "SELECT k, {}(k)::text IS DISTINCT FROM 'false' FROM "
            "(SELECT k FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(k, n) ORDER BY n) AS keys"
        ).format(sql.Identifier(function)),
        (sorted(by_key),),
    )
    return lambda: [by_key[int(_values(r)[0])] for r in cursor.fetchall() if _values(r)[1]]


def _topics(projection: Projection) -> list[str]:
    return [topic for cls in projection.event_types for topic in topics_of(cls)]


def _shared_topics(projections: Sequence[Projection]) -> list[str]:
    """The topics to read for all of them; empty (every event) if any reads every event."""
    if any(not p.event_types for p in projections):
        return []
    return sorted({topic for p in projections for topic in _topics(p)})


def _unapplied(
    projection: Projection, events: Sequence[RecordedEvent], position: int
) -> list[RecordedEvent]:
    """The events of the page this projection reads and has not applied yet."""
    wanted = projection.event_types
    return [e for e in events if e.position > position and (not wanted or type(e.event) in wanted)]


def _values(row: Any) -> list[Any]:
    return list(row.values()) if isinstance(row, dict) else list(row)


def _first(row: Any) -> Any:
    if isinstance(row, dict):
        return next(iter(row.values()))
    return row[0]
