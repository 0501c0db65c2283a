"""Local fakes of the Cloud API and Fonnte over real HTTP, for tests and demos.

Each records the requests it got, can be told to fail the next N sends, and the Cloud API fake
can post signed status and inbound-message webhooks back, as Meta does.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx

from adapters.messaging.whatsapp.cloud_api import signature_of


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any  # JSON for the Cloud API, form fields for Fonnte


@dataclass
class _State:
    requests: list[Received] = field(default_factory=list)
    failures: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _FakeServer:
    def __init__(self) -> None:
        self.state = _State()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[Received]:
        with self.state.lock:
            return list(self.state.requests)

    def fail_next(self, times: int, status: int = 500, body: dict[str, Any] | None = None) -> None:
        with self.state.lock:
            self.state.failures += [(status, body or {})] * times

    def start(self) -> _FakeServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def next_id(self) -> int:
        return next(self._ids)

    def answer(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # One write per response, without Nagle: headers and body in separate segments
            # would meet the client's delayed ACK and cost 40 ms a request.
            wbufsize = 1 << 16
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, payload = fake.answer(self.path, dict(self.headers.items()), raw)
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    def _take_failure(self) -> tuple[int, dict[str, Any]] | None:
        with self.state.lock:
            return self.state.failures.pop(0) if self.state.failures else None


class FakeCloudApi(_FakeServer):
    """`POST /{phone_number_id}/messages` with `Authorization: Bearer <token>`."""

    def __init__(self, access_token: str = "EAAG-test-token") -> None:  # noqa: S107
        super().__init__()
        self.access_token = access_token

    def answer(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        body = json.loads(raw or b"{}")
        with self.state.lock:
            self.state.requests.append(Received(path, headers, body))
        failure = self._take_failure()
        if failure is not None:
            return failure[0], failure[1] or _meta_error(
                failure[0], "Service temporarily unavailable"
            )
        if headers.get("Authorization") != f"Bearer {self.access_token}":
            return 401, _meta_error(190, "Invalid OAuth access token")
        if not path.endswith("/messages") or body.get("messaging_product") != "whatsapp":
            return 400, _meta_error(100, "Invalid parameter")
        wamid = f"wamid.HBgM{self.next_id():08d}"
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
            "messages": [{"id": wamid}],
        }

    def post_status(
        self,
        webhook_url: str,
        app_secret: str,
        wamid: str,
        status: str,
        recipient: str = "6281234567890",
        error: str | None = None,
    ) -> httpx.Response:
        """Post a signed status webhook as Meta does."""
        entry: dict[str, Any] = {
            "id": wamid,
            "status": status,
            "timestamp": str(int(time.time())),
            "recipient_id": recipient,
        }
        if error:
            entry["errors"] = [{"code": 131026, "title": error, "message": error}]
        return self.post_webhook(webhook_url, app_secret, {"statuses": [entry]})

    def post_inbound(
        self, webhook_url: str, app_secret: str, sender: str, text: str
    ) -> httpx.Response:
        """Post a signed webhook carrying a customer's text message."""
        message = {
            "from": sender,
            "id": f"wamid.IN{self.next_id():08d}",
            "timestamp": str(int(time.time())),
            "type": "text",
            "text": {"body": text},
        }
        value = {"contacts": [{"profile": {"name": "Pelanggan"}, "wa_id": sender}]}
        return self.post_webhook(webhook_url, app_secret, {**value, "messages": [message]})

    def post_webhook(
        self,
        webhook_url: str,
        app_secret: str,
        value: dict[str, Any],
        signature: str | None = None,
    ) -> httpx.Response:
        payload = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "WABA-1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "6281100000000",
                                    "phone_number_id": "1234567890",
                                },
                                **value,
                            },
                        }
                    ],
                }
            ],
        }
        raw = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signature or signature_of(raw, app_secret),
        }
        return httpx.post(webhook_url, content=raw, headers=headers, timeout=10)


def _meta_error(code: int, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code}}


class FakeFonnte(_FakeServer):
    """`POST /send` with `Authorization: <token>` and form fields."""

    def __init__(self, token: str = "fonnte-test-token") -> None:  # noqa: S107
        super().__init__()
        self.token = token

    def answer(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        with self.state.lock:
            self.state.requests.append(Received(path, headers, form))
        failure = self._take_failure()
        if failure is not None:
            return failure[0], failure[1] or {"status": False, "reason": "server busy"}
        if headers.get("Authorization") != self.token:
            return 200, {"status": False, "reason": "invalid token"}
        if path != "/send" or not form.get("target") or not form.get("message"):
            return 200, {"status": False, "reason": "target and message are required"}
        return 200, {
            "status": True,
            "detail": "success! message in queue",
            "id": [str(80_000_000 + self.next_id())],
            "process": "pending",
            "target": [form["target"]],
        }
