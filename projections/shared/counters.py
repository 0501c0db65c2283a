"""Counters of a read model's rows per tenant and filter value, written by the projection that
writes the rows, in the same transaction: a list's total is then one primary-key read instead
of a count over every matching row.

A projection works out how a page moved each counter (a row created: +1 under its key; a row
whose key changed: -1 under the old, +1 under the new) and adds the sums in one statement. A
counter that comes back to zero is deleted, so a table kept live holds exactly the rows a
rebuild from zero writes, however the log was cut into pages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from psycopg import Cursor, sql

from projections.shared.base import table

COUNT_COLUMN = "counted"
# What a counter is kept under: its key columns' values (a tenant, and a status for instance).
Key = tuple[Any, ...]


def moved(before: dict[Any, Key], after: dict[Any, Key]) -> Counter[Key]:
    """How the counters move when the rows keyed in `before` (those already counted) end the
    page keyed as in `after` (every row the page wrote)."""
    deltas: Counter[Key] = Counter()
    for row_id, key in after.items():
        if row_id in before:
            deltas[before[row_id]] -= 1
        deltas[key] += 1
    return deltas


def add(
    cur: Cursor[Any],
    schema: str,
    name: str,
    keys: Sequence[tuple[str, str]],
    deltas: Counter[Key],
) -> None:
    """Add `deltas` to the counters of table `name`, whose primary key is the `keys` columns
    (each a name and its SQL type); then delete those that reached zero."""
    changed = sorted((key, delta) for key, delta in deltas.items() if delta)
    if not changed:
        return
    columns = [sql.Identifier(column) for column, _ in keys]
    counts = sql.Identifier(COUNT_COLUMN)
    arrays = sql.SQL(", ").join(sql.SQL("%s::{}[]").format(sql.SQL(kind)) for _, kind in keys)
    values = [[key[i] for key, _ in changed] for i in range(len(keys))]
    # Sorted keys: two writers of the same counters lock them in the same order.
    cur.execute(
        sql.SQL(
            "INSERT INTO {table} ({columns}, {counts}) "
            "SELECT * FROM unnest({arrays}, %s::bigint[]) ON CONFLICT ({columns}) "
            "DO UPDATE SET {counts} = {name}.{counts} + EXCLUDED.{counts}"
        ).format(
            table=table(schema, name),
            columns=sql.SQL(", ").join(columns),
            counts=counts,
            arrays=arrays,
            name=sql.Identifier(name),
        ),
        [*values, [delta for _, delta in changed]],
    )
    if any(delta < 0 for _, delta in changed):
        cur.execute(
            sql.SQL(
                "DELETE FROM {table} WHERE ({columns}) IN (SELECT * FROM unnest({arrays})) "
                "AND {counts} = 0"
            ).format(
                table=table(schema, name),
                columns=sql.SQL(", ").join(columns),
                counts=counts,
                arrays=arrays,
            ),
            values,
        )
