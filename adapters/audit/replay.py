"""Replay verification: every read model rebuilt from the log into a scratch schema and compared,
row by row, with the one maintained live.

Rows are compared whole, as `to_jsonb(row)`, with SQL `EXCEPT ALL` both ways, so every column
type compares (json included) and duplicates count. No read-model column is left out: the tables
carry no clock of their own (every time in them comes from an event). Only the tracking row is
not compared as a row: its `updated_at` is the wall-clock time a runner last moved. Both sides
are brought to the same tracking position first, in one snapshot, and compared there.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from psycopg import Connection, sql

from adapters.shared.projection_service import ProjectionService
from adapters.shared.stores import PostgresEventStore, PostgresStores
from projections.shared.base import Projection
from projections.shared.runner import TRACKING_TABLE

MAX_ROUNDS = 5  # catch-up rounds to bring live and scratch to one position under traffic
Progress = Callable[[str, int, int], None]  # (projection, position reached, head)


@dataclass(frozen=True)
class RowDifference:
    table: str
    key: dict[str, Any]
    live: dict[str, Any] | None  # None: the rebuild has a row the live table lacks
    rebuilt: dict[str, Any] | None  # None: the live table has a row the rebuild lacks

    @property
    def columns(self) -> list[str]:
        """The columns whose values differ (all of them for a row on one side only)."""
        live, rebuilt = self.live or {}, self.rebuilt or {}
        names = [*live, *(k for k in rebuilt if k not in live)]
        return [n for n in names if live.get(n) != rebuilt.get(n)]

    def describe(self) -> str:
        key = ", ".join(f"{k}={v}" for k, v in self.key.items())
        if self.live is None:
            return f"{self.table} [{key}]: missing from the live table (rebuild has it)"
        if self.rebuilt is None:
            return f"{self.table} [{key}]: in the live table only (rebuild lacks it)"
        values = "; ".join(
            f"{c}: live {self.live.get(c)!r}, rebuilt {self.rebuilt.get(c)!r}" for c in self.columns
        )
        return f"{self.table} [{key}]: {values}"


@dataclass
class ProjectionReport:
    store: str
    projection: str
    position: int = 0
    differences: list[RowDifference] = field(default_factory=list)
    more: int = 0  # differences found beyond those listed
    unaligned: str | None = None  # why live and rebuild could not be compared

    @property
    def equal(self) -> bool:
        return not self.differences and not self.more and self.unaligned is None


class ReplayVerifier:
    def __init__(self, stores: PostgresStores, projections: ProjectionService) -> None:
        self._stores = stores
        self._service = projections

    def verify(
        self,
        store: PostgresEventStore,
        tenant_id: UUID | None = None,
        progress: Progress | None = None,
        limit: int = 50,
    ) -> list[ProjectionReport]:
        """Rebuild every projection of `store` into one scratch schema (dropped afterwards) and
        compare; with `tenant_id`, only rows of that tenant where a table has the column."""
        with self._scratch(store) as scratch:
            return [
                self._verify_one(store, scratch, projection, tenant_id, progress, limit)
                for projection in self._service.projections
            ]

    def _verify_one(
        self,
        store: PostgresEventStore,
        scratch: str,
        projection: Projection,
        tenant_id: UUID | None,
        progress: Progress | None,
        limit: int,
    ) -> ProjectionReport:
        report = ProjectionReport(store.ref.name, projection.name)
        advance = (lambda p, h: progress(projection.name, p, h)) if progress else None
        self._service.rebuild_into(store, scratch, projection, advance)
        database = self._stores.database_for(store)
        for _ in range(MAX_ROUNDS):
            self._service.runner(store).catch_up(projection)
            self._service.runner(store, scratch).catch_up(projection)
            with database.connection() as conn, conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                live_at = _position(conn, store.ref.schema, projection.name)
                rebuilt_at = _position(conn, scratch, projection.name)
                if live_at != rebuilt_at:
                    continue  # events arrived in between: catch both up again
                report.position = live_at
                for table in projection.tables:
                    _compare(conn, store.ref.schema, scratch, table, tenant_id, limit, report)
                return report
        report.unaligned = f"live and rebuild kept moving apart over {MAX_ROUNDS} rounds"
        return report

    @contextmanager
    def _scratch(self, store: PostgresEventStore) -> Iterator[str]:
        scratch = f"verify_{uuid.uuid4().hex[:12]}"
        try:
            yield scratch
        finally:
            with self._stores.database_for(store).connection() as conn:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(scratch))
                )


def _compare(
    conn: Connection[Any],
    live: str,
    scratch: str,
    table: str,
    tenant_id: UUID | None,
    limit: int,
    report: ProjectionReport,
) -> None:
    key = _primary_key(conn, live, table)
    scoped = tenant_id is not None and "tenant_id" in _columns(conn, live, table)
    only_live, more_live = _except(conn, live, scratch, table, tenant_id if scoped else None, limit)
    only_rebuilt, more_rebuilt = _except(
        conn, scratch, live, table, tenant_id if scoped else None, limit
    )
    report.more += more_live + more_rebuilt
    report.differences += _pair(table, key, only_live, only_rebuilt)


def _pair(
    table: str,
    key: Sequence[str],
    only_live: list[dict[str, Any]],
    only_rebuilt: list[dict[str, Any]],
) -> list[RowDifference]:
    """A row on both sides under one key differs in some columns; others are on one side only."""

    def key_of(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row.get(k) for k in key) if key else tuple(sorted(row.items(), key=str))

    rebuilt_by_key = {key_of(r): r for r in only_rebuilt}
    differences: list[RowDifference] = []
    for row in only_live:
        row_key = key_of(row)
        twin = rebuilt_by_key.pop(row_key, None)
        differences.append(RowDifference(table, _key_dict(key, row), row, twin))
    differences += [
        RowDifference(table, _key_dict(key, r), None, r) for r in rebuilt_by_key.values()
    ]
    return differences


def _key_dict(key: Sequence[str], row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in key} if key else dict(row)


def _except(
    conn: Connection[Any],
    left: str,
    right: str,
    table: str,
    tenant_id: UUID | None,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    """Rows of left.table missing from right.table (at most `limit`), and how many more."""
    where = sql.SQL(" WHERE tenant_id = %s") if tenant_id is not None else sql.SQL("")
    side = sql.SQL("SELECT to_jsonb(t) AS row FROM {}.{} t{}")
    query = sql.SQL("SELECT row, count(*) OVER () FROM ({} EXCEPT ALL {}) d LIMIT %s").format(
        side.format(sql.Identifier(left), sql.Identifier(table), where),
        side.format(sql.Identifier(right), sql.Identifier(table), where),
    )
    params: list[Any] = [tenant_id, tenant_id] if tenant_id is not None else []
    rows = conn.execute(query, [*params, limit]).fetchall()
    total = int(rows[0][1]) if rows else 0
    return [r[0] for r in rows], total - len(rows)


def _primary_key(conn: Connection[Any], schema: str, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT a.attname FROM pg_index i "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = format('%%I.%%I', %s::text, %s::text)::regclass AND i.indisprimary "
        "ORDER BY a.attnum",
        (schema, table),
    ).fetchall()
    return [str(r[0]) for r in rows]


def _columns(conn: Connection[Any], schema: str, table: str) -> set[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s",
        (schema, table),
    ).fetchall()
    return {str(r[0]) for r in rows}


def _position(conn: Connection[Any], schema: str, projection: str) -> int:
    row = conn.execute(
        sql.SQL("SELECT position FROM {}.{} WHERE projection = %s").format(
            sql.Identifier(schema), sql.Identifier(TRACKING_TABLE)
        ),
        (projection,),
    ).fetchone()
    return int(row[0]) if row else 0
