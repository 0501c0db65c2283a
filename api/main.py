"""The HTTP application: GraphQL at /graphql, health, readiness and metrics."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from cross_web import HTTPException as GraphQLHTTPException
from fastapi import FastAPI, Request, Response, WebSocket
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.staticfiles import StaticFiles
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from adapters.bootstrap import InProcessDaemons, Niaga, readiness
from api.agency import rest as media_rest
from api.ai import knowledge_rest
from api.audit import rest as audit_rest
from api.billing import rest
from api.graphql.schema import build_schema
from api.graphql.shared.answer_reuse import AnswerReuse
from api.graphql.shared.error_masking import INTERNAL_ERROR
from api.graphql.shared.permissions import anonymous_operation
from api.graphql.shared.support import Context
from api.integrations import public_api
from api.messaging import webhooks as whatsapp_webhooks
from api.payments import callbacks, transfer_proofs
from api.platform import stripe_webhooks
from api.repairs import rest as repairs_rest
from api.shared.answer_cache import AnswerCache
from api.shared.body_limit import BodyLimit
from api.shared.deps import PrincipalDep, ServicesDep, require_principal
from api.shared.failures import (
    RETRY_AFTER_SECONDS,
    STORE_ERRORS,
    UNAVAILABLE,
    UNAVAILABLE_MESSAGE,
    log_store_failure,
)
from api.shared.graphiql import ASSETS_DIR, ASSETS_PATH, offline_graphiql_html
from api.shared.idempotency import IdempotentGraphQL
from api.shared.security_headers import SecurityHeaders
from api.vouchers import shop
from domain.shared.errors import DomainError

log = logging.getLogger(__name__)

# A GraphQL document with its variables is a few kilobytes; this leaves room for long texts
# (a message body, a diagnosis) without parsing megabytes from anyone.
GRAPHQL_MAX_BODY_BYTES = 256 * 1024
MULTIPART_OVERHEAD_BYTES = 64 * 1024  # the operations, the map and the parts' headers
_DOCUMENT: dict[str, Any] = {
    "title": "Niaga",
    "summary": "Operating core for ISPs, hotspot voucher resellers and repair shops",
    "version": public_api.VERSION,
}
_MEANINGS = {
    400: "A parameter or the body is not valid",
    401: "No or an unknown credential",
    403: "The caller may not do this",
    404: "No such item for this caller",
    413: "The body is too large",
    423: "The business is soft-locked by the platform (TENANT_LOCKED): reads only",
    503: "The database is unavailable, or the business's data is moving (TENANT_MOVING); "
    "retry after `Retry-After` seconds",
}
_GRAPHQL_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "A malformed body or query, or an argument the service refused"},
    401: {"description": "No or an unknown API key"},
    403: {"description": "The key's role may not run this query"},
    413: {"description": f"The body is larger than {GRAPHQL_MAX_BODY_BYTES} bytes"},
    503: {"description": "The database is unavailable; retry after `Retry-After` seconds"},
}


def create_app(
    niaga: Niaga, *, run_projections: bool = True, run_scheduler: bool = False
) -> FastAPI:
    """Build the FastAPI app around a started container.

    With `run_projections` a daemon thread keeps every store's read models caught up, and with
    `run_scheduler` another runs the daily billing cycle (the embedded default); in production
    separate `niaga projections run` and `niaga scheduler` processes do that.
    """

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        daemons = InProcessDaemons(niaga, projections=run_projections, scheduler=run_scheduler)
        yield
        daemons.stop()

    app = FastAPI(**_DOCUMENT, lifespan=lifespan)
    app.state.niaga = niaga
    app.add_middleware(IdempotentGraphQL, mutations=niaga.services.idempotency)
    # Added after idempotency, so it runs first: an oversized body is refused unread.
    app.add_middleware(
        BodyLimit,
        path="/graphql",
        max_bytes=GRAPHQL_MAX_BODY_BYTES,
        # A knowledge-base PDF uploaded through GraphQL's multipart request, with its form.
        multipart_max_bytes=niaga.settings.niaga_kb_max_bytes + MULTIPART_OVERHEAD_BYTES,
    )
    registry = CollectorRegistry()
    _add_metrics(app, niaga, registry)
    _add_health(app, niaga)
    settings = niaga.settings
    _add_interfaces(
        app,
        graphiql=not settings.production,
        callback_max_bytes=settings.niaga_callback_max_bytes,
        answers=_answer_reuse(niaga, registry),
    )
    public_api.limit_rates(app, settings)
    # Added last, so it wraps everything: every answer, refusals included, carries them.
    app.add_middleware(SecurityHeaders, production=settings.production)
    _answer_store_failures(app)
    _leave_operations_out_of_document(app)
    return app


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document `/openapi.json` serves (exported to docs/openapi.json).

    Built from the same interfaces as the served app, declared without a container: routes
    reach the application only when they run, and no setting changes what they declare. The
    operations endpoints (health, readiness, metrics) are for the platform, not for clients,
    and stay out of the document.
    """
    app = FastAPI(**_DOCUMENT)
    _add_interfaces(app, graphiql=False, callback_max_bytes=1)
    return app.openapi()


def _add_interfaces(
    app: FastAPI, *, graphiql: bool, callback_max_bytes: int, answers: AnswerReuse | None = None
) -> None:
    """Everything clients call: GraphQL, the public REST API, documents, callbacks, webhooks."""
    app.include_router(
        _graphql_router(graphiql, answers), prefix="/graphql", responses=_GRAPHQL_RESPONSES
    )
    if graphiql:  # its scripts are served from here: the page works without internet
        app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="graphiql-assets")
    app.include_router(rest.router, responses=_answers(400, 401, 403, 404, 503))
    app.include_router(public_api.router)
    callbacks.install(app, callback_max_bytes)
    app.include_router(stripe_webhooks.router)
    app.include_router(shop.router)
    app.include_router(
        transfer_proofs.router, responses=_answers(400, 401, 403, 404, 413, 423, 503)
    )
    app.include_router(whatsapp_webhooks.router, responses=_answers(400, 401, 403, 404, 503))
    app.include_router(audit_rest.router, responses=_answers(400, 401, 403, 503))
    app.include_router(repairs_rest.router, responses=_answers(400, 401, 403, 503))
    app.include_router(knowledge_rest.router, responses=_answers(400, 401, 403, 404, 413, 503))
    app.include_router(media_rest.router, responses=_answers(400, 401, 403, 404, 413, 423, 503))


def _answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The refusals a group of routes documents besides its own (OpenAPI `responses`)."""
    return {status: {"description": _MEANINGS[status]} for status in statuses}


def _leave_operations_out_of_document(app: FastAPI) -> None:
    """Routes tagged `operations` (probes, metrics) serve the platform, not clients; leaving
    them out lets `openapi_document` be built without a container, like the served one."""
    for route in app.routes:
        if isinstance(route, APIRoute) and "operations" in route.tags:
            route.include_in_schema = False


def _answer_store_failures(app: FastAPI) -> None:
    """A database failure under any route answers 503 `UNAVAILABLE` with `Retry-After`; the
    driver's message is logged, never sent."""

    async def unavailable(request: Request, error: Exception) -> Response:
        log_store_failure(error, f"{request.method} {request.url.path}")
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.url.path.rstrip("/") == "/graphql":
            extensions = {"code": UNAVAILABLE, "retryAfter": RETRY_AFTER_SECONDS}
            return _graphql_errors(503, UNAVAILABLE_MESSAGE, extensions, headers)
        detail = {"code": UNAVAILABLE, "message": UNAVAILABLE_MESSAGE, "field": None}
        return JSONResponse({"detail": detail}, status_code=503, headers=headers)

    for kind in STORE_ERRORS:
        app.add_exception_handler(kind, unavailable)


def _graphql_errors(
    status: int,
    message: str,
    extensions: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"data": None, "errors": [{"message": message, "extensions": extensions}]}
    return JSONResponse(body, status_code=status, headers=headers)


def _answer_reuse(niaga: Niaga, registry: CollectorRegistry) -> AnswerReuse:
    settings = niaga.settings
    return AnswerReuse(
        AnswerCache(settings.niaga_answer_cache_seconds, settings.niaga_answer_cache_size),
        hits=Counter(
            "niaga_graphql_answer_cache_hits",
            "Read-only GraphQL operations answered with an answer computed before",
            registry=registry,
        ),
        misses=Counter(
            "niaga_graphql_answer_cache_misses",
            "Read-only GraphQL operations computed afresh",
            registry=registry,
        ),
    )


def _graphql_router(graphiql: bool, answers: AnswerReuse | None) -> GraphQLRouter[Context, None]:
    async def context(
        connection: HTTPConnection, services: ServicesDep, principal: PrincipalDep
    ) -> Context:
        if isinstance(connection, WebSocket):
            return Context(services, principal)  # may authenticate in connection_init instead
        wants_graphiql = (
            isinstance(connection, Request)
            and connection.method == "GET"
            and "text/html" in connection.headers.get("accept", "")
        )
        if not (wants_graphiql or principal or await _anonymous(connection)):
            require_principal(principal)
        return Context(services, principal)

    return _GraphQLRouter(
        build_schema(),
        answers,
        context_getter=context,
        graphql_ide="graphiql" if graphiql else None,
        # Uploads (knowledge-base PDFs). Cross-site forms cannot set the Authorization header
        # every request needs, so accepting multipart adds no CSRF exposure.
        multipart_uploads_enabled=True,
    )


async def _anonymous(connection: HTTPConnection) -> bool:
    """Whether a request without a credential asks only for what anyone may (registering,
    signing in); anything else is refused with 401 before it runs."""
    if not isinstance(connection, Request) or connection.method != "POST":
        return False
    if not connection.headers.get("content-type", "").startswith("application/json"):
        return False
    try:
        body = await connection.json()  # kept by the request: the router reads it again
    except ValueError:
        return False
    return anonymous_operation(body)


class _GraphQLRouter(GraphQLRouter[Context, None]):
    """GraphiQL from local assets; refused requests get a 4xx status, not a 200 carrying errors.

    A result without data (malformed query, unknown field, bad argument, refused read) is a
    client error: 403 when a permission was missing, 400 otherwise; an unavailable database is
    503 with `Retry-After`, anything unexpected 500. Mutations report refusals inside their
    result unions, with data, and stay 200. A body that is not a JSON object in UTF-8 gets the
    same JSON error shape as every other failure.

    With `answers`, a read-only operation is answered from the answers computed before while
    the read models it read have not moved (api/graphql/shared/answer_reuse.py).
    """

    def __init__(self, schema: Any, answers: AnswerReuse | None, **options: Any) -> None:
        super().__init__(schema, **options)
        self._answers = answers

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        async def compute() -> ExecutionResult:
            return await super(_GraphQLRouter, self).execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )

        if self._answers is None:
            return await compute()
        return await self._answers.answer(context, request_data, compute)

    def decode_json(self, data: str | bytes) -> object:
        """The body as a JSON object; anything else is refused with 400 before parsing on."""
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
            parsed = json.loads(text)
        except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested past bounds
            raise GraphQLHTTPException(400, "the body is not JSON in UTF-8") from None
        if not isinstance(parsed, dict):
            raise GraphQLHTTPException(400, "the body must be a JSON object with a `query`")
        return parsed

    async def run(  # type: ignore[override]
        self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response | WebSocket | None:
        try:
            return await super().run(request, context, root_value)
        except GraphQLHTTPException as error:
            if isinstance(request, WebSocket):
                raise
            code = "NOT_FOUND" if error.status_code == 404 else "BAD_REQUEST"
            return _graphql_errors(error.status_code, error.reason, {"code": code})

    @property
    def graphql_ide_html(self) -> str:
        return offline_graphiql_html()

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        """A websocket (subscriptions) authenticates with its Authorization header, or, as
        browsers cannot set one, with `{"Authorization": "Bearer <api key>"}` in the
        connection_init payload."""
        if context.authenticated:
            return None
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        header = str(params.get("Authorization") or params.get("authorization") or "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ConnectionRejectionError({"message": "authentication required"})
        try:
            principal = await run_in_threadpool(
                context.services.tenants.authenticate, token.strip()
            )
        except DomainError as error:
            raise ConnectionRejectionError({"message": error.message}) from None
        context.authenticate(principal)
        return None

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        if isinstance(response_data, dict) and response_data.get("data") is None:
            errors: list[Any] = list(response_data.get("errors") or [])
            codes = {(e.get("extensions") or {}).get("code") for e in errors}
            if errors:
                sub_response.status_code = _status_for(codes)
            if UNAVAILABLE in codes:
                sub_response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return super().create_response(response_data, sub_response)


def _status_for(codes: set[Any]) -> int:
    """The HTTP status of a GraphQL result without data, from its errors' codes."""
    for code, status in ((INTERNAL_ERROR, 500), (UNAVAILABLE, 503), ("PERMISSION_DENIED", 403)):
        if code in codes:
            return status
    return 400


def _add_health(app: FastAPI, niaga: Niaga) -> None:
    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    checks = readiness(niaga)

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> JSONResponse:
        """Each part: the database takes writes, projection lag, the process managers' backlog,
        the daemons' heartbeats; 503 naming the failing parts when not ready."""
        report = await run_in_threadpool(checks.check)
        if report.failing:
            log.warning("not ready: %s", ", ".join(report.failing))
        return JSONResponse(report.as_json(), status_code=503 if report.failing else 200)


def _add_metrics(app: FastAPI, niaga: Niaga, registry: CollectorRegistry) -> None:
    requests = Counter(
        "niaga_http_requests", "HTTP requests", ["method", "path", "status"], registry=registry
    )
    latency = Histogram(
        "niaga_http_request_seconds", "HTTP request latency", ["method", "path"], registry=registry
    )
    lag = Gauge(
        "niaga_projection_lag_events",
        "Events recorded but not yet projected",
        ["store", "projection"],
        registry=registry,
    )
    parked = Gauge(
        "niaga_projection_parked_events",
        "Events a projection could not apply and set aside (alert when above 0)",
        ["store", "projection"],
        registry=registry,
    )

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        path = _route_template(request)
        latency.labels(request.method, path).observe(time.perf_counter() - started)
        requests.labels(request.method, path, str(response.status_code)).inc()
        return response

    @app.get("/metrics", tags=["operations"])
    async def metrics() -> Response:
        """Prometheus metrics, including projection lag and parked events per store."""
        statuses = await run_in_threadpool(niaga.projections.status)
        for entry in statuses:
            lag.labels(entry.store, entry.status.name).set(entry.status.lag)
            parked.labels(entry.store, entry.status.name).set(entry.status.parked)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def _route_template(request: Request) -> str:
    """The path as routed (`/invoices/{invoice_id}/pdf`), so ids do not make new series."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
