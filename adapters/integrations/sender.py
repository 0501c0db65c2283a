"""Sending webhooks over HTTP with httpx: signed at the moment of sending (the timestamp a
receiver checks is the real one), concurrently, with keep-alive connections per receiver."""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import httpx

from adapters.shared.http import tls
from application.integrations.ports import OutgoingWebhook, WebhookResponse
from application.integrations.webhook_signing import headers
from domain.integrations.webhook_delivery import EXCERPT_LENGTH

USER_AGENT = "Niaga-Webhooks/1"


class HttpWebhookSender:
    """Implements WebhookSender. Redirects are not followed: a receiver answers where it is."""

    def __init__(self, timeout: float = 10.0, concurrency: int = 16) -> None:
        self._client = httpx.Client(
            timeout=timeout,
            verify=tls(),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            headers={"user-agent": USER_AGENT, "content-type": "application/json"},
        )
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="webhook-send")

    def send(self, messages: Sequence[OutgoingWebhook]) -> list[WebhookResponse]:
        if len(messages) == 1:
            return [self._post(messages[0])]
        return list(self._pool.map(self._post, messages))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._client.close()

    def _post(self, message: OutgoingWebhook) -> WebhookResponse:
        signed = headers(message.secrets, message.message_id, int(time.time()), message.body)
        started = time.perf_counter()
        try:
            response = self._client.post(message.url, content=message.body, headers=signed)
        except httpx.HTTPError as error:
            return WebhookResponse(
                message.delivery_id, None, _ms(started), "", f"{type(error).__name__}: {error}"
            )
        return WebhookResponse(
            message.delivery_id,
            response.status_code,
            _ms(started),
            response.text[:EXCERPT_LENGTH],
            None,
        )


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


class SocketResolver:
    """Implements HostResolver with the system resolver."""

    def addresses(self, host: str) -> list[str]:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError):
            return []
        return sorted({str(info[4][0]) for info in infos})
