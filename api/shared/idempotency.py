"""`Idempotency-Key` on GraphQL mutations: a retry of a mutation gets the first answer, byte for
byte, and records nothing new (for 24 hours). Queries and requests without the header pass
through untouched.

The key belongs to the caller that sent it (the credential in `Authorization`), so two callers'
keys never meet. An answer with a 5xx status is not kept: the attempt may not have run, so a retry
runs it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from graphql import OperationType, parse
from graphql.error import GraphQLSyntaxError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.shared.idempotency import IdempotentMutations
from domain.shared.errors import DomainError

HEADER = b"idempotency-key"


class IdempotentGraphQL:
    """ASGI middleware in front of `/graphql`."""

    def __init__(self, app: ASGIApp, mutations: IdempotentMutations, path: str = "/graphql"):
        self._app = app
        self._mutations = mutations
        self._path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, HEADER) if _is_post_to(scope, self._path) else None
        if key is None:
            await self._app(scope, receive, send)
            return
        body = await _read_body(receive)
        request = _mutation_request(body)
        if request is None:  # a query, or not JSON: nothing to make idempotent
            await self._app(scope, _replay_body(body), send)
            return
        await self._run_once(scope, body, request, key.decode("latin-1"), send)

    async def _run_once(
        self, scope: Scope, body: bytes, request: dict[str, Any], key: str, send: Send
    ) -> None:
        caller = hashlib.sha256(_header(scope, b"authorization") or b"").hexdigest()
        try:
            replay = await run_in_threadpool(self._mutations.begin, caller, key, request)
        except DomainError as refused:
            status = 400 if refused.code == "INVALID_VALUE" else 409
            await _answer(send, status, _error(refused), replayed=False)
            return
        if replay is not None:
            stored = replay.response
            await _answer(send, stored["status"], stored["body"], replayed=True)
            return
        captured = _Captured(send)
        try:
            await self._app(scope, _replay_body(body), captured)
        except BaseException:
            await run_in_threadpool(self._mutations.abandon, caller, key)
            raise
        if captured.status >= 500 or captured.body_json is None:
            await run_in_threadpool(self._mutations.abandon, caller, key)
        else:
            outcome = {"status": captured.status, "body": captured.body_json}
            await run_in_threadpool(self._mutations.finish, caller, key, outcome)


class _Captured:
    """Passes the response on to the client while keeping a copy of its status and body."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500
        self._chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        elif message["type"] == "http.response.body":
            self._chunks.append(message.get("body", b""))
        await self._send(message)

    @property
    def body_json(self) -> Any:
        try:
            return json.loads(b"".join(self._chunks))
        except ValueError:
            return None


def _mutation_request(body: bytes) -> dict[str, Any] | None:
    try:
        request = json.loads(body)
        document = parse(str(request["query"]))
    except (ValueError, TypeError, KeyError, GraphQLSyntaxError):
        return None
    name = request.get("operationName")
    for definition in document.definitions:
        operation = getattr(definition, "operation", None)
        if operation is None:
            continue
        named = getattr(getattr(definition, "name", None), "value", None)
        if name in (None, named):
            if operation is OperationType.MUTATION:
                return {k: request.get(k) for k in ("query", "variables", "operationName")}
            return None
    return None


def _is_post_to(scope: Scope, path: str) -> bool:
    return bool(
        scope["type"] == "http" and scope["method"] == "POST" and scope["path"].rstrip("/") == path
    )


def _header(scope: Scope, name: bytes) -> bytes | None:
    for header, value in scope.get("headers", []):
        if header == name:
            return bytes(value)
    return None


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay_body(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _error(refused: DomainError) -> dict[str, Any]:
    extensions = {"code": refused.code, "field": refused.field}
    return {"data": None, "errors": [{"message": refused.message, "extensions": extensions}]}


async def _answer(send: Send, status: int, body: Any, *, replayed: bool) -> None:
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
