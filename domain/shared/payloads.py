"""Typed event payloads: the frozen value objects an event carries, and their stored JSON form.

A payload is stored as the JSON object of its fields, ids, dates and enums as strings (the form
events stored before their payloads were typed already have). The store wraps that object with
the payload's registered name; events stored earlier hold the bare object, and their event class
turns it into the value type in an upcaster (`typed_fields`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter


@cache
def _adapter(value_type: Any) -> TypeAdapter[Any]:
    # Building an adapter costs far more than using one: decoding a page of events reuses it.
    return TypeAdapter(value_type)


def to_plain(value: object) -> Any:
    """A payload value as JSON-ready data (dicts, lists, strings, numbers, None)."""
    value_type: Any = type(value)
    return _adapter(value_type).dump_python(value, mode="json")


def from_plain(value_type: Any, data: Any) -> Any:
    """The value of `value_type` (a payload type, or e.g. `list[Line]`, `Terms | None`) that
    `data`, as written by `to_plain`, holds."""
    return _adapter(value_type).validate_python(data)


def typed_fields(state: dict[str, Any], **value_types: Any) -> None:
    """For an upcaster: the fields of a stored event's state that an older version of the event
    kept as plain JSON become the value types they are now."""
    for field, value_type in value_types.items():
        state[field] = from_plain(value_type, state[field])
