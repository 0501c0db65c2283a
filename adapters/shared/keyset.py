"""Keyset pagination over a read model sorted by (time, id): the condition that starts a page
after a client's cursor, and the page built from the rows a query fetched.

A page query fetches one row more than asked for: that row is not returned, it only says that
another page follows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from psycopg import sql

from adapters.shared.paging import decode_cursor, encode_cursor
from application.shared.ports import Page

T = TypeVar("T")


def after_cursor(
    where: sql.Composable,
    params: Sequence[Any],
    after: str | None,
    order: sql.Composable,
    *,
    newest_first: bool = False,
) -> tuple[sql.Composable, list[Any]]:
    """`where` narrowed to the rows past `after` in `order` (a time column, then an id column),
    with its parameters; unchanged without a cursor. A malformed cursor is refused."""
    if not after:
        return where, list(params)
    at, last_id = decode_cursor(after)
    past = sql.SQL("<" if newest_first else ">")
    condition = sql.SQL("{} AND ({}) {} (%s::timestamptz, %s::uuid)").format(where, order, past)
    return condition, [*params, at, last_id]


def page_of(
    rows: Sequence[Any],
    first: int,
    count: Callable[[], int],
    view: Callable[[Any], T],
    position: Callable[[T], tuple[datetime, UUID]],
) -> Page[T]:
    """The page of the `first + 1` rows a query fetched: the first `first` as views, each with
    the cursor of its (time, id) `position`, and the `count` over all pages, run if asked."""
    items = [view(row) for row in rows[:first]]
    cursors = [encode_cursor(*position(item)) for item in items]
    return Page(items, cursors, len(rows) > first, count)
