"""Parsing helpers shared by the billing resolvers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from api.graphql.shared.errors import as_graphql_error
from application.shared.errors import ApplicationError


def parse_id(raw: str, field: str) -> UUID:
    try:
        return UUID(str(raw))
    except ValueError:
        raise as_graphql_error(
            ApplicationError(f"{field} is not a valid id", field=field)
        ) from None


def parse_enum(kind: Any, raw: str, field: str) -> Any:
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(k.value for k in kind)
        raise as_graphql_error(
            ApplicationError(f"{field} must be one of {allowed}", field=field)
        ) from None
