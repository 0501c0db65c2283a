"""No exception's own text reaches a client unless it was written for one.

Resolvers turn the domain's refusals into errors with a code (`support.query`); whatever else
escapes a resolver is rewritten here, after the operation ran: a database or driver failure
becomes `UNAVAILABLE` with a `retryAfter` hint in seconds, anything else `INTERNAL_ERROR`.
Both are logged with their cause.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult, StreamExecutionResult

from api.shared.failures import (
    RETRY_AFTER_SECONDS,
    UNAVAILABLE,
    UNAVAILABLE_MESSAGE,
    is_store_failure,
    log_store_failure,
)
from domain.shared.errors import DomainError

log = logging.getLogger(__name__)

INTERNAL_ERROR = "INTERNAL_ERROR"


class HideInternalErrors(SchemaExtension):
    """Rewrites the errors of a finished operation that carry an unexpected exception."""

    def on_operation(self) -> Iterator[None]:
        yield
        _rewrite(self.execution_context.result)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """Each event a subscription pushes, before it is sent."""
        _rewrite(result)
        yield


def _rewrite(result: object) -> None:
    if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
        result.errors = [_for_client(error) for error in result.errors]


def _for_client(error: GraphQLError) -> GraphQLError:
    cause = error.original_error
    if cause is None or isinstance(cause, GraphQLError):
        return error  # syntax, validation, or an error already written for clients
    if isinstance(cause, DomainError):
        return _rewritten(error, cause.message, {"code": cause.code, "field": cause.field})
    if is_store_failure(cause):
        log_store_failure(cause, f"GraphQL {_path(error)}")
        extensions = {"code": UNAVAILABLE, "retryAfter": RETRY_AFTER_SECONDS}
        return _rewritten(error, UNAVAILABLE_MESSAGE, extensions)
    log.error("GraphQL %s failed: %r", _path(error), cause, exc_info=cause)
    return _rewritten(error, "internal error", {"code": INTERNAL_ERROR})


def _rewritten(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def _path(error: GraphQLError) -> str:
    return ".".join(str(part) for part in error.path or []) or "operation"
