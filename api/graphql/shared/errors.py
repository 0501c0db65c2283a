"""Expected failures are part of the schema: each mutation returns `Success | Error` types.
This module maps application and domain errors to those types, in one place."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from application.shared.errors import NotFound, PermissionDenied
from domain.shared.errors import CustomerForgotten, DomainError, DuplicateCustomer, InvalidValue


@strawberry.interface(description="A refused command: a stable code and a human message.")
class Error:
    message: str
    code: str
    field: str | None


@strawberry.type
class ValidationError(Error):
    pass


@strawberry.type
class DuplicateCustomerError(Error):
    pass


@strawberry.type
class NotFoundError(Error):
    pass


@strawberry.type
class PermissionDeniedError(Error):
    pass


@strawberry.type
class CustomerForgottenError(Error):
    pass


@strawberry.type(description="A business rule refused the command (state, duplicate, conflict).")
class RefusedError(Error):
    pass


@strawberry.type(
    description=(
        "The command was stored, but what it answers with could not be read yet (its read "
        "models lag, or the database went away just after the save). Nothing needs resending: "
        "read it again shortly."
    )
)
class StoredPendingRead:
    message: str
    stored: bool = True
    stale: bool = True


STORED_PENDING_READ = (
    "stored; the answer is not readable yet (read models catching up), read it again shortly"
)

# What every command's result union includes besides its success: the refusals, and the answer
# for a write that was stored but could not be read back.
Errors = ValidationError | NotFoundError | PermissionDeniedError | RefusedError | StoredPendingRead


_MAPPING: list[tuple[type[DomainError], type[Error]]] = [
    (InvalidValue, ValidationError),
    (DuplicateCustomer, DuplicateCustomerError),
    (NotFound, NotFoundError),
    (PermissionDenied, PermissionDeniedError),
    (CustomerForgotten, CustomerForgottenError),
]


def as_error(error: DomainError) -> Error:
    """The schema type for a refused command; other rule violations become a RefusedError."""
    for exception_type, error_type in _MAPPING:
        if isinstance(error, exception_type):
            return error_type(message=error.message, code=error.code, field=error.field)
    return RefusedError(message=error.message, code=error.code, field=error.field)


def as_graphql_error(error: DomainError) -> GraphQLError:
    """For queries, where failures are not part of the result type."""
    return GraphQLError(error.message, extensions={"code": error.code, "field": error.field})
