"""Reading what clients send, the one way every resolver does it.

Malformed input raises the domain's `InvalidValue` naming the field, and a missing row raises
`NotFound`; `support.query` and `support.run_command` are the only places that turn those into a
GraphQL error or the `Error` member of a result union.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar
from uuid import UUID

from application.shared.errors import NotFound
from domain.shared.errors import InvalidValue

E = TypeVar("E", bound=Enum)
T = TypeVar("T")


def parse_id(raw: object, field: str) -> UUID:
    """An id from a client; a malformed one is refused naming the field."""
    try:
        return UUID(str(raw))
    except ValueError:
        raise InvalidValue(f"{field} is not a valid id", field=field) from None


def parse_enum(kind: type[E], raw: str, field: str) -> E:
    """One of an enum's values, or a refusal that lists the allowed ones."""
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(str(k.value) for k in kind)
        raise InvalidValue(f"{field} must be one of {allowed}", field=field) from None


def found(value: T | None, what: str, field: str | None = "id") -> T:
    """The row a by-id read found, or `NotFound` naming what was missing."""
    if value is None:
        raise NotFound(f"{what} not found", field=field)
    return value
