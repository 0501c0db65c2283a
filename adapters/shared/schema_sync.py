"""Schema sync: bring every store on every server up to the migrations this release ships.

The platform store goes first and alone: the tenant directory that names the other stores lives
there. The others follow in parallel, `parallel` at a time and never more at once in one
database than its connection pool holds, so a migration waits for a slot instead of timing out
waiting for a connection. Each store migrates in one transaction (migrations/runner.py): a
store whose migration fails is left exactly as it was and reported, and the others carry on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg
from psycopg import Connection, sql
from psycopg.conninfo import conninfo_to_dict

from adapters.shared.database import Database
from adapters.shared.preflight import database_problem
from adapters.shared.stores import PLATFORM_SETS, STORE_SETS, PostgresStores, StoreRef
from domain.shared.errors import InvalidValue
from migrations import runner as migrations

Advance = Callable[[int, int], None]  # (stores done, stores in all)


class Outcome(StrEnum):
    APPLIED = "applied"
    CURRENT = "already current"
    FAILED = "failed"


@dataclass(frozen=True)
class StoreResult:
    """What schema sync did to one store. `versions` are those applied, or, for a store that
    failed, those still pending there."""

    store: str
    server: str
    outcome: Outcome
    versions: tuple[str, ...] = ()
    error: str = ""

    @property
    def detail(self) -> str:
        versions = ", ".join(self.versions)
        if self.outcome is not Outcome.FAILED:
            return versions
        return f"{self.error} (pending: {versions})" if versions else self.error


@dataclass(frozen=True)
class SyncReport:
    results: tuple[StoreResult, ...]

    @property
    def failed(self) -> list[StoreResult]:
        return [r for r in self.results if r.outcome is Outcome.FAILED]


def server_label(url: str) -> str:
    """host:port/database of a PostgreSQL URL, as `Database` reads it; never the password."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(not a valid PostgreSQL URL)"
    host = params.get("host") or "127.0.0.1"
    return f"{host}:{params.get('port') or 5432}/{params.get('dbname') or 'postgres'}"


def describe(error: BaseException, url: str) -> str:
    """One line on why a store failed, without the server's password."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    try:
        password = str(conninfo_to_dict(url).get("password") or "")
    except psycopg.ProgrammingError:
        return "the store's database URL is not a valid PostgreSQL URL"
    return text.replace(password, "***") if password else text


class ServerUnavailable(Exception):
    pass


class _Server:
    """One PostgreSQL database the stores live in, opened once by one thread, with the slots
    its stores migrate in. A server that cannot be opened fails its other stores at once with
    the same reason."""

    def __init__(self, url: str, parallel: int, database: Database | None = None) -> None:
        self.url = url
        self.label = server_label(url)
        self._parallel = parallel
        self._opened = self._with_slots(database) if database else None
        self._problem: str | None = None
        self._lock = threading.Lock()

    def open(self, connect: Callable[[], Database]) -> tuple[Database, threading.Semaphore]:
        with self._lock:
            if self._opened is None and self._problem is None:
                self._connect(connect)
            if self._opened is None:
                raise ServerUnavailable(self._problem)
            return self._opened

    def _connect(self, connect: Callable[[], Database]) -> None:
        # Asked first: a server that is down is named in seconds, not after a pool's time-out.
        self._problem = database_problem(self.url)
        if self._problem is None:
            try:
                self._opened = self._with_slots(connect())
            except Exception as error:
                self._problem = describe(error, self.url)

    def _with_slots(self, database: Database) -> tuple[Database, threading.Semaphore]:
        """Migrations at once in this database: never more than its pool's connections."""
        return database, threading.Semaphore(min(self._parallel, database.pool.max_size))


class SchemaSync:
    """Applies the pending migrations to every store (`niaga migrate`)."""

    def __init__(self, stores: PostgresStores, parallel: int) -> None:
        self._stores = stores
        self._parallel = max(1, parallel)
        self._platform_server = _Server(stores.database.url, self._parallel, stores.database)
        self._servers: dict[str, _Server] = {}  # the others, by URL
        self._lock = threading.Lock()

    def run(self, advance: Advance = lambda done, total: None) -> SyncReport:
        platform = self._migrate(self._stores.platform_ref, PLATFORM_SETS)
        try:
            others = [r for r in self._stores.refs() if r != self._stores.platform_ref]
        except psycopg.Error:
            if platform.outcome is Outcome.FAILED:
                return SyncReport((platform,))  # its failure says why the directory is unread
            raise
        advance(1, 1 + len(others))
        results = self._migrate_in_parallel(others, lambda done: advance(1 + done, 1 + len(others)))
        return SyncReport((platform, *(results[ref] for ref in others)))

    def close(self) -> None:
        self._stores.close()
        self._stores.database.close()

    def _migrate_in_parallel(
        self, refs: list[StoreRef], done: Callable[[int], None]
    ) -> dict[StoreRef, StoreResult]:
        results: dict[StoreRef, StoreResult] = {}
        with ThreadPoolExecutor(self._parallel, thread_name_prefix="migrate") as pool:
            futures = {pool.submit(self._migrate, ref, STORE_SETS): ref for ref in refs}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                done(len(results))
        return results

    def _migrate(self, ref: StoreRef, sets: tuple[str, ...]) -> StoreResult:
        try:
            server = self._server(ref)
        except InvalidValue as error:  # a server the settings no longer name
            return StoreResult(ref.schema, ref.server_name, Outcome.FAILED, error=error.message)
        try:
            database, slots = server.open(lambda: self._stores.database_of(ref))
        except ServerUnavailable as error:
            return StoreResult(ref.schema, server.label, Outcome.FAILED, error=str(error))
        with slots:
            try:
                with database.connection() as conn:
                    applied = migrations.apply(conn, ref.schema, sets)
            except Exception as error:
                pending = _pending_or_nothing(database, ref.schema, sets)
                reason = describe(error, server.url)
                return StoreResult(ref.schema, server.label, Outcome.FAILED, pending, reason)
        outcome = Outcome.APPLIED if applied else Outcome.CURRENT
        return StoreResult(ref.schema, server.label, outcome, tuple(applied))

    def _server(self, ref: StoreRef) -> _Server:
        """The database a store is in; stores in one database share its pool and its slots."""
        if ref.server is None:
            return self._platform_server
        url = self._stores.url_of(ref)
        with self._lock:
            server = self._servers.get(url)
            if server is None:
                server = self._servers[url] = _Server(url, self._parallel)
            return server


def _pending_or_nothing(database: Database, schema: str, sets: tuple[str, ...]) -> tuple[str, ...]:
    """The versions still pending in a store whose migration failed (and so rolled back)."""
    try:
        with database.connection() as conn:
            return _pending(conn, schema, sets)
    except psycopg.Error:
        return ()


def _pending(conn: Connection[Any], schema: str, sets: tuple[str, ...]) -> tuple[str, ...]:
    table = sql.Identifier(schema, "schema_migrations")
    exists = conn.execute("SELECT to_regclass(%s)", (table.as_string(conn),)).fetchone()
    done: set[tuple[str, str]] = set()
    if exists and exists[0] is not None:
        rows = conn.execute(sql.SQL("SELECT set_name, version FROM {}").format(table)).fetchall()
        done = {(r[0], r[1]) for r in rows}
    return tuple(
        f"{set_name}/{m.version}"
        for set_name in sets
        for m in migrations.migrations(set_name)
        if (set_name, m.version) not in done
    )
