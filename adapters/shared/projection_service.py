"""Keeps every store's read models caught up, rebuilds them, and lets commands wait for them."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psycopg import Connection, sql

from adapters.shared.event_log import PostgresEventLog
from adapters.shared.stores import PostgresEventStore, PostgresStores, StoreRef
from application.shared.event_store import EventStore
from migrations import runner as migrations
from projections.shared.base import Projection
from projections.shared.catalog import all_projections
from projections.shared.runner import TRACKING_TABLE, ProjectionRunner, ProjectionStatus, lock_key

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


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
        self._wake = threading.Event()

    def runner(self, store: PostgresEventStore, schema: str | None = None) -> ProjectionRunner:
        database = self._stores.database_for(store)
        return ProjectionRunner(
            PostgresEventLog(store, store.ref.schema),
            database.connection,
            schema or store.ref.schema,
            self._page_size,
        )

    def catch_up(self, store: PostgresEventStore, progress: Progress | None = None) -> int:
        runner = self.runner(store)
        return sum(runner.catch_up(p, progress) for p in self.projections)

    def catch_up_all(self) -> int:
        return sum(self.catch_up(store) for store in self._stores.open_stores())

    def status(self) -> list[StoreStatus]:
        return [
            StoreStatus(store.ref.name, self.runner(store).status(p))
            for store in self._stores.open_stores()
            for p in self.projections
        ]

    def wait(self, store: EventStore, position: int, timeout: float | None = None) -> bool:
        """Block until every projection of `store` has processed `position` (False on time-out).

        Inline, the caller catches up itself, and tries again while another runner holds a
        projection's lock: that runner may have read the log before this command's events.
        """
        pg_store = self._stores.open(store.ref)  # type: ignore[attr-defined]
        deadline = time.monotonic() + (self.wait_timeout if timeout is None else timeout)
        runner = self.runner(pg_store)
        while True:
            if self.inline:
                self.catch_up(pg_store)
            else:
                self._wake.set()
            if self._reached(runner, position):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)

    def _reached(self, runner: ProjectionRunner, position: int) -> bool:
        positions = runner.positions()
        return all(positions.get(p.name, 0) >= position for p in self.projections)

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
        """Rebuild from zero beside the live tables, then swap them in one transaction."""
        scratch = f"rebuild_{uuid.uuid4().hex[:12]}"
        database = self._stores.database_for(store)
        try:
            count = self.rebuild_into(store, scratch, projection, progress)
            with database.connection() as conn, conn.transaction():
                conn.execute(
                    "SELECT pg_advisory_xact_lock(%s)",
                    (_lock_key(store.ref, projection),),
                )
                # Anything recorded since the scratch build finished is applied before the swap.
                runner = self.runner(store, scratch)
                runner.catch_up(projection)
                _swap(conn, store.ref.schema, scratch, projection)
            return count
        finally:
            with database.connection() as conn:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(scratch))
                )

    def run_forever(
        self,
        stop: threading.Event,
        interval: float = 0.5,
        after_catch_up: Callable[[], object] | None = None,
    ) -> None:
        """The projection daemon: catch up every store (then run `after_catch_up`, e.g. the
        provisioning dispatcher), then sleep until poked or notified."""
        listener = _Listener(self._stores)
        while not stop.is_set():
            try:
                self.catch_up_all()
                if after_catch_up:
                    after_catch_up()
            except Exception:
                log.exception("projection catch-up failed; retrying")
                stop.wait(1.0)
            listener.wait(interval, self._wake)
            self._wake.clear()
        listener.close()


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
    conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(trash)))


class _Listener:
    """Wakes the daemon when any store in the platform database records events."""

    def __init__(self, stores: PostgresStores) -> None:
        self._conn = stores.database.direct()
        self._conn.execute("LISTEN niaga_events")

    def wait(self, timeout: float, wake: threading.Event) -> None:
        deadline = time.monotonic() + timeout
        while not wake.is_set() and time.monotonic() < deadline:
            for _ in self._conn.notifies(timeout=0.05, stop_after=1):
                return

    def close(self) -> None:
        self._conn.close()
