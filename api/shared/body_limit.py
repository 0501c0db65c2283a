"""A bound on request bodies at one path, checked before anything reads them.

A body over the bound is answered 413 with a JSON error and never parsed: a declared
`Content-Length` over the bound is refused at once, and a body sent without one is read only up
to the bound. The body is held in memory, so the bound must stay small (GraphQL documents and
their variables are a few kilobytes).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE = "PAYLOAD_TOO_LARGE"


class BodyLimit:
    """ASGI middleware: POSTs to `path` may carry at most `max_bytes`; a multipart one (a file
    upload, GraphQL's multipart request spec) at most `multipart_max_bytes` when given."""

    def __init__(
        self, app: ASGIApp, *, path: str, max_bytes: int, multipart_max_bytes: int | None = None
    ) -> None:
        self._app = app
        self._path = path
        self._max_bytes = max_bytes
        self._multipart_max_bytes = multipart_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_post_to(scope, self._path):
            await self._app(scope, receive, send)
            return
        bound = self._bound(scope)
        if _declared_length(scope) > bound:
            await self._refuse(send, bound)
            return
        body = await _read_up_to(receive, bound)
        if body is None:
            await self._refuse(send, bound)
            return
        await self._app(scope, _replay(body, receive), send)

    def _bound(self, scope: Scope) -> int:
        if self._multipart_max_bytes is not None and _is_multipart(scope):
            return self._multipart_max_bytes
        return self._max_bytes

    async def _refuse(self, send: Send, bound: int) -> None:
        message = f"the request body is larger than {bound} bytes"
        payload = {
            "data": None,
            "errors": [{"message": message, "extensions": {"code": TOO_LARGE}}],
        }
        body = json.dumps(payload).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _is_post_to(scope: Scope, path: str) -> bool:
    return bool(
        scope["type"] == "http" and scope["method"] == "POST" and scope["path"].rstrip("/") == path
    )


def _is_multipart(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return bool(value.lower().startswith(b"multipart/form-data"))
    return False


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


async def _read_up_to(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it grows past `limit`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, then: Receive) -> Receive:
    """The body read, in one message; afterwards the client's own messages (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await then()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
