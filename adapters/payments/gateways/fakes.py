"""Local fake servers of Midtrans, Xendit, Tripay and Duitku speaking their documented HTTP
contracts (link creation, status API), and the callbacks each sends, signed by the vendor's
formula. Signatures here are computed from the vendors' documentation on their own, not with
the adapters' functions, so a wrong formula on either side shows up.

Each fake keeps its payments in memory; `pay`, `expire` and `down` set what its status API says.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx


@dataclass
class FakePayment:
    order_id: str
    reference: str
    amount: int
    status: str  # the vendor's own word
    paid_amount: int | None = None


@dataclass(frozen=True)
class SignedCallback:
    headers: dict[str, str]
    body: bytes

    def send(self, url: str) -> httpx.Response:
        return httpx.post(url, content=self.body, headers=self.headers, timeout=10)


@dataclass
class Reply:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


class FakeGateway:
    """A threaded HTTP server; subclasses answer `route(method, path, query, headers, body)`."""

    def __init__(self) -> None:
        self.payments: dict[str, FakePayment] = {}
        self.requests: list[tuple[str, str]] = []
        self.down = False  # answer 503 to everything, as a gateway in an outage does
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeGateway:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                fake.requests.append((self.command, parts.path))
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = (
                    Reply(503, {"message": "service unavailable"})
                    if fake.down
                    else fake.route(self.command, parts.path, parse_qs(parts.query), headers, body)
                )
                data = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> Reply:
        raise NotImplementedError

    def payment(self, order_id: str) -> FakePayment:
        return self.payments[order_id]

    # The vendor's words for a paid and an expired payment.
    PAID = "PAID"
    EXPIRED = "EXPIRED"

    def pay(self, order_id: str, paid_amount: int | None = None) -> None:
        """The customer paid (`paid_amount` if it differs from what was asked)."""
        self.payments[order_id].status = self.PAID
        self.payments[order_id].paid_amount = paid_amount

    def expire(self, order_id: str) -> None:
        self.payments[order_id].status = self.EXPIRED

    def only_order(self) -> str:
        """The order id of the one payment this fake holds."""
        (order_id,) = self.payments
        return order_id


def _basic_user(headers: dict[str, str]) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    return base64.b64decode(token).decode().partition(":")[0]


class FakeMidtrans(FakeGateway):
    """Snap at {url}/snap/v1, the core API (status) at {url}."""

    PAID = "settlement"
    EXPIRED = "expire"

    def __init__(self, server_key: str) -> None:
        super().__init__()
        self.server_key = server_key
        self.notification_urls: list[str] = []

    def route(self, method: str, path: str, query: Any, headers: Any, body: bytes) -> Reply:
        if _basic_user(headers) != self.server_key:
            return Reply(401, {"error_messages": ["Access denied due to unauthorized"]})
        if method == "POST" and path == "/snap/v1/transactions":
            details = json.loads(body)["transaction_details"]
            order_id, token = details["order_id"], uuid.uuid4().hex
            self.payments[order_id] = FakePayment(
                order_id, uuid.uuid4().hex, int(details["gross_amount"]), "pending"
            )
            self.notification_urls.append(headers.get("x-override-notification", ""))
            return Reply(201, {"token": token, "redirect_url": f"{self.url}/snap/v2/{token}"})
        if method == "GET" and path.startswith("/v2/") and path.endswith("/status"):
            found = self.payments.get(path.split("/")[2])
            if found is None:
                return Reply(200, {"status_code": "404", "status_message": "not found"})
            return Reply(200, self._notification_body(found, found.status))
        return Reply(404, {"status_message": "no such endpoint"})

    def _notification_body(self, payment: FakePayment, status: str) -> dict[str, Any]:
        code = {"settlement": "200", "capture": "200", "pending": "201"}.get(status, "407")
        gross = f"{payment.paid_amount or payment.amount}.00"
        signature = hashlib.sha512(
            (payment.order_id + code + gross + self.server_key).encode()
        ).hexdigest()
        return {
            "transaction_time": "2026-01-05 10:00:00",
            "transaction_status": status,
            "transaction_id": payment.reference,
            "status_code": code,
            "signature_key": signature,
            "payment_type": "qris",
            "order_id": payment.order_id,
            "gross_amount": gross,
            "fraud_status": "accept",
            "currency": "IDR",
        }

    def notification(self, order_id: str, status: str = "settlement") -> SignedCallback:
        body = self._notification_body(self.payment(order_id), status)
        return SignedCallback({"content-type": "application/json"}, json.dumps(body).encode())


class FakeXendit(FakeGateway):
    def __init__(self, secret_key: str, callback_token: str) -> None:
        super().__init__()
        self.secret_key = secret_key
        self.callback_token = callback_token

    def route(self, method: str, path: str, query: Any, headers: Any, body: bytes) -> Reply:
        if _basic_user(headers) != self.secret_key:
            return Reply(401, {"error_code": "INVALID_API_KEY", "message": "invalid key"})
        if method == "POST" and path == "/v2/invoices":
            sent = json.loads(body)
            invoice_id = uuid.uuid4().hex[:24]
            payment = FakePayment(sent["external_id"], invoice_id, int(sent["amount"]), "PENDING")
            self.payments[sent["external_id"]] = payment
            return Reply(
                200, {**self._invoice(payment), "invoice_url": f"{self.url}/i/{invoice_id}"}
            )
        if method == "GET" and path.startswith("/v2/invoices/"):
            wanted = path.rsplit("/", 1)[1]
            for payment in self.payments.values():
                if payment.reference == wanted:
                    return Reply(200, self._invoice(payment))
            return Reply(404, {"error_code": "INVOICE_NOT_FOUND_ERROR", "message": "not found"})
        return Reply(404, {"message": "no such endpoint"})

    def _invoice(self, payment: FakePayment) -> dict[str, Any]:
        paid = payment.status in {"PAID", "SETTLED"}
        return {
            "id": payment.reference,
            "external_id": payment.order_id,
            "status": payment.status,
            "amount": payment.amount,
            "paid_amount": (payment.paid_amount or payment.amount) if paid else None,
            "currency": "IDR",
            "payment_method": "BANK_TRANSFER",
            "paid_at": "2026-01-05T03:00:00.000Z" if paid else None,
        }

    def notification(
        self, order_id: str, status: str = "PAID", token: str | None = None
    ) -> SignedCallback:
        body = {k: v for k, v in self._invoice(self.payment(order_id)).items() if v is not None}
        body["status"] = status
        if status == "PAID":
            body.setdefault(
                "paid_amount", self.payment(order_id).paid_amount or self.payment(order_id).amount
            )
        headers = {
            "content-type": "application/json",
            "x-callback-token": self.callback_token if token is None else token,
        }
        return SignedCallback(headers, json.dumps(body).encode())


class FakeTripay(FakeGateway):
    def __init__(self, api_key: str, private_key: str, merchant_code: str) -> None:
        super().__init__()
        self.api_key = api_key
        self.private_key = private_key
        self.merchant_code = merchant_code

    def route(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any, body: bytes
    ) -> Reply:
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return Reply(401, {"success": False, "message": "Invalid API key"})
        if method == "POST" and path == "/transaction/create":
            return self._create(json.loads(body))
        if method == "GET" and path == "/transaction/detail":
            wanted = query.get("reference", [""])[0]
            for payment in self.payments.values():
                if payment.reference == wanted:
                    return Reply(200, {"success": True, "message": "", "data": self._data(payment)})
            return Reply(404, {"success": False, "message": "Transaction not found"})
        return Reply(404, {"success": False, "message": "no such endpoint"})

    def _create(self, sent: dict[str, Any]) -> Reply:
        message = f"{self.merchant_code}{sent['merchant_ref']}{sent['amount']}".encode()
        expected = hmac.new(self.private_key.encode(), message, hashlib.sha256).hexdigest()
        if sent.get("signature") != expected:
            return Reply(400, {"success": False, "message": "Invalid signature"})
        reference = f"T{uuid.uuid4().int % 10**15:015d}"
        payment = FakePayment(sent["merchant_ref"], reference, int(sent["amount"]), "UNPAID")
        self.payments[sent["merchant_ref"]] = payment
        data = {**self._data(payment), "checkout_url": f"{self.url}/checkout/{reference}"}
        return Reply(200, {"success": True, "message": "", "data": data})

    def _data(self, payment: FakePayment) -> dict[str, Any]:
        amount = payment.paid_amount or payment.amount
        return {
            "reference": payment.reference,
            "merchant_ref": payment.order_id,
            "status": payment.status,
            "amount": amount,
            "fee_merchant": 750,
            "fee_customer": 0,
            "total_fee": 750,
            "amount_received": amount - 750,
        }

    def notification(
        self, order_id: str, status: str = "PAID", key: str | None = None
    ) -> SignedCallback:
        payment = self.payment(order_id)
        amount = payment.paid_amount or payment.amount
        body = json.dumps(
            {
                "reference": payment.reference,
                "merchant_ref": payment.order_id,
                "payment_method": "QRIS",
                "payment_method_code": "QRIS",
                "total_amount": amount,
                "fee_merchant": 750,
                "fee_customer": 0,
                "total_fee": 750,
                "amount_received": amount - 750,
                "is_closed_payment": 1,
                "status": status,
                "paid_at": 1767582000,
                "note": None,
            }
        ).encode()
        signature = hmac.new((key or self.private_key).encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "content-type": "application/json",
            "x-callback-signature": signature,
            "x-callback-event": "payment_status",
        }
        return SignedCallback(headers, body)


class FakeDuitku(FakeGateway):
    PAID = "00"
    EXPIRED = "02"

    def __init__(self, merchant_code: str, api_key: str) -> None:
        super().__init__()
        self.merchant_code = merchant_code
        self.api_key = api_key

    def _md5(self, text: str) -> str:
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

    def route(self, method: str, path: str, query: Any, headers: Any, body: bytes) -> Reply:
        sent = json.loads(body or b"{}")
        if method == "POST" and path == "/v2/inquiry":
            signed = f"{sent['merchantCode']}{sent['merchantOrderId']}{sent['paymentAmount']}"
            if sent.get("signature") != self._md5(signed + self.api_key):
                return Reply(401, {"Message": "Wrong signature"})
            reference = f"D{uuid.uuid4().hex[:12].upper()}"
            order = sent["merchantOrderId"]
            self.payments[order] = FakePayment(order, reference, int(sent["paymentAmount"]), "01")
            return Reply(
                200,
                {
                    "merchantCode": self.merchant_code,
                    "reference": reference,
                    "paymentUrl": f"{self.url}/pay/{reference}",
                    "amount": str(sent["paymentAmount"]),
                    "statusCode": "00",
                    "statusMessage": "SUCCESS",
                },
            )
        if method == "POST" and path == "/transactionStatus":
            order = sent.get("merchantOrderId", "")
            if sent.get("signature") != self._md5(f"{self.merchant_code}{order}{self.api_key}"):
                return Reply(401, {"Message": "Wrong signature"})
            found = self.payments.get(order)
            if found is None:
                return Reply(400, {"Message": "Transaction not found"})
            return Reply(
                200,
                {
                    "merchantOrderId": order,
                    "reference": found.reference,
                    "amount": str(found.paid_amount or found.amount),
                    "statusCode": found.status,
                    "statusMessage": {"00": "SUCCESS", "01": "PROCESS"}.get(found.status, "FAILED"),
                },
            )
        return Reply(404, {"Message": "no such endpoint"})

    def notification(
        self, order_id: str, result_code: str = "00", key: str | None = None
    ) -> SignedCallback:
        payment = self.payment(order_id)
        amount = str(payment.paid_amount or payment.amount)
        signature = self._md5(f"{self.merchant_code}{amount}{order_id}{key or self.api_key}")
        fields = {
            "merchantCode": self.merchant_code,
            "amount": amount,
            "merchantOrderId": order_id,
            "productDetail": "Tagihan internet",
            "paymentCode": "SP",
            "resultCode": result_code,
            "reference": payment.reference,
            "signature": signature,
        }
        headers = {"content-type": "application/x-www-form-urlencoded"}
        return SignedCallback(headers, urlencode(fields).encode())
