"""Tripay closed payments: created with a signature over merchant code, merchant ref and amount,
read back from /transaction/detail, callbacks signed over the raw body.

X-Callback-Signature = hex HMAC-SHA256(private key, raw body); X-Callback-Event: payment_status.
The order's own amount is total_amount less the fee the customer paid on top.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import quote

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
    GatewayRefused,
    GatewayUnavailable,
    LinkRequest,
    Notification,
    RawCallback,
    StatusReport,
)
from domain.payments.gateway import Gateway

API = "https://tripay.co.id/api-sandbox"
DEFAULT_METHOD = "QRIS"
_CLAIMS = {
    "PAID": Claim.PAID,
    "UNPAID": Claim.PENDING,
    "EXPIRED": Claim.EXPIRED,
    "FAILED": Claim.FAILED,
    "REFUND": Claim.REFUNDED,
}


def callback_signature(raw_body: bytes, private_key: str) -> str:
    return hmac.new(private_key.encode(), raw_body, hashlib.sha256).hexdigest()


def transaction_signature(merchant_code: str, merchant_ref: str, amount: int, key: str) -> str:
    message = f"{merchant_code}{merchant_ref}{amount}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def claim_of(status: str) -> Claim:
    try:
        return _CLAIMS[status]
    except KeyError:
        raise CallbackRejected(f"unknown status {status!r}", 400) from None


def order_amount(body: dict[str, Any]) -> int:
    if body.get("amount") is not None:
        return whole_amount(body["amount"], "amount")
    total = whole_amount(body.get("total_amount"), "total_amount")
    return total - whole_amount(body.get("fee_customer") or 0, "fee_customer")


class Tripay:
    gateway = Gateway.TRIPAY

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout

    def verify(self, raw: RawCallback, access: GatewayAccess) -> Notification:
        given = require_header(raw.headers, "x-callback-signature")
        expected = callback_signature(raw.body, access.credentials["private_key"])
        if not hmac.compare_digest(expected.encode(), given.encode()):
            raise CallbackRejected("X-Callback-Signature does not match", 401)
        event = raw.headers.get("x-callback-event", "")
        if event != "payment_status":
            raise CallbackRejected(f"unexpected X-Callback-Event {event!r}", 400)
        body = json_object(raw.body)
        reference, status = text(body, "reference"), text(body, "status")
        return Notification(
            order_id=text(body, "merchant_ref"),
            reference=reference,
            dedupe_key=reference,
            claim=claim_of(status),
            raw_status=status,
            amount=order_amount(body),
            currency="IDR",
        )

    def status(self, access: GatewayAccess, order_id: str, reference: str) -> StatusReport:
        base = endpoint(access.endpoints, "api", API)
        body = call(
            "GET",
            f"{base}/transaction/detail?reference={quote(reference)}",
            self._timeout,
            headers=_bearer(access),
        )
        data = body.get("data")
        if body.get("success") is not True or not isinstance(data, dict):
            raise GatewayUnavailable(f"transaction detail failed: {body.get('message')}")
        try:
            status = text(data, "status")
            return StatusReport(claim_of(status), status, order_amount(data), "IDR")
        except CallbackRejected as error:
            raise GatewayUnavailable(f"unreadable transaction: {error.message}") from None

    def create_link(self, access: GatewayAccess, request: LinkRequest) -> CreatedLink:
        merchant = access.credentials["merchant_code"]
        body = call(
            "POST",
            f"{endpoint(access.endpoints, 'api', API)}/transaction/create",
            self._timeout,
            headers=_bearer(access),
            json_body={
                "method": access.endpoints.get("method", DEFAULT_METHOD),
                "merchant_ref": request.order_id,
                "amount": request.amount,
                "customer_name": request.customer_name,
                "customer_email": request.customer_email or "",
                "customer_phone": request.customer_phone or "",
                "order_items": [
                    {"name": request.description, "price": request.amount, "quantity": 1}
                ],
                "callback_url": request.callback_url,
                "expired_time": int(request.expires_at.timestamp()),
                "signature": transaction_signature(
                    merchant, request.order_id, request.amount, access.credentials["private_key"]
                ),
            },
        )
        data = body.get("data")
        if body.get("success") is not True or not isinstance(data, dict):
            raise GatewayRefused(f"Tripay refused the transaction: {body.get('message')}")
        return CreatedLink(str(data.get("reference")), str(data.get("checkout_url")))

    def acknowledgement(self) -> dict[str, object]:
        return {"success": True}


def _bearer(access: GatewayAccess) -> dict[str, str]:
    return {"Authorization": f"Bearer {access.credentials['api_key']}"}
