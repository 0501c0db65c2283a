"""Security headers on what Niaga serves.

Every response says `X-Content-Type-Options: nosniff`. Every HTML page (GraphiQL, the voucher
shop, the API reference) also gets a strict Content-Security-Policy, `X-Frame-Options: DENY`
and `Referrer-Policy: no-referrer`, and in production `Strict-Transport-Security`.

The policy allows scripts and styles from Niaga itself and, inline, exactly the `<script>` and
`<style>` blocks the page carries, by their SHA-256 hashes, computed from the page as it goes
out: no `'unsafe-inline'`, and a page that changes cannot fall out of step with its policy. The
API reference pages FastAPI serves (`/docs`, `/redoc`) load Swagger UI and ReDoc from their CDN,
which their policy names; nothing else may load from outside.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000; includeSubDomains"
_ALWAYS = [(b"x-content-type-options", b"nosniff")]
_ON_PAGES = [
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
# Inline blocks: a <script> without `src`, and every <style>.
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.I)
_INLINE_STYLE = re.compile(rb"<style[^>]*>(.*?)</style>", re.DOTALL | re.I)
# The API reference pages and the CDN their scripts, styles and icons come from.
_REFERENCE_PAGES = ("/docs", "/redoc")
_REFERENCE_SOURCES = "https://cdn.jsdelivr.net"
_REFERENCE_IMAGES = "https://fastapi.tiangolo.com https://cdn.redoc.ly"


def content_security_policy(page: bytes, *, outside: str = "", images: str = "") -> str:
    """The policy for this page: its own inline blocks by hash, and `outside` sources if any."""
    scripts = _sources("'self'", outside, *_hashes(_INLINE_SCRIPT.findall(page)))
    styles = _sources("'self'", outside, *_hashes(_INLINE_STYLE.findall(page)))
    pictures = _sources("'self'", "data:", images)
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {scripts}",
            f"style-src {styles}",
            f"img-src {pictures}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )


class SecurityHeaders:
    """ASGI middleware: the headers above. An HTML response is held until its body is complete
    (pages are small) so that its policy can name its inline blocks."""

    def __init__(self, app: ASGIApp, *, production: bool) -> None:
        self._app = app
        self._production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        page = _Page(scope["path"], send, self._production)
        await self._app(scope, receive, page.send)


class _Page:
    def __init__(self, path: str, send: Send, production: bool) -> None:
        self._path = path
        self._send = send
        self._production = production
        self._start: Message | None = None
        self._body: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", []), *_ALWAYS]
            if _is_html(headers):
                self._start = {**message, "headers": headers}  # held for the body
                return
            await self._send({**message, "headers": headers})
        elif message["type"] == "http.response.body" and self._start is not None:
            self._body.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._send_page(self._start)
        else:
            await self._send(message)

    async def _send_page(self, start: Message) -> None:
        body = b"".join(self._body)
        reference = self._path in _REFERENCE_PAGES
        policy = content_security_policy(
            body,
            outside=_REFERENCE_SOURCES if reference else "",
            images=_REFERENCE_IMAGES if reference else "",
        )
        headers = [
            *start["headers"],
            *_ON_PAGES,
            (b"content-security-policy", policy.encode()),
        ]
        if self._production:
            headers.append((b"strict-transport-security", HSTS.encode()))
        await self._send({**start, "headers": headers})
        await self._send({"type": "http.response.body", "body": body})


def _is_html(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    return any(
        name.lower() == b"content-type" and value.lower().startswith(b"text/html")
        for name, value in headers
    )


def _hashes(blocks: Iterable[bytes]) -> list[str]:
    return sorted({_sha256_source(block) for block in blocks})


def _sha256_source(block: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(block).digest()).decode()}'"


def _sources(*sources: str) -> str:
    return " ".join(s for s in sources if s)
