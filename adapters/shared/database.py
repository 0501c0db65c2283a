"""One connection pool per PostgreSQL database, shared by every store (schema) in it.

Stores in their own schemas share their database's pool, so fifty tenants in fifty schemas cost
no more connections than one: the pool's maximum bounds them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg import Connection
from psycopg.conninfo import conninfo_to_dict

# Pooled work is short: a command, a page of projected events, a batch of a billing run. Admin
# work that may take longer (rebuilds, backups, LISTEN) uses `direct()` connections.
STATEMENT_TIMEOUT_SECONDS = 120
LOCK_TIMEOUT_SECONDS = 30


class Database:
    def __init__(self, url: str, pool_min: int, pool_max: int) -> None:
        self.url = url
        params = conninfo_to_dict(url)
        self._dbname = str(params.get("dbname") or "postgres")
        self._host = str(params.get("host") or "127.0.0.1")
        self._port = str(params.get("port") or "5432")
        self._user = str(params.get("user") or "postgres")
        self._password = str(params.get("password") or "")
        self._root = self.datastore("public", pool_min=pool_min, pool_max=pool_max)
        self.pool = self._root.pool
        self.pool.open(wait=True, timeout=30)

    def datastore(self, schema: str, *, pool_min: int = 0, pool_max: int = 1) -> PostgresDatastore:
        return _BoundedDatastore(
            self._dbname,
            self._host,
            self._port,
            self._user,
            self._password,
            schema=schema,
            pool_size=pool_min,
            max_overflow=pool_max - pool_min,
            connect_timeout=10,
            idle_in_transaction_session_timeout=60,
            lock_timeout=LOCK_TIMEOUT_SECONDS,
            max_waiting=0,
        )

    def schema_datastore(self, schema: str) -> PostgresDatastore:
        """A datastore for one schema that borrows this database's pool."""
        datastore = _SharedPoolDatastore(
            self._dbname,
            self._host,
            self._port,
            self._user,
            self._password,
            schema=schema,
            pool_size=0,
            max_overflow=1,
        )
        datastore.pool = self.pool
        return datastore

    @contextmanager
    def connection(self) -> Iterator[Connection[Any]]:
        """A pooled connection in autocommit mode with tuple rows."""
        with self.pool.connection() as conn:
            conn.row_factory = psycopg.rows.tuple_row  # type: ignore[assignment]
            try:
                yield conn
            finally:
                conn.row_factory = psycopg.rows.dict_row

    def direct(self, autocommit: bool = True) -> Connection[Any]:
        """A connection outside the pool (for LISTEN and long admin work)."""
        return psycopg.connect(self.url, autocommit=autocommit)

    def close(self) -> None:
        self._root.pool.close()


class _BoundedDatastore(PostgresDatastore):
    """Every pooled connection has a statement timeout, so no statement (and no transaction
    holding a store's table lock) runs unboundedly; a writer waits for the lock at most
    `LOCK_TIMEOUT_SECONDS` before its save fails and is retried by the caller."""

    def after_connect_func(self) -> Callable[[Connection[Any]], None]:
        configure = super().after_connect_func()

        def after_connect(conn: Connection[Any]) -> None:
            configure(conn)
            conn.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT_SECONDS}s'")

        return after_connect


class _SharedPoolDatastore(PostgresDatastore):
    def close(self) -> None:
        """The pool belongs to the Database; closing one store must not close it."""
