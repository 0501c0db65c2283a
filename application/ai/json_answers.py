"""Reading a model's JSON answer against what the feature asked for.

A pydantic type is validated by pydantic. A JSON schema given as a mapping is checked for what
features use of it (types, required and known properties, array items, enums); the provider is
asked for the same schema, so this catches an answer that ignored it, not every nuance of the
JSON Schema specification."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class InvalidAnswer(ValueError):
    """The answer is no JSON, or not of the asked shape."""


def parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise InvalidAnswer(f"not JSON: {error}") from None


def check(value: Any, schema: Mapping[str, Any], path: str = "$") -> None:
    """Raise InvalidAnswer naming the first place where `value` breaks `schema`."""
    kinds = schema.get("type")
    if kinds is not None:
        allowed = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_TYPES.get(kind, lambda v: True)(value) for kind in allowed):
            raise InvalidAnswer(f"{path} is not {' or '.join(allowed)}")
    if "enum" in schema and value not in schema["enum"]:
        raise InvalidAnswer(f"{path} is not one of {schema['enum']}")
    if isinstance(value, dict):
        _check_object(value, schema, path)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for n, item in enumerate(value):
            check(item, schema["items"], f"{path}[{n}]")


def _check_object(value: dict[str, Any], schema: Mapping[str, Any], path: str) -> None:
    missing = [name for name in schema.get("required", ()) if name not in value]
    if missing:
        raise InvalidAnswer(f"{path} lacks {', '.join(missing)}")
    properties: Mapping[str, Any] = schema.get("properties", {})
    for name, item in value.items():
        if name in properties:
            check(item, properties[name], f"{path}.{name}")
        elif schema.get("additionalProperties") is False:
            raise InvalidAnswer(f"{path} has an unknown property {name}")


def map_strings(value: Any, change: Callable[[str], str]) -> Any:
    """The same structure with every string value passed through `change`."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {k: map_strings(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [map_strings(v, change) for v in value]
    return value
