"""Opaque cursors for keyset pagination, and the checks on what clients send as filters."""

from __future__ import annotations

import base64
import json
import re
from datetime import date, datetime
from uuid import UUID

from psycopg import sql

from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore

_MONTH = re.compile(r"(\d{4})-(\d{2})")
# Cursors carry a timestamp and an id, or a position: a few dozen bytes.
MAX_CURSOR_BYTES = 512
# A JSON list of strings, with no brackets or braces inside: nothing to nest.
_FLAT_LIST = re.compile(rb"\[[^\[\]{}]*\]")


def table(store: EventStore, name: str) -> sql.Composed:
    """A read-model table in the store's schema."""
    schema: str = store.ref.schema  # type: ignore[attr-defined]
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name))


def encode_cursor(at: datetime, item_id: UUID) -> str:
    """A cursor after the item sorted by (time, id)."""
    parts = [at.isoformat(), str(item_id)]
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    """The (time, id) a cursor made by `encode_cursor` points after; ApplicationError if it is
    not one."""
    parts = cursor_parts(cursor)
    try:
        if len(parts) != 2:
            raise ValueError(cursor)
        at, item_id = datetime.fromisoformat(parts[0]), UUID(parts[1])
    except ValueError as error:
        raise _malformed() from error
    if at.tzinfo is None:
        raise _malformed()
    return at, item_id


def cursor_parts(cursor: str) -> list[str]:
    """The strings a cursor carries: base64url of a flat JSON list of strings, and nothing else.

    A client may send any text as a cursor. It is bounded and must be one flat list before it
    is parsed, so a nested or oversized payload is refused without the parser recursing.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii"))
    except ValueError as error:  # not ASCII, or not base64
        raise _malformed() from error
    if len(raw) > MAX_CURSOR_BYTES or not _FLAT_LIST.fullmatch(raw):
        raise _malformed()
    try:
        parts = json.loads(raw)
    except ValueError as error:  # not UTF-8, or not JSON
        raise _malformed() from error
    if not isinstance(parts, list) or not parts or not all(isinstance(p, str) for p in parts):
        raise _malformed()
    return parts


def _malformed() -> ApplicationError:
    return ApplicationError("malformed cursor", field="after")


def month_span(month: str, field: str) -> tuple[date, date]:
    """The first day of a `YYYY-MM` month and of the month after it."""
    match = _MONTH.fullmatch(month)
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        raise ApplicationError(f"{field} must be a month as YYYY-MM, got {month!r}", field=field)
    year, number = int(match[1]), int(match[2])
    start = date(year, number, 1)
    if year == 9999 and number == 12:
        raise ApplicationError(f"{field} is out of range", field=field)
    return start, date(year + number // 12, number % 12 + 1, 1)


def one_of(value: str, allowed: frozenset[str], field: str) -> str:
    if value not in allowed:
        known = ", ".join(sorted(allowed))
        raise ApplicationError(f"{field} must be one of {known}, got {value!r}", field=field)
    return value


def like_pattern(text: str) -> str:
    """`%text%` for LIKE, with the pattern characters in `text` taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
