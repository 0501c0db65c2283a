"""The HTTP application: GraphQL at /graphql, health, readiness and metrics."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response, WebSocket
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse

from adapters.bootstrap import Niaga
from adapters.integrations.dispatcher import WebhookDispatcher, webhook_dispatcher
from adapters.messaging.dispatcher import WhatsAppDispatcher, whatsapp_dispatcher
from adapters.payments.gateways.recheck import callback_rechecker
from adapters.routers.dispatcher import ProvisioningDispatcher, provisioning_dispatcher
from adapters.shared import scheduler
from api.audit import rest as audit_rest
from api.billing import rest
from api.graphql.schema import build_schema
from api.graphql.shared.support import Context
from api.integrations import public_api
from api.messaging import webhooks as whatsapp_webhooks
from api.payments import callbacks, transfer_proofs
from api.shared.deps import NiagaDep, PrincipalDep, require_principal
from api.vouchers import shop
from domain.shared.errors import DomainError

log = logging.getLogger(__name__)


def create_app(
    niaga: Niaga, *, run_projections: bool = True, run_scheduler: bool = False
) -> FastAPI:
    """Build the FastAPI app around a started container.

    With `run_projections` a daemon thread keeps every store's read models caught up, and with
    `run_scheduler` another runs the daily billing cycle (the embedded default); in production
    separate `niaga projections run` and `niaga scheduler` processes do that.
    """
    stop = threading.Event()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        threads = []
        pools: list[ProvisioningDispatcher | WebhookDispatcher | WhatsAppDispatcher] = []
        if run_projections:
            dispatcher = provisioning_dispatcher(niaga)
            webhooks = webhook_dispatcher(niaga)
            rechecker = callback_rechecker(niaga)
            messages = whatsapp_dispatcher(niaga)
            pools += [dispatcher, webhooks, messages]

            def after_catch_up() -> None:
                dispatcher.dispatch()
                webhooks.run_once()
                rechecker.sweep_when_due()
                messages.dispatch()

            threads.append(
                threading.Thread(
                    target=niaga.projections.run_forever,
                    args=(stop, 0.5, after_catch_up),
                    name="projections",
                )
            )
        if run_scheduler:
            interval = niaga.settings.niaga_scheduler_interval_seconds
            threads.append(
                threading.Thread(
                    target=scheduler.run_scheduler, args=(niaga, stop, interval), name="scheduler"
                )
            )
        for thread in threads:
            thread.daemon = True
            thread.start()
        yield
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        for pool in pools:  # let jobs under way finish before the container closes its pools
            pool.close()

    app = FastAPI(
        title="Niaga",
        summary="Operating core for ISPs, hotspot voucher resellers and repair shops",
        lifespan=lifespan,
    )
    app.state.niaga = niaga
    _add_metrics(app, niaga)
    _add_health(app)
    app.include_router(_graphql_router(niaga), prefix="/graphql")
    app.include_router(rest.router)
    public_api.install(app, niaga.settings)
    app.include_router(callbacks.router)
    app.include_router(shop.router)
    app.include_router(transfer_proofs.router)
    app.include_router(whatsapp_webhooks.router)
    app.include_router(audit_rest.router)
    return app


def _graphql_router(niaga: Niaga) -> GraphQLRouter[Context, None]:
    async def context(connection: HTTPConnection, principal: PrincipalDep) -> Context:
        if isinstance(connection, WebSocket):
            return Context(niaga, principal)  # may authenticate in connection_init instead
        wants_graphiql = (
            isinstance(connection, Request)
            and connection.method == "GET"
            and "text/html" in connection.headers.get("accept", "")
        )
        if not wants_graphiql:
            require_principal(principal)
        return Context(niaga, principal)

    return _GraphQLRouter(
        build_schema(),
        context_getter=context,
        graphql_ide=None if niaga.settings.production else "graphiql",
    )


class _GraphQLRouter(GraphQLRouter[Context, None]):
    """Refused requests get a 4xx status, not a 200 carrying errors.

    A result without data (malformed query, unknown field, bad argument, refused read) is a
    client error: 403 when a permission was missing, 400 otherwise. Mutations report refusals
    inside their result unions, with data, and stay 200.
    """

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
            principal = await run_in_threadpool(context.niaga.tenants.authenticate, token.strip())
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
                sub_response.status_code = 403 if "PERMISSION_DENIED" in codes else 400
        return super().create_response(response_data, sub_response)


def _add_health(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz(niaga: NiagaDep) -> JSONResponse:
        """The database answers."""

        def ping() -> None:
            with niaga.database.connection() as conn:
                conn.execute("SELECT 1")

        try:
            await run_in_threadpool(ping)
        except Exception as error:
            log.warning("readiness check failed: %s", error)
            return JSONResponse({"status": "unavailable", "database": str(error)}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})


def _add_metrics(app: FastAPI, niaga: Niaga) -> None:
    registry = CollectorRegistry()
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

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        path = request.url.path
        latency.labels(request.method, path).observe(time.perf_counter() - started)
        requests.labels(request.method, path, str(response.status_code)).inc()
        return response

    @app.get("/metrics", tags=["operations"])
    async def metrics() -> Response:
        """Prometheus metrics, including projection lag per store."""
        statuses = await run_in_threadpool(niaga.projections.status)
        for entry in statuses:
            lag.labels(entry.store, entry.status.name).set(entry.status.lag)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
