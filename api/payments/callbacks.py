"""Inbound payment-gateway callbacks: POST /callbacks/{gateway}/{tenant}.

No API key: each gateway proves itself by its own signature or token, which the application
verifies. Every callback is recorded, refused or not; the answer is what the gateway expects.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.shared.deps import ServicesDep
from application.payments.gateway_callbacks import CallbackAnswer
from application.payments.ports import RawCallback

router = APIRouter()


@router.post(
    "/callbacks/{gateway}/{tenant}",
    tags=["gateways"],
    responses={
        200: {"description": "Taken (applied, duplicate, ignored or kept for a re-check)"},
        400: {"description": "Malformed body"},
        401: {"description": "Missing or wrong signature or token"},
        404: {"description": "Unknown tenant, gateway or order"},
        409: {"description": "Stale: the gateway's status API contradicts the callback"},
        413: {"description": "Body too large"},
        422: {"description": "Amount or currency mismatch: held for review, not applied"},
    },
)
async def gateway_callback(
    gateway: str, tenant: str, request: Request, services: ServicesDep
) -> JSONResponse:
    """A payment notification from Midtrans, Xendit, Tripay or Duitku."""
    limit: int = request.app.state.callback_max_bytes
    body, complete = await _body_up_to(request, limit)
    raw = RawCallback({k.lower(): v for k, v in request.headers.items()}, body)
    callbacks = services.gateway_callbacks
    if complete:
        answer = await run_in_threadpool(callbacks.receive, gateway, tenant, raw)
    else:
        reason = f"body larger than {limit} bytes"
        answer = await run_in_threadpool(callbacks.refuse, gateway, tenant, raw, 413, reason)
    return _reply(answer)


def install(app: FastAPI, max_body_bytes: int) -> None:
    """Mount the callback route on an app, with the largest body it reads."""
    app.state.callback_max_bytes = max_body_bytes
    app.include_router(router)


async def _body_up_to(request: Request, limit: int) -> tuple[bytes, bool]:
    """The body, or its first `limit` bytes and False when it is longer."""
    chunks, size = [], 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], False
    return b"".join(chunks), True


def _reply(answer: CallbackAnswer) -> JSONResponse:
    if answer.accepted:
        return JSONResponse(answer.acknowledgement, status_code=answer.http_status)
    return JSONResponse(
        {
            "success": False,
            "error": answer.reason,
            "verdict": answer.verdict.value,
            "callback_id": str(answer.callback_id),
        },
        status_code=answer.http_status,
    )
