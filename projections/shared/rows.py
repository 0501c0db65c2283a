"""Moving a page's rows in and out of a read-model table in one statement each.

A projection loads the rows a page touches with one `= ANY` query, reduces the page's events
over them in memory, then writes them back: rows of aggregates created within the page with
`COPY` (exactly-once processing means they cannot be there yet), the others with one upsert
over an array per column. No round trip per event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql
from psycopg.types.json import Jsonb

from domain.shared.recorded import RecordedEvent
from projections.shared.base import jsonable, table

Row = dict[str, Any]
# Reduces one recorded event over a page's rows, keyed by aggregate id.
Reducer = Callable[[dict[Any, Row], RecordedEvent], None]


def reduce_page(
    cur: Cursor[Any],
    schema: str,
    name: str,
    columns: Sequence[str],
    events: Sequence[RecordedEvent],
    created: type,
    apply: Reducer,
    jsonb: frozenset[str] = frozenset(),
    *,
    key: str = "id",
    unique: str | None = None,
) -> None:
    """A page of events over a table with one row per aggregate: load the rows of aggregates
    created before the page (their `key` column holds the aggregate id), let `apply` reduce
    each event over them in log order, then save them back, upserting on `unique` (`key`
    unless the table's unique column is another)."""
    new, earlier = split(events, created)
    rows = load(cur, schema, name, columns, key, earlier)
    for recorded in events:
        apply(rows, recorded)
    save(cur, schema, name, columns, unique or key, rows, new, jsonb)


def split(events: Sequence[RecordedEvent], created: type) -> tuple[set[UUID], set[UUID]]:
    """The aggregates a page touches: those created within it, and those created before it
    (whose rows are already in the table)."""
    new = {e.aggregate_id for e in events if isinstance(e.event, created)}
    return new, {e.aggregate_id for e in events} - new


def load(
    cur: Cursor[Any],
    schema: str,
    name: str,
    columns: Sequence[str],
    key: str,
    ids: Iterable[Any],
) -> dict[Any, Row]:
    """The rows whose `key` is one of `ids`, as dicts keyed by that column."""
    wanted = list(ids)
    if not wanted:
        return {}
    cur.execute(
        sql.SQL("SELECT {} FROM {} WHERE {} = ANY(%s)").format(
            _names(columns), table(schema, name), sql.Identifier(key)
        ),
        (wanted,),
    )
    rows = [dict(zip(columns, _values(r), strict=True)) for r in cur.fetchall()]
    return {row[key]: row for row in rows}


def save(
    cur: Cursor[Any],
    schema: str,
    name: str,
    columns: Sequence[str],
    key: str,
    rows: dict[Any, Row],
    created: set[Any],
    jsonb: frozenset[str] = frozenset(),
) -> None:
    """Write back a page's rows (keyed like `load` keys them): COPY those `created` in the
    page, upsert the others."""
    new = [row for k, row in rows.items() if k in created]
    if new:
        copy_in(cur, schema, name, columns, new, jsonb)
    upsert(cur, schema, name, columns, key, [r for k, r in rows.items() if k not in created], jsonb)


def upsert(
    cur: Cursor[Any],
    schema: str,
    name: str,
    columns: Sequence[str],
    key: str,
    rows: Iterable[Row],
    jsonb: frozenset[str] = frozenset(),
) -> None:
    """Insert the rows, or replace every column of those whose `key` is already there.

    One statement over one binary array per column: half the time of a row of parameters per
    row (a billing run upserts a row per subscription it bills)."""
    wanted = list(rows)
    if not wanted:
        return
    if len({row[key] for row in wanted}) < len(wanted):
        # One statement cannot change a row twice; one per row applies them in order.
        _upsert_each(cur, schema, name, columns, key, wanted, jsonb)
        return
    _insert_arrays(
        cur,
        schema,
        name,
        columns,
        wanted,
        jsonb,
        sql.SQL("ON CONFLICT ({}) DO UPDATE SET {}").format(
            sql.Identifier(key), _updates(columns, key)
        ),
    )


def insert_absent(
    cur: Cursor[Any],
    schema: str,
    name: str,
    columns: Sequence[str],
    key: str,
    rows: Iterable[Row],
    jsonb: frozenset[str] = frozenset(),
) -> None:
    """Insert the rows whose `key` is not in the table yet; leave those that are as they are
    (the first write of a row wins, as `ON CONFLICT DO NOTHING` row by row would have it).
    The rows' keys must differ."""
    wanted = list(rows)
    if wanted:
        _insert_arrays(
            cur,
            schema,
            name,
            columns,
            wanted,
            jsonb,
            sql.SQL("ON CONFLICT ({}) DO NOTHING").format(sql.Identifier(key)),
        )


def _insert_arrays(
    cur: Cursor[Any],
    schema: str,
    name: str,
    columns: Sequence[str],
    rows: list[Row],
    jsonb: frozenset[str],
    on_conflict: sql.Composable,
) -> None:
    """One INSERT of many rows, sent as one binary array per column."""
    arrays = sql.SQL(", ").join(
        sql.SQL("%b::{}[]").format(sql.SQL(t)) for t in _types(cur, schema, name, columns)
    )
    cur.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT * FROM unnest({}) {}").format(
            table(schema, name), _names(columns), arrays, on_conflict
        ),
        [[_param(row[c], c in jsonb) for row in rows] for c in columns],
    )


def _upsert_each(
    cur: Cursor[Any],
    schema: str,
    name: str,
    columns: Sequence[str],
    key: str,
    rows: list[Row],
    jsonb: frozenset[str],
) -> None:
    cur.executemany(
        sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}").format(
            table(schema, name),
            _names(columns),
            sql.SQL(", ").join(sql.Placeholder() * len(columns)),
            sql.Identifier(key),
            _updates(columns, key),
        ),
        [tuple(_param(row[c], c in jsonb) for c in columns) for row in rows],
    )


def _updates(columns: Sequence[str], key: str) -> sql.Composable:
    return sql.SQL(", ").join(
        sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in columns if c != key
    )


def _param(value: Any, jsonb: bool) -> Any:
    return Jsonb(value, _dumps) if jsonb and value is not None else value


# The SQL types of a table's columns, for casting the arrays an upsert sends: a column whose
# values are all NULL carries no type of its own. Tables are created by migrations, which run
# before the application starts, so a process may keep them.
_TYPES: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}


def _types(cur: Cursor[Any], schema: str, name: str, columns: Sequence[str]) -> list[str]:
    cache_key = (schema, name, tuple(columns))
    types = _TYPES.get(cache_key)
    if types is None:
        cur.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped",
            (schema, name),
        )
        found = {str(_values(r)[0]): str(_values(r)[1]) for r in cur.fetchall()}
        types = [found[c] for c in columns]
        _TYPES[cache_key] = types
    return types


def copy_in(
    cur: Cursor[Any],
    schema: str,
    name: str,
    columns: Sequence[str],
    rows: Iterable[Row],
    jsonb: frozenset[str] = frozenset(),
) -> None:
    """Insert rows that are not in the table yet."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(table(schema, name), _names(columns))
    with cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [_dumps(row[c]) if c in jsonb and row[c] is not None else row[c] for c in columns]
            )


def copy_binary(
    cur: Cursor[Any],
    schema: str,
    name: str,
    columns: Sequence[str],
    values: Iterable[Sequence[Any]],
) -> None:
    """Insert rows that are not in the table yet, given as values in the order of `columns`
    (JSON columns as plain dicts and lists), in COPY's binary format: no text to escape. The
    values must be of the columns' own types (an int for an integer column, not a string)."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        table(schema, name), _names(columns)
    )
    types = _types(cur, schema, name, columns)  # not within the COPY: it is a query
    with cur.copy(statement) as copy:
        copy.set_types(types)
        for row in values:
            copy.write_row(row)


def _json_default(value: Any) -> Any:
    converted = jsonable(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} cannot be stored as JSON")
    return converted


# Event values are mostly JSON already; only ids, dates and the like need converting. One
# encoder for every value: json.dumps with an argument would build one per call.
_dumps = json.JSONEncoder(default=_json_default).encode


def _names(columns: Sequence[str]) -> sql.Composable:
    return sql.SQL(", ").join(map(sql.Identifier, columns))


def _values(row: Any) -> tuple[Any, ...]:
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)
