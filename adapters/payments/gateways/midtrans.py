"""Midtrans: Snap links, the v2 status API, and notifications signed with the server key.

signature_key = sha512(order_id + status_code + gross_amount + server_key), on the strings as
received. Paid = status_code 200 with settlement, or capture with fraud_status accept.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from adapters.payments.gateways.common import call, endpoint, json_object, text, whole_amount
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

API = "https://api.sandbox.midtrans.com"
SNAP = "https://app.sandbox.midtrans.com/snap/v1"
_FAILED = {"deny", "cancel", "failure"}
_REFUNDED = {"refund", "partial_refund"}


def signature_key(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest()


def claim_of(body: dict[str, Any]) -> Claim:
    status = str(body.get("transaction_status", ""))
    code = str(body.get("status_code", ""))
    if status == "settlement" or (status == "capture" and body.get("fraud_status") == "accept"):
        return Claim.PAID if code == "200" else Claim.PENDING
    if status in {"pending", "capture"}:
        return Claim.PENDING
    if status == "expire":
        return Claim.EXPIRED
    if status in _FAILED:
        return Claim.FAILED
    if status in _REFUNDED:
        return Claim.REFUNDED
    raise CallbackRejected(f"unknown transaction_status {status!r}", 400)


class Midtrans:
    gateway = Gateway.MIDTRANS

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout

    def verify(self, raw: RawCallback, access: GatewayAccess) -> Notification:
        body = json_object(raw.body)
        given = body.get("signature_key")
        if not isinstance(given, str) or not given:
            raise CallbackRejected("missing signature_key", 401)
        order_id, code, gross = (text(body, k) for k in ("order_id", "status_code", "gross_amount"))
        expected = signature_key(order_id, code, gross, access.credentials["server_key"])
        if not hmac.compare_digest(expected.encode(), given.encode()):
            raise CallbackRejected("signature_key does not match", 401)
        return Notification(
            order_id=order_id,
            reference=str(body.get("transaction_id") or order_id),
            dedupe_key=order_id,
            claim=claim_of(body),
            raw_status=text(body, "transaction_status"),
            amount=whole_amount(gross, "gross_amount"),
            currency=str(body.get("currency") or "IDR"),
        )

    def status(self, access: GatewayAccess, order_id: str, reference: str) -> StatusReport:
        url = f"{endpoint(access.endpoints, 'api', API)}/v2/{order_id}/status"
        body = call("GET", url, self._timeout, auth=(access.credentials["server_key"], ""))
        if str(body.get("status_code")) == "404":
            return StatusReport(Claim.PENDING, "not found", None, "IDR")
        try:
            return StatusReport(
                claim_of(body),
                str(body.get("transaction_status")),
                whole_amount(body.get("gross_amount"), "gross_amount"),
                str(body.get("currency") or "IDR"),
            )
        except CallbackRejected as error:
            raise GatewayUnavailable(f"unreadable status answer: {error.message}") from None

    def create_link(self, access: GatewayAccess, request: LinkRequest) -> CreatedLink:
        body = call(
            "POST",
            f"{endpoint(access.endpoints, 'snap', SNAP)}/transactions",
            self._timeout,
            auth=(access.credentials["server_key"], ""),
            headers={"X-Override-Notification": request.callback_url},
            json_body={
                "transaction_details": {
                    "order_id": request.order_id,
                    "gross_amount": request.amount,
                },
                "customer_details": {
                    "first_name": request.customer_name,
                    "email": request.customer_email,
                    "phone": request.customer_phone,
                },
                "expiry": {"unit": "minutes", "duration": request.minutes},
            },
        )
        return CreatedLink(text(body, "token"), text(body, "redirect_url"))

    def acknowledgement(self) -> dict[str, object]:
        return {"status": "ok"}
