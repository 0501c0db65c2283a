"""The public REST API for integrators, under /api/v1: invoices, customers, subscriptions and
payments, listed with filters and cursors or read by id. Authenticated by API key
(`Authorization: Bearer nk_...`), rate limited per key (429 with Retry-After). Every answer
carries a weak `ETag`; sent back in `If-None-Match` while nothing has moved, it is answered 304.

The OpenAPI document lists every status a route answers. Filters whose values the application
checks (status, state, method, period, cursors) document their values and formats, and a wrong
one is answered 400 naming the parameter; a parameter of the wrong type (a date that is not
`YYYY-MM-DD`, an id that is not a UUID) is answered 422 by the request parser."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Security
from fastapi.security import HTTPBearer
from pydantic import BaseModel, BeforeValidator
from starlette.concurrency import run_in_threadpool

from adapters.shared.settings import Settings
from api.integrations.public_models import (
    ApiError,
    CustomerPublic,
    ErrorResponse,
    InvoicePublic,
    ListPage,
    PaymentPublic,
    SubscriptionPublic,
    Unauthorised,
)
from api.shared.deps import PrincipalDep, ServicesDep, require_principal
from api.shared.etag import ETAG_RESPONSES, etag_for
from api.shared.failures import RETRY_AFTER_SECONDS
from api.shared.rate_limit import TokenBuckets, retry_after
from application.billing.ports import InvoiceFilter, SubscriptionFilter
from application.billing.queries import INVOICE_STATUSES, SUBSCRIPTION_STATES
from application.payments.payment_queries import PaymentFilter
from application.shared.context import Principal
from application.shared.paging import MAX_FILTER_LENGTH
from application.shared.ports import Page
from domain.payments.payment import PaymentMethod
from domain.shared.errors import DomainError

VERSION = "1.0.0"
T = TypeVar("T")
V = TypeVar("V")


def _retry_after(meaning: str) -> dict[str, Any]:
    return {"Retry-After": {"description": meaning, "schema": {"type": "integer", "minimum": 1}}}


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "A filter or cursor is not valid"},
    401: {"model": Unauthorised, "description": "No or an unknown API key"},
    403: {"model": ErrorResponse, "description": "The key's role may not read this"},
    429: {
        "model": ErrorResponse,
        "description": "Too many requests for this key; retry after `Retry-After` seconds",
        "headers": _retry_after("Seconds until this key may ask again"),
    },
    503: {
        "model": ErrorResponse,
        "description": "The database is unavailable (`UNAVAILABLE`); retry after `Retry-After`",
        "headers": _retry_after(f"Seconds to wait before retrying ({RETRY_AFTER_SECONDS})"),
    },
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "Your tenant has no such item (`NOT_FOUND`)"},
}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(raw: object) -> object:
    """Only `YYYY-MM-DD` is a date here: the parser would take `0` as 1970-01-01."""
    if isinstance(raw, str) and not _ISO_DATE.fullmatch(raw):
        raise ValueError("must be a date as YYYY-MM-DD")
    return raw


def _one_of(values: frozenset[str] | list[str], meaning: str) -> Any:
    """A filter documented with its values; the application refuses others with 400."""
    return Query(description=meaning, json_schema_extra={"enum": sorted(values)})


async def api_client(request: Request, principal: PrincipalDep) -> Principal:
    """The caller's API key, within its rate limit."""
    who = require_principal(principal)
    limiter: TokenBuckets = request.app.state.rate_limiter
    wait = limiter.take(who.actor.id)
    if wait > 0:
        raise HTTPException(
            429,
            detail=ApiError(
                code="RATE_LIMITED",
                message=f"more than {limiter.rate:g} requests per second for this API key",
            ).model_dump(),
            headers={"Retry-After": retry_after(wait)},
        )
    return who


ClientDep = Annotated[Principal, Depends(api_client)]
Limit = Annotated[int, Query(ge=1, le=100, description="Items per page")]
After = Annotated[
    str | None,
    Query(
        description="The `next_cursor` of the previous page (opaque, base64url)",
        json_schema_extra={"pattern": "^[A-Za-z0-9_-]+={0,2}$", "maxLength": 1024},
    ),
]
IsoDate = Annotated[date | None, BeforeValidator(_iso_date)]
Count = Annotated[
    bool,
    Query(
        description="Count the items matching the filters over all pages (`total_count`); "
        "`false` answers `total_count: null` and spares the count"
    ),
]


def _text_filter(meaning: str) -> Any:
    return Query(description=meaning, json_schema_extra={"maxLength": MAX_FILTER_LENGTH})


router = APIRouter(
    prefix="/api/v1",
    dependencies=[
        # Documents the bearer scheme in OpenAPI; the key itself is checked by `api_client`.
        Security(HTTPBearer(auto_error=False, description="An API key: nk_...")),
        # Every answer is tagged; a client holding the current tag is answered 304.
        Depends(etag_for(api_client)),
    ],
    responses={**_ERRORS, **ETAG_RESPONSES},
)


async def _call(read: Callable[[], T]) -> T:
    try:
        return await run_in_threadpool(read)
    except DomainError as error:
        status = {"NOT_FOUND": 404, "PERMISSION_DENIED": 403}.get(error.code, 400)
        detail = ApiError(code=error.code, message=error.message, field=error.field)
        raise HTTPException(status, detail=detail.model_dump()) from None


async def _list(
    read: Callable[[], Page[V]], convert: Callable[[V], T], count: bool
) -> dict[str, Any]:
    """A page as a list answer. Its count over all pages runs (off the event loop, like the
    page) only when the client asks for it, which it does unless it says `count=false`."""

    def answer() -> dict[str, Any]:
        page = read()
        return {
            "data": [convert(v) for v in page.items],
            "has_more": page.has_next_page,
            "next_cursor": page.end_cursor if page.has_next_page else None,
            "total_count": page.total_count if count else None,
        }

    return await _call(answer)


def _model(kind: type[BaseModel]) -> Callable[[Any], Any]:
    return lambda view: kind.model_validate(view, from_attributes=True)


def _not_found(what: str, item_id: UUID) -> HTTPException:
    detail = ApiError(code="NOT_FOUND", message=f"no {what} {item_id}", field="id")
    return HTTPException(404, detail=detail.model_dump())


@router.get("/customers", tags=["customers"], response_model=ListPage[CustomerPublic])
async def list_customers(
    services: ServicesDep,
    who: ClientDep,
    search: Annotated[str | None, _text_filter("Name or phone")] = None,
    limit: Limit = 20,
    after: After = None,
    count: Count = True,
) -> dict[str, Any]:
    """Customers, oldest first."""
    return await _list(
        lambda: services.customer_queries.customers(who, search, limit, after),
        _model(CustomerPublic),
        count,
    )


@router.get(
    "/customers/{customer_id}",
    tags=["customers"],
    response_model=CustomerPublic,
    responses=_NOT_FOUND,
)
async def get_customer(customer_id: UUID, services: ServicesDep, who: ClientDep) -> Any:
    return _model(CustomerPublic)(
        await _call(lambda: services.customer_queries.customer(who, customer_id))
    )


@router.get("/invoices", tags=["invoices"], response_model=ListPage[InvoicePublic])
async def list_invoices(
    services: ServicesDep,
    who: ClientDep,
    status: Annotated[str | None, _one_of(INVOICE_STATUSES, "The invoice's status")] = None,
    period: Annotated[
        str | None,
        Query(
            description="Month issued, YYYY-MM",
            json_schema_extra={"pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
        ),
    ] = None,
    customer_id: UUID | None = None,
    limit: Limit = 20,
    after: After = None,
    count: Count = True,
) -> dict[str, Any]:
    """Invoices, oldest drafted first."""
    where = InvoiceFilter(status, period, customer_id)
    return await _list(
        lambda: services.billing_queries.invoices(who, where, limit, after),
        _model(InvoicePublic),
        count,
    )


@router.get(
    "/invoices/{invoice_id}", tags=["invoices"], response_model=InvoicePublic, responses=_NOT_FOUND
)
async def get_invoice(invoice_id: UUID, services: ServicesDep, who: ClientDep) -> Any:
    found = await _call(lambda: services.billing_queries.invoice(who, invoice_id))
    if found is None:
        raise _not_found("invoice", invoice_id)
    return _model(InvoicePublic)(found)


@router.get("/subscriptions", tags=["subscriptions"], response_model=ListPage[SubscriptionPublic])
async def list_subscriptions(
    services: ServicesDep,
    who: ClientDep,
    state: Annotated[str | None, _one_of(SUBSCRIPTION_STATES, "The subscription's state")] = None,
    plan_id: UUID | None = None,
    router_name: Annotated[
        str | None,
        Query(
            alias="router",
            description="The router's name, exactly",
            json_schema_extra={"maxLength": MAX_FILTER_LENGTH},
        ),
    ] = None,
    search: Annotated[str | None, _text_filter("Customer name or username")] = None,
    limit: Limit = 20,
    after: After = None,
    count: Count = True,
) -> dict[str, Any]:
    """Subscriptions, oldest first."""
    where = SubscriptionFilter(state, plan_id, router_name, search)
    return await _list(
        lambda: services.billing_queries.subscriptions(who, where, limit, after),
        _model(SubscriptionPublic),
        count,
    )


@router.get(
    "/subscriptions/{subscription_id}",
    tags=["subscriptions"],
    response_model=SubscriptionPublic,
    responses=_NOT_FOUND,
)
async def get_subscription(subscription_id: UUID, services: ServicesDep, who: ClientDep) -> Any:
    found = await _call(lambda: services.billing_queries.subscription(who, subscription_id))
    if found is None:
        raise _not_found("subscription", subscription_id)
    return _model(SubscriptionPublic)(found)


@router.get("/payments", tags=["payments"], response_model=ListPage[PaymentPublic])
async def list_payments(
    services: ServicesDep,
    who: ClientDep,
    customer_id: UUID | None = None,
    method: Annotated[
        str | None, _one_of([m.value for m in PaymentMethod], "How it was paid")
    ] = None,
    received_from: Annotated[IsoDate, Query(description="On or after, YYYY-MM-DD")] = None,
    received_to: Annotated[IsoDate, Query(description="On or before, YYYY-MM-DD")] = None,
    limit: Limit = 20,
    after: After = None,
    count: Count = True,
) -> dict[str, Any]:
    """Payments received, oldest recorded first."""
    where = PaymentFilter(customer_id, method, received_from, received_to)
    return await _list(
        lambda: services.payment_queries.payments(who, where, limit, after),
        _model(PaymentPublic),
        count,
    )


@router.get(
    "/payments/{payment_id}", tags=["payments"], response_model=PaymentPublic, responses=_NOT_FOUND
)
async def get_payment(payment_id: UUID, services: ServicesDep, who: ClientDep) -> Any:
    return _model(PaymentPublic)(
        await _call(lambda: services.payment_queries.payment(who, payment_id))
    )


def limit_rates(app: FastAPI, settings: Settings) -> None:
    """Give an app that mounts `router` the public API's rate limiter."""
    app.state.rate_limiter = TokenBuckets(
        settings.niaga_api_rate_per_second, settings.niaga_api_rate_burst
    )
