"""Xendit invoices: created with the secret key, read back with GET /v2/invoices/{id}, and
callbacks verified by the x-callback-token header (the account's callback token)."""

from __future__ import annotations

import hmac
from typing import Any

from adapters.payments.gateways.common import (
    call,
    endpoint,
    json_object,
    require_header,
    text,
    whole_amount,
)
from application.payments.ports import (
    CallbackRejected,
    Claim,
    CreatedLink,
    GatewayAccess,
    GatewayUnavailable,
    LinkRequest,
    Notification,
    RawCallback,
    StatusReport,
)
from domain.payments.gateway import Gateway

API = "https://api.xendit.co"
_CLAIMS = {
    "PAID": Claim.PAID,
    "SETTLED": Claim.PAID,
    "PENDING": Claim.PENDING,
    "EXPIRED": Claim.EXPIRED,
}


def claim_of(status: str) -> Claim:
    try:
        return _CLAIMS[status]
    except KeyError:
        raise CallbackRejected(f"unknown invoice status {status!r}", 400) from None


def amount_of(body: dict[str, Any]) -> int:
    paid = body.get("paid_amount")
    return whole_amount(paid if paid is not None else body.get("amount"), "amount")


class Xendit:
    gateway = Gateway.XENDIT

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout

    def verify(self, raw: RawCallback, access: GatewayAccess) -> Notification:
        given = require_header(raw.headers, "x-callback-token")
        expected = access.credentials["callback_token"]
        if not hmac.compare_digest(expected.encode(), given.encode()):
            raise CallbackRejected("x-callback-token does not match", 401)
        body = json_object(raw.body)
        external_id, status = text(body, "external_id"), text(body, "status")
        return Notification(
            order_id=external_id,
            reference=text(body, "id"),
            dedupe_key=external_id,
            claim=claim_of(status),
            raw_status=status,
            amount=amount_of(body),
            currency=str(body.get("currency") or "IDR"),
        )

    def status(self, access: GatewayAccess, order_id: str, reference: str) -> StatusReport:
        url = f"{endpoint(access.endpoints, 'api', API)}/v2/invoices/{reference}"
        body = call("GET", url, self._timeout, auth=(access.credentials["secret_key"], ""))
        try:
            status = text(body, "status")
            return StatusReport(
                claim_of(status), status, amount_of(body), str(body.get("currency") or "IDR")
            )
        except CallbackRejected as error:
            raise GatewayUnavailable(f"unreadable invoice: {error.message}") from None

    def create_link(self, access: GatewayAccess, request: LinkRequest) -> CreatedLink:
        customer = {
            "given_names": request.customer_name,
            "email": request.customer_email,
            "mobile_number": request.customer_phone,
        }
        body = call(
            "POST",
            f"{endpoint(access.endpoints, 'api', API)}/v2/invoices",
            self._timeout,
            auth=(access.credentials["secret_key"], ""),
            json_body={
                "external_id": request.order_id,
                "amount": request.amount,
                "currency": request.currency,
                "description": request.description,
                "invoice_duration": request.minutes * 60,
                "customer": {k: v for k, v in customer.items() if v},
            },
        )
        return CreatedLink(text(body, "id"), text(body, "invoice_url"))

    def acknowledgement(self) -> dict[str, object]:
        return {"status": "ok"}
