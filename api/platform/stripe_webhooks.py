"""Stripe's webhooks about the platform's billing of its tenants: POST /callbacks/stripe.

No API key: Stripe proves itself with the Stripe-Signature header, which the application
verifies against the endpoint's signing secret before anything is recorded.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.shared.deps import ServicesDep
from domain.shared.errors import DomainError

router = APIRouter()
MAX_BODY = 262_144  # Stripe's events are well below this


@router.post(
    "/callbacks/stripe",
    tags=["platform"],
    responses={
        200: {"description": "Taken (applied, ignored, or a duplicate of an earlier delivery)"},
        400: {"description": "Forged, stale (outside 300 s) or unreadable: nothing recorded"},
        409: {"description": "Verified but not recorded now (raced another event): retry"},
        413: {"description": "Body too large"},
        503: {"description": "Stripe webhooks are not configured"},
    },
)
async def stripe_webhook(request: Request, services: ServicesDep) -> JSONResponse:
    """An event from Stripe: invoice.paid, invoice.payment_failed, customer.subscription.*"""
    body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse({"error": f"body larger than {MAX_BODY} bytes"}, status_code=413)
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        answer = await run_in_threadpool(services.stripe_webhooks.receive, headers, body)
    except DomainError as error:
        # Verified, but it could not be recorded now (it raced another event): Stripe retries.
        return JSONResponse({"received": False, "error": error.message}, status_code=409)
    payload: dict[str, object] = {"received": answer.http_status < 300, "verdict": answer.verdict}
    if answer.http_status >= 300:
        payload["error"] = answer.reason
    return JSONResponse(payload, status_code=answer.http_status)
