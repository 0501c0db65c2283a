"""Every HTML page Niaga serves carries a strict Content-Security-Policy that names exactly its
inline blocks, refuses framing and sniffing; HSTS only in production."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from api.shared.security_headers import HSTS, SecurityHeaders


class _InlineBlocks(HTMLParser):
    """The text of each inline <script> (no src) and <style>, as the browser hashes it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._into: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not any(name == "src" for name, _ in attrs):
            self._into = self.scripts
        elif tag == "style":
            self._into = self.styles
        if self._into is not None:
            self._into.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._into = None

    def handle_data(self, data: str) -> None:
        if self._into is not None:
            self._into[-1] += data


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {name: sources for name, *sources in parts}


def _sha256(text: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


def _assert_strict_page(response: httpx.Response) -> dict[str, list[str]]:
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in response.headers  # not in production
    policy = _directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    blocks = _InlineBlocks()
    blocks.feed(response.text)
    for script in blocks.scripts:
        assert _sha256(script) in policy["script-src"]
    for style in blocks.styles:
        assert _sha256(style) in policy["style-src"]
    return policy


def test_graphiql_names_its_inline_blocks_and_nothing_from_outside(server: str) -> None:
    page = httpx.get(f"{server}/graphql", headers={"accept": "text/html"}, timeout=10)
    assert page.status_code == 200
    policy = _assert_strict_page(page)
    assert len(policy["script-src"]) >= 2, "the page's inline script is named by its hash"
    assert all(s == "'self'" or s.startswith("'sha256-") for s in policy["script-src"])


def test_the_voucher_shop_page_is_as_strict(server: str) -> None:
    page = httpx.get(f"{server}/buy", params={"agent": "TIDAK-ADA"}, timeout=10)
    assert page.status_code == 404  # a shop code nobody has: still a page, still strict
    policy = _assert_strict_page(page)
    assert policy["form-action"] == ["'self'"]


def test_the_api_reference_may_load_only_its_own_cdn(server: str) -> None:
    page = httpx.get(f"{server}/docs", timeout=10)
    policy = _assert_strict_page(page)
    outside = {s for s in policy["script-src"] if s.startswith("https://")}
    assert outside == {"https://cdn.jsdelivr.net"}


def test_an_api_answer_is_not_sniffed_and_needs_no_page_policy(server: str) -> None:
    answer = httpx.get(f"{server}/healthz", timeout=10)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in answer.headers


@pytest.mark.parametrize("production", [True, False])
def test_hsts_is_sent_in_production_only(production: bool) -> None:
    async def page(_: object) -> HTMLResponse:
        return HTMLResponse("<p>Halo</p>")

    async def answer(_: object) -> JSONResponse:
        return JSONResponse({"ok": True})

    app = SecurityHeaders(
        Starlette(routes=[Route("/page", page), Route("/answer", answer)]), production=production
    )
    with TestClient(app) as client:
        shown, answered = client.get("/page"), client.get("/answer")
    assert shown.text == "<p>Halo</p>"
    assert shown.headers.get("strict-transport-security") == (HSTS if production else None)
    assert "strict-transport-security" not in answered.headers
