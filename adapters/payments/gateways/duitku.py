"""Duitku: inquiry links, transactionStatus, and form-encoded callbacks signed with MD5.

Callback signature = md5(merchantCode + amount + merchantOrderId + apiKey); resultCode "00" is
paid, anything else is not. Inquiry signs merchantCode + merchantOrderId + paymentAmount +
apiKey; transactionStatus signs merchantCode + merchantOrderId + apiKey.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl

from adapters.payments.gateways.common import call, endpoint, text, whole_amount
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

API = "https://sandbox.duitku.com/webapi/api/merchant"
DEFAULT_METHOD = "SP"


def _md5(text_: str) -> str:
    return hashlib.md5(text_.encode(), usedforsecurity=False).hexdigest()


def callback_signature(merchant_code: str, amount: str, order_id: str, api_key: str) -> str:
    return _md5(f"{merchant_code}{amount}{order_id}{api_key}")


def inquiry_signature(merchant_code: str, order_id: str, amount: int, api_key: str) -> str:
    return _md5(f"{merchant_code}{order_id}{amount}{api_key}")


def status_signature(merchant_code: str, order_id: str, api_key: str) -> str:
    return _md5(f"{merchant_code}{order_id}{api_key}")


def form(body: bytes) -> dict[str, str]:
    """The form fields; CallbackRejected (400) for a body that is not a urlencoded form."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError) as error:
        raise CallbackRejected(f"malformed form: {error}", 400) from None
    return dict(pairs)


class Duitku:
    gateway = Gateway.DUITKU

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout

    def verify(self, raw: RawCallback, access: GatewayAccess) -> Notification:
        fields = form(raw.body)
        given = fields.get("signature", "")
        if not given:
            raise CallbackRejected("missing signature", 401)
        merchant, amount, order_id = (
            text(fields, k) for k in ("merchantCode", "amount", "merchantOrderId")
        )
        key, own = access.credentials["api_key"], access.credentials["merchant_code"]
        expected = callback_signature(merchant, amount, order_id, key)
        if not hmac.compare_digest(expected.encode(), given.lower().encode()):
            raise CallbackRejected("signature does not match", 401)
        if not hmac.compare_digest(merchant.encode(), own.encode()):
            raise CallbackRejected("merchantCode is not this account's", 401)
        result = text(fields, "resultCode")
        return Notification(
            order_id=order_id,
            reference=text(fields, "reference"),
            dedupe_key=text(fields, "reference"),
            claim=Claim.PAID if result == "00" else Claim.FAILED,
            raw_status=f"resultCode {result}",
            amount=whole_amount(amount, "amount"),
            currency="IDR",
        )

    def status(self, access: GatewayAccess, order_id: str, reference: str) -> StatusReport:
        merchant, key = access.credentials["merchant_code"], access.credentials["api_key"]
        body = call(
            "POST",
            f"{endpoint(access.endpoints, 'api', API)}/transactionStatus",
            self._timeout,
            json_body={
                "merchantCode": merchant,
                "merchantOrderId": order_id,
                "signature": status_signature(merchant, order_id, key),
            },
        )
        code = str(body.get("statusCode", ""))
        claim = {"00": Claim.PAID, "01": Claim.PENDING}.get(code, Claim.FAILED)
        try:
            amount = whole_amount(body.get("amount"), "amount")
        except CallbackRejected as error:
            raise GatewayUnavailable(f"unreadable status: {error.message}") from None
        return StatusReport(claim, f"statusCode {code}", amount, "IDR")

    def create_link(self, access: GatewayAccess, request: LinkRequest) -> CreatedLink:
        merchant, key = access.credentials["merchant_code"], access.credentials["api_key"]
        body = call(
            "POST",
            f"{endpoint(access.endpoints, 'api', API)}/v2/inquiry",
            self._timeout,
            json_body={
                "merchantCode": merchant,
                "paymentAmount": request.amount,
                "paymentMethod": access.endpoints.get("method", DEFAULT_METHOD),
                "merchantOrderId": request.order_id,
                "productDetails": request.description,
                "email": request.customer_email or "",
                "phoneNumber": request.customer_phone or "",
                "customerVaName": request.customer_name,
                "callbackUrl": request.callback_url,
                "returnUrl": request.callback_url,
                "expiryPeriod": request.minutes,
                "signature": inquiry_signature(merchant, request.order_id, request.amount, key),
            },
        )
        if str(body.get("statusCode")) != "00":
            raise GatewayRefused(f"Duitku refused the inquiry: {body.get('statusMessage')}")
        return CreatedLink(text(body, "reference"), text(body, "paymentUrl"))

    def acknowledgement(self) -> dict[str, object]:
        return {"status": "ok"}
