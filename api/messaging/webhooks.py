"""The Cloud API webhook of each tenant: the `hub.challenge` handshake, and signed POSTs with
delivery statuses and customers' messages. A POST whose `X-Hub-Signature-256` does not match
the raw body under the tenant's app secret is refused with 401 and changes nothing."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from adapters.bootstrap import Services
from adapters.messaging.whatsapp.cloud_api import signature_valid
from api.shared.deps import ServicesDep
from application.messaging.ports import ChannelAccess
from application.shared.errors import UnknownTenant
from domain.messaging.whatsapp import Provider

log = logging.getLogger(__name__)
router = APIRouter(prefix="/webhooks/whatsapp", tags=["whatsapp"])


@router.get("/{tenant_id}", response_class=PlainTextResponse)
async def verify_subscription(
    tenant_id: UUID,
    services: ServicesDep,
    mode: Annotated[str, Query(alias="hub.mode")] = "",
    verify_token: Annotated[str, Query(alias="hub.verify_token")] = "",
    challenge: Annotated[str, Query(alias="hub.challenge")] = "",
) -> PlainTextResponse:
    """Meta's subscription handshake: echo `hub.challenge` if the verify token is the tenant's."""
    channel = await run_in_threadpool(_cloud_channel, services, tenant_id)
    expected = channel.credentials.get("verify_token", "")
    if mode != "subscribe" or not hmac.compare_digest(verify_token.encode(), expected.encode()):
        raise HTTPException(403, detail="verify token does not match")
    return PlainTextResponse(challenge)


@router.post("/{tenant_id}")
async def receive(
    tenant_id: UUID,
    request: Request,
    services: ServicesDep,
    signature: Annotated[str | None, Header(alias="X-Hub-Signature-256")] = None,
) -> dict[str, Any]:
    """Delivery statuses (sent, delivered, read, failed) and inbound messages (STOP, MULAI...)."""
    raw = await request.body()
    channel = await run_in_threadpool(_cloud_channel, services, tenant_id)
    if not signature_valid(raw, signature, channel.credentials.get("app_secret", "")):
        raise HTTPException(401, detail="X-Hub-Signature-256 does not match the body")
    try:
        payload = json.loads(raw)
        values = [c["value"] for e in payload["entry"] for c in e.get("changes", [])]
    except (ValueError, KeyError, TypeError):
        raise HTTPException(400, detail="not a WhatsApp webhook payload") from None
    counts = await run_in_threadpool(_handle, services, tenant_id, values)
    return {"status": "ok", **counts}


def _cloud_channel(services: Services, tenant_id: UUID) -> ChannelAccess:
    try:
        channel = services.messages.channel_access(tenant_id)
    except UnknownTenant:
        channel = None
    if channel is None or channel.provider != Provider.CLOUD_API.value:
        raise HTTPException(404, detail="no WhatsApp Cloud API channel for this tenant")
    return channel


def _handle(services: Services, tenant_id: UUID, values: list[Any]) -> dict[str, int]:
    statuses = messages = 0
    for value in values:
        for status in value.get("statuses") or []:
            error = (status.get("errors") or [{}])[0]
            detail = error.get("message") or error.get("title") if error else None
            if services.delivery_statuses.report(
                tenant_id, str(status.get("id")), str(status.get("status")), detail
            ):
                statuses += 1
        for message in value.get("messages") or []:
            text = _text_of(message)
            if text is not None:
                services.inbound_messages.dispatch(
                    tenant_id, str(message.get("from")), text, str(message.get("id"))
                )
                messages += 1
    return {"statuses": statuses, "messages": messages}


def _text_of(message: dict[str, Any]) -> str | None:
    kind = message.get("type")
    if kind == "text":
        return str((message.get("text") or {}).get("body", ""))
    if kind == "button":
        return str((message.get("button") or {}).get("text", ""))
    return None
