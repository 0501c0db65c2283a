"""What a projection is: a name, the events it reads, the tables it owns, and a page handler."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Protocol
from uuid import UUID

from psycopg import Cursor, sql

from domain.shared.payloads import to_plain
from domain.shared.recorded import RecordedEvent


class Projection(Protocol):
    name: str
    # Event classes this projection reads; empty means every event.
    event_types: tuple[type, ...]
    # Tables of its read model, in the order a rebuild swaps them.
    tables: tuple[str, ...]

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        """Apply one page of events inside the caller's transaction."""


def table(schema: str, name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name))


_PLAIN = frozenset({str, int, float, bool})
# The other values events carry most, by exact type: no chain of isinstance checks for them.
_CONVERT: dict[type, Callable[[Any], Any]] = {
    UUID: str,
    datetime: datetime.isoformat,
    date: date.isoformat,
}


def jsonable(value: Any) -> Any:
    """Event values as JSON: ids and times as strings, enums as their value, value objects as
    the object of their fields (the form they are stored in)."""
    if value is None or type(value) in _PLAIN:
        return value  # most values of most events: nothing to convert
    convert = _CONVERT.get(type(value))
    if convert is not None:
        return convert(value)
    if is_dataclass(value) and not isinstance(value, type):
        return to_plain(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return value
