"""Heartbeats of the long-running parts: in memory for this process's /readyz, and one row per
part and host in the platform schema for `niaga health` and the other processes' /readyz.

A beat is cheap and may be called every cycle; the row is written at most every `write_every`
seconds, so an idle server stays nearly idle. A beat whose row could not be written does not
count: a part cut off from the database goes stale, whatever its loop does.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from adapters.shared.database import Database

log = logging.getLogger(__name__)
PARTS = ("api", "worker", "projections", "scheduler")
WRITE_EVERY = 10.0
# How long a write (and so the readiness write probe) may take before the database counts as
# unreachable for writes.
PROBE_TIMEOUT = 3.0
# A heartbeat older than this says the part is not working. The scheduler beats between tenants,
# and one tenant's billing run may take minutes.
FRESH_FOR = {"api": 30.0, "worker": 60.0, "projections": 60.0, "scheduler": 600.0}
Monotonic = Callable[[], float]


class Heartbeats:
    """Records and reads the heartbeats of the parts (see the module's docstring)."""

    def __init__(
        self,
        database: Database,
        platform_schema: str,
        *,
        write_every: float = WRITE_EVERY,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self._database = database
        self._table = sql.Identifier(platform_schema, "process_heartbeats")
        self._write_every = write_every
        self._monotonic = monotonic
        self._beats: dict[str, float] = {}
        self._written: dict[str, float] = {}
        self._lock = threading.Lock()
        self.host = socket.gethostname()

    def expect(self, part: str) -> None:
        """This process runs `part`: /readyz requires its beats from now on (its start counts
        as the first beat, so it has `FRESH_FOR` seconds to get going)."""
        with self._lock:
            self._beats.setdefault(part, self._monotonic())

    def local_parts(self) -> list[str]:
        with self._lock:
            return list(self._beats)

    def beat(self, part: str) -> bool:
        """`part` finished a cycle of work; returns False if its row was due and could not be
        written (the beat then does not count)."""
        now = self._monotonic()
        with self._lock:
            due = now - self._written.get(part, float("-inf")) >= self._write_every
        if due:
            try:
                self.write(part)
            except Exception as error:
                log.warning("heartbeat of %s not recorded: %s", part, error)
                return False
        with self._lock:
            self._beats[part] = now
            if due:
                self._written[part] = now
        return True

    def write(self, part: str) -> None:
        """Upsert `part`'s row in a read-write transaction bounded by `PROBE_TIMEOUT`: the
        readiness probe that the database takes writes. A connection the pool kept from before a
        database restart fails once; the second attempt gets a fresh one."""
        for attempt in (1, 2):
            try:
                self._upsert(part)
                return
            except psycopg.OperationalError:
                if attempt == 2:
                    raise

    def age(self, part: str) -> float | None:
        """Seconds since this process's last beat of `part` (None: not run here)."""
        with self._lock:
            beat = self._beats.get(part)
        return None if beat is None else self._monotonic() - beat

    def ages_in_database(self, host: str | None = None) -> dict[str, float]:
        """Seconds since each part's freshest recorded beat, on any host or on `host`."""
        where = sql.SQL("WHERE host = %s") if host else sql.SQL("")
        query = sql.SQL(
            "SELECT part, min(extract(epoch FROM now() - beat_at))::float8 FROM {} {} GROUP BY part"
        ).format(self._table, where)
        with self._database.connection() as conn:
            rows: list[Any] = conn.execute(query, (host,) if host else ()).fetchall()
        return {str(part): float(age) for part, age in rows}

    def _upsert(self, part: str) -> None:
        timeout = f"SET LOCAL statement_timeout = '{int(PROBE_TIMEOUT * 1000)}ms'"
        with self._database.pool.connection(timeout=PROBE_TIMEOUT) as conn, conn.transaction():
            conn.execute(timeout)
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (part, host, pid, beat_at) VALUES (%s, %s, %s, now()) "
                    "ON CONFLICT (part, host) DO UPDATE SET pid = EXCLUDED.pid, beat_at = now()"
                ).format(self._table),
                (part, self.host, os.getpid()),
            )


def fresh(part: str, age: float | None) -> bool:
    return age is not None and age <= FRESH_FOR.get(part, 60.0)
