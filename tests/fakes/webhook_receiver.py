"""A webhook receiver on a real socket: records every request and answers with a scripted
status (fail the first N, then succeed), as an integrator's server would."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from tests.fakes.local_http import LocalHttpServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    def __init__(self, fail_first: int = 0, failure_status: int = 500) -> None:
        self.fail_first = fail_first
        self.failure_status = failure_status
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                status = receiver._record(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                reply = b"ok" if status < 300 else b"receiver is failing"
                self.send_response(status)
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *_: object) -> None:
                pass

        self._http = LocalHttpServer(Handler, "/hooks")

    @property
    def url(self) -> str:
        return self._http.url

    def start(self) -> WebhookReceiver:
        self._http.start_serving()
        return self

    def stop(self) -> None:
        self._http.stop()

    def _record(self, request: Received) -> int:
        with self._lock:
            self.received.append(request)
            return self.failure_status if len(self.received) <= self.fail_first else 200
