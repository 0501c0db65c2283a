"""Counts of what a list's filters match, run only when a client asks for them.

A page reads one index range; counting every row a tenant's filters match reads them all (at a
million invoices, 140-170 ms against under 1 ms for the page). So a read model hands its page a
count to run later, on a connection of its own, and it runs only when `totalCount` (or REST's
`total_count`) is asked for. Lists whose projections keep counters read one counter row when
the filters are ones a counter covers, and count the rows otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from psycopg import sql

Connect = Callable[[], AbstractContextManager[Any]]


def scalar_later(
    connect: Connect, query: sql.Composable, params: Sequence[Any]
) -> Callable[[], int]:
    """The integer `query` answers, read when called: 0 when it answers no row or NULL (a
    counter row not written yet)."""
    arguments = list(params)

    def count() -> int:
        with connect() as conn:
            row = conn.execute(query, arguments).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    return count


def rows_matching(
    connect: Connect, source: sql.Composable, where: sql.Composable, params: Sequence[Any]
) -> Callable[[], int]:
    """The number of rows of `source` (a table, with an alias if `where` uses one) that `where`
    keeps, counted when called."""
    query = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(source, where)
    return scalar_later(connect, query, params)
