"""Answers of read-only GraphQL operations, reused while the read models they read stand still.

Runs where the router executes an operation, after the caller was authenticated: a query is
filed under the caller's audience (tenant, role, login), the read models' positions (one
SELECT through the application's ReadState), the document, operation name, variables and
extensions. Only answers without errors are filed, so an answer found was authorised for this
audience when it was computed. Mutations and subscriptions never pass through here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import lru_cache

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from prometheus_client import Counter
from starlette.concurrency import run_in_threadpool
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from api.graphql.shared.support import Context
from api.shared.answer_cache import AnswerCache, answer_key
from domain.shared.roles import PlatformRole

# Documents up to this size have their operation type remembered; longer ones (rare) are parsed
# each time they are asked, so the memo cannot grow by megabytes.
_REMEMBERED_DOCUMENT_CHARS = 16 * 1024
# Bounds the work of telling a query from a mutation; the schema's own, tighter token limit
# refuses such a document when it runs.
_MAX_TOKENS = 10_000


class AnswerReuse:
    """Answers a read-only operation from `cache` when the same audience asked the same at the
    same read version; counts hits and misses (of read-only operations) for /metrics."""

    def __init__(self, cache: AnswerCache[ExecutionResult], hits: Counter, misses: Counter) -> None:
        self._cache = cache
        self._hits = hits
        self._misses = misses

    async def answer(
        self,
        context: Context,
        request: GraphQLRequestData,
        compute: Callable[[], Awaitable[ExecutionResult]],
    ) -> ExecutionResult:
        if not (self._cache.enabled and context.authenticated and _read_only(request)):
            return await compute()
        if isinstance(context.principal.role, PlatformRole):
            # The operator's console reads every store: no one tenant's read version covers it.
            return await compute()
        services, principal = context.services, context.principal
        version = await run_in_threadpool(services.read_state.version, principal)
        key = answer_key(
            version,
            self._cache.seconds,
            request.query,
            request.operation_name,
            request.variables,
            request.extensions,
        )
        answer = self._cache.get(key)
        if answer is not None:
            self._hits.inc()
            return answer
        self._misses.inc()
        answer = await compute()
        if not answer.errors and answer.data is not None:
            self._cache.put(key, answer)
        return answer


def _read_only(request: GraphQLRequestData) -> bool:
    query = request.query
    if not query:
        return False
    if len(query) > _REMEMBERED_DOCUMENT_CHARS:
        return _is_query(query, request.operation_name)
    return _remembered_is_query(query, request.operation_name)


def _is_query(document: str, operation_name: str | None) -> bool:
    """Whether the operation to run is a `query`; a document that does not parse, or names no
    single operation, is not (execution reports what is wrong with it)."""
    try:
        parsed = parse(document, no_location=True, max_lexical_tokens=_MAX_TOKENS)
        operation = get_operation_ast(parsed, operation_name)
    except GraphQLError:
        return False
    return operation is not None and operation.operation is OperationType.QUERY


_remembered_is_query = lru_cache(maxsize=256)(_is_query)
