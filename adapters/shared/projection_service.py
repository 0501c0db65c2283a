"""Keeps every store's read models caught up, rebuilds them, and lets commands wait for them."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import Connection, errors, sql

from adapters.shared.event_log import PostgresEventLog
from adapters.shared.stores import PostgresEventStore, PostgresStores, StoreRef
from adapters.shared.supervision import GIVE_UP_AFTER, Recovery
from application.shared.event_store import EventStore, Saved
from domain.shared.topics import topics_of
from migrations import runner as migrations
from projections.catalog import all_projections
from projections.shared.base import Projection
from projections.shared.runner import (
    PARKED_TABLE,
    TRACKING_TABLE,
    ParkedEvent,
    ProjectionRunner,
    ProjectionStatus,
    lock_key,
)

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
SCRATCH_PREFIX = "rebuild_"
MAX_PAUSE = 30.0  # seconds between attempts while the database is away
# A recorded event wakes the daemon (NOTIFY); this is only a safety net for a missed one.
SAFETY_POLL = 30.0
# How often the process managers look for retries that fell due while nothing was recorded.
SIDE_EFFECT_TICK = 2.0
# How long an explicit catch-up waits for a projection another runner is working on (a page of
# the daemon's takes well under a second; a rebuild's swap, a moment).
QUEUE_WAIT = 60.0
_READERS_KEPT = 4096  # sets of topics whose readers are remembered


@dataclass(frozen=True)
class StoreStatus:
    store: str
    status: ProjectionStatus


class ProjectionService:
    """Implements ReadModelSync. With `inline=True` a waiting command catches up itself;
    otherwise it waits for a daemon (this process's or another's) to get there."""

    def __init__(
        self,
        stores: PostgresStores,
        page_size: int = 1000,
        inline: bool = True,
        wait_timeout: float = 2.0,
    ) -> None:
        self._stores = stores
        self.wait_timeout = wait_timeout
        self._page_size = page_size
        self.inline = inline
        self.projections: list[Projection] = all_projections()
        # Which projections read a save's topics, by the set of topics: worked out once per
        # set (a command saves the same few kinds again and again) for the list it was made from.
        self._readers: dict[frozenset[str], list[Projection]] = {}
        self._readers_of: list[Projection] = self.projections
        self._wake = threading.Event()
        # Told of each event a projection parks (the wiring records a staff notice).
        self.on_parked: Callable[[PostgresEventStore, ParkedEvent], None] | None = None

    def runner(self, store: PostgresEventStore, schema: str | None = None) -> ProjectionRunner:
        database = self._stores.database_for(store)
        return ProjectionRunner(
            PostgresEventLog(store, store.ref.schema),
            database.connection,
            schema or store.ref.schema,
            self._page_size,
        )

    def catch_up(
        self, store: PostgresEventStore, progress: Progress | None = None, *, queue: bool = True
    ) -> int:
        """Bring every read model of `store` up to the head of its log.

        With `queue`, a projection another runner is working on is waited for (up to
        `QUEUE_WAIT`), so on return every one has reached the head this call saw: an export or
        a test can rely on that. The daemon passes False: what another runner holds is left to
        it, and nothing waits."""
        lock_wait = QUEUE_WAIT if queue else None
        return self._catch_up(store, self.projections, progress, lock_wait=lock_wait)

    def _catch_up(
        self,
        store: PostgresEventStore,
        projections: list[Projection],
        progress: Progress | None = None,
        *,
        lock_wait: float | None = None,
        runner: ProjectionRunner | None = None,
    ) -> int:
        runner = runner or self.runner(store)
        applied = runner.catch_up_together(projections, progress, lock_wait=lock_wait)
        parked_now, runner.parked_now = runner.parked_now, []
        for parked in parked_now:
            log.error(
                "projection %s parked event %s of store %s: %s",
                parked.projection,
                parked.position,
                store.ref.name,
                parked.error,
            )
            if self.on_parked:
                self.on_parked(store, parked)
        return applied

    def catch_up_all(self, *, queue: bool = True) -> int:
        """Catch every store up (`queue`: as `catch_up`). One store's trouble (a lost schema, a
        failing database of its own) is logged and never keeps the others' read models,
        dispatchers and webhooks back."""
        applied = 0
        for store in self._stores.open_stores():
            try:
                applied += self.catch_up(store, queue=queue)
            except Exception:
                log.exception("catching up store %s failed; the other stores go on", store.ref.name)
        return applied

    def stores(self, name: str | None = None) -> list[PostgresEventStore]:
        """Every open store, or only the one named."""
        return [s for s in self._stores.open_stores() if name in (None, s.ref.name)]

    def retry_parked(self, store: PostgresEventStore) -> dict[str, tuple[int, int]]:
        """Apply every projection's parked events again: (applied, still parked) by projection."""
        runner = self.runner(store)
        return {p.name: runner.retry_parked(p) for p in self.projections}

    def status(self) -> list[StoreStatus]:
        return [
            StoreStatus(store.ref.name, self.runner(store).status(p))
            for store in self._stores.open_stores()
            for p in self.projections
        ]

    def wait(self, store: EventStore, upto: Saved | int, timeout: float | None = None) -> bool:
        """Block until the read models a save touched (every one, for a bare position) have
        processed it; False on time-out.

        Inline, the caller catches those up itself, in one pass, queueing behind a runner that
        holds one of them: that runner may have read the log before this command's events. The
        other read models are the daemon's, woken by the save's notification."""
        pg_store = self._stores.open(store.ref)  # type: ignore[attr-defined]
        deadline = time.monotonic() + (self.wait_timeout if timeout is None else timeout)
        position, needed = self._needed(upto)
        runner = self.runner(pg_store)
        while True:
            if self.inline:
                self._catch_up_within(pg_store, runner, needed, deadline)
            else:
                self._wake.set()
            if self._reached(runner, needed, position):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)

    def _needed(self, upto: Saved | int) -> tuple[int, list[Projection]]:
        """The position to reach and the projections that must reach it."""
        if isinstance(upto, int):
            return upto, self.projections
        return upto.position, self._reading(upto.topics)

    def _reading(self, topics: frozenset[str]) -> list[Projection]:
        if self._readers_of is not self.projections:  # replaced (a test's chosen few)
            self._readers, self._readers_of = {}, self.projections
        readers = self._readers.get(topics)
        if readers is None:
            readers = [p for p in self.projections if _reads_any(p, topics)]
            if len(self._readers) < _READERS_KEPT:
                self._readers[topics] = readers
        return readers

    def _catch_up_within(
        self,
        store: PostgresEventStore,
        runner: ProjectionRunner,
        projections: list[Projection],
        deadline: float,
    ) -> None:
        """Catch these up, waiting for their locks no longer than the deadline allows."""
        lock_wait = max(deadline - time.monotonic(), 0.001)
        try:
            self._catch_up(store, projections, lock_wait=lock_wait, runner=runner)
        except errors.LockNotAvailable:
            log.debug("read models of store %s still busy at the deadline", store.ref.name)

    def _reached(self, runner: ProjectionRunner, needed: list[Projection], position: int) -> bool:
        """Whether they all got there: as the runner saw it when it caught them up itself,
        else as the tracking table says."""
        if all(runner.reached.get(p.name, 0) >= position for p in needed):
            return True
        positions = runner.positions()
        return all(positions.get(p.name, 0) >= position for p in needed)

    def rebuild_into(
        self,
        store: PostgresEventStore,
        schema: str,
        projection: Projection,
        progress: Progress | None = None,
    ) -> int:
        """Build one projection from zero into `schema` (created with fresh read-model tables)."""
        with self._stores.database_for(store).connection() as conn:
            migrations.apply(conn, schema, ("read_models",))
        return self.runner(store, schema).catch_up(projection, progress)

    def rebuild(
        self, store: PostgresEventStore, projection: Projection, progress: Progress | None = None
    ) -> int:
        """Rebuild one projection from zero beside the live tables, then swap it in."""
        return self.rebuild_together(store, [projection], progress)

    def rebuild_together(
        self,
        store: PostgresEventStore,
        projections: Sequence[Projection],
        progress: Progress | None = None,
    ) -> int:
        """Rebuild projections from zero beside the live tables, in one pass over the log into
        one scratch schema, then swap them all in one transaction; returns the events applied.

        The scratch schema is dropped however the rebuild ends; one left by a rebuild that was
        killed is dropped by the next rebuild (a running rebuild holds a lock on its scratch
        schema's name, so only abandoned ones go)."""
        scratch = f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:12]}"
        database = self._stores.database_for(store)
        claim = database.direct()
        claim.execute("SELECT pg_advisory_lock(hashtext(%s))", (scratch,))
        try:
            drop_abandoned_scratch_schemas(database)
            with database.connection() as conn:
                migrations.apply(conn, scratch, ("read_models",))
            count = self.runner(store, scratch).catch_up_together(projections, progress)
            with database.connection() as conn, conn.transaction():
                for key in sorted(_lock_key(store.ref, p) for p in projections):
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
                # Anything recorded since the scratch build finished is applied before the swap.
                self.runner(store, scratch).catch_up_together(projections)
                for projection in projections:
                    _swap(conn, store.ref.schema, scratch, projection)
            return count
        finally:
            with database.connection() as conn:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(scratch))
                )
            claim.close()

    def run_forever(
        self,
        stop: threading.Event,
        interval: float = SIDE_EFFECT_TICK,
        after_catch_up: Callable[[], object] | None = None,
        beat: Callable[[], object] | None = None,
        give_up_after: float = GIVE_UP_AFTER,
    ) -> None:
        """The projection daemon: catch up every store when events are recorded (it sleeps on
        LISTEN, with a safety poll every `SAFETY_POLL` seconds), run `after_catch_up` (the
        process managers) then and every `interval` seconds for retries that fall due, and
        `beat`. An idle server costs the database almost nothing.

        It outlives a database restart: a failed cycle or a lost LISTEN connection is logged,
        waited out with growing pauses (up to `MAX_PAUSE` seconds) and retried from the
        positions in the database. Only failures lasting longer than `give_up_after` seconds
        end it, with `PartFailed`, for its supervisor to start it afresh."""
        listener = _Listener(self._stores)
        recovery = Recovery("projections", give_up_after, max_pause=MAX_PAUSE)
        due = _Due(SAFETY_POLL, interval)
        try:
            while not stop.is_set():
                try:
                    self._cycle(due, after_catch_up)
                    recovery.succeeded()
                    if beat:
                        beat()
                    due.woken = listener.wait(due.until_next(), self._wake)
                except Exception as error:
                    pause = recovery.failed(error)
                    log.exception("projection daemon cycle failed; retrying in %.1f s", pause)
                    listener.close()
                    due.woken = True  # after an outage, look at everything again
                    stop.wait(pause)
                self._wake.clear()
        finally:
            listener.close()

    def _cycle(self, due: _Due, after_catch_up: Callable[[], object] | None) -> None:
        if due.catch_up_now():
            self.catch_up_all(queue=False)
        if after_catch_up and due.side_effects_now():
            after_catch_up()


class _Due:
    """When the daemon next catches up (on a notification, or the safety poll) and next runs
    the process managers (on a notification, or their tick)."""

    def __init__(self, safety_poll: float, tick: float) -> None:
        self._safety_poll, self._tick = safety_poll, tick
        self._catch_up_at = self._side_effects_at = 0.0
        self.woken = True

    def catch_up_now(self) -> bool:
        if not (self.woken or time.monotonic() >= self._catch_up_at):
            return False
        self._catch_up_at = time.monotonic() + self._safety_poll
        return True

    def side_effects_now(self) -> bool:
        if not (self.woken or time.monotonic() >= self._side_effects_at):
            return False
        self._side_effects_at = time.monotonic() + self._tick
        return True

    def until_next(self) -> float:
        return max(min(self._catch_up_at, self._side_effects_at) - time.monotonic(), 0.05)


def drop_abandoned_scratch_schemas(database: Any) -> list[str]:
    """Drop the scratch schemas of rebuilds that were killed: those whose lock nobody holds."""
    dropped = []
    with database.connection() as conn:
        names = [
            str(r[0])
            for r in conn.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                (SCRATCH_PREFIX.replace("_", "\\_") + "%",),
            ).fetchall()
        ]
        for name in names:
            free = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (name,)).fetchone()
            if free and free[0]:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name))
                )
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))
                dropped.append(name)
    return dropped


def _reads_any(projection: Projection, topics: frozenset[str]) -> bool:
    """Whether the projection reads events of any of these topics (every one, if it reads all)."""
    if not projection.event_types:
        return True
    return any(topic in topics for cls in projection.event_types for topic in topics_of(cls))


def _lock_key(ref: StoreRef, projection: Projection) -> int:
    return lock_key(ref.schema, projection.name)


def _swap(conn: Connection[Any], live: str, scratch: str, projection: Projection) -> None:
    trash = f"{scratch}_old"
    conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(trash)))
    for name in projection.tables:
        conn.execute(
            sql.SQL("ALTER TABLE {}.{} SET SCHEMA {}").format(
                sql.Identifier(live), sql.Identifier(name), sql.Identifier(trash)
            )
        )
        conn.execute(
            sql.SQL("ALTER TABLE {}.{} SET SCHEMA {}").format(
                sql.Identifier(scratch), sql.Identifier(name), sql.Identifier(live)
            )
        )
    conn.execute(
        sql.SQL(
            "INSERT INTO {0}.{1} (projection, position, updated_at) "
            "SELECT projection, position, now() FROM {2}.{1} WHERE projection = %s "
            "ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position, "
            "updated_at = EXCLUDED.updated_at"
        ).format(sql.Identifier(live), sql.Identifier(TRACKING_TABLE), sql.Identifier(scratch)),
        (projection.name,),
    )
    # What the rebuild parked replaces what the live projection had parked.
    conn.execute(
        sql.SQL("DELETE FROM {}.{} WHERE projection = %s").format(
            sql.Identifier(live), sql.Identifier(PARKED_TABLE)
        ),
        (projection.name,),
    )
    conn.execute(
        sql.SQL("INSERT INTO {0}.{1} SELECT * FROM {2}.{1} WHERE projection = %s").format(
            sql.Identifier(live), sql.Identifier(PARKED_TABLE), sql.Identifier(scratch)
        ),
        (projection.name,),
    )
    conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(trash)))


class _Listener:
    """Wakes the daemon when any store in the platform database records events. Its connection
    is opened lazily and again after it was lost, so a database restart only costs a poll."""

    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores
        self._conn: Connection[Any] | None = None

    def wait(self, timeout: float, wake: threading.Event) -> bool:
        """Sleep until events are recorded, the daemon is poked, or `timeout`; True if woken."""
        conn = self._connection()
        deadline = time.monotonic() + timeout
        while not wake.is_set() and time.monotonic() < deadline:
            for _ in conn.notifies(timeout=0.05, stop_after=1):
                return True
        return wake.is_set()

    def _connection(self) -> Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = self._stores.database.direct()
            self._conn.execute("LISTEN niaga_events")
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
