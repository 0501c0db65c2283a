"""What the gateway adapters share: strict parsing of callbacks and one way to call an API."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from adapters.shared.http import tls
from application.payments.ports import CallbackRejected, GatewayRefused, GatewayUnavailable


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; CallbackRejected (400) if it is not one."""
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise CallbackRejected(f"malformed JSON: {error}", 400) from None
    if not isinstance(parsed, dict):
        raise CallbackRejected("malformed JSON: expected an object", 400)
    return parsed


def text(body: dict[str, Any], name: str) -> str:
    """A required field as the string it was sent as (numbers as JSON wrote them)."""
    value = body.get(name)
    if value is None or value == "" or isinstance(value, dict | list | bool):
        raise CallbackRejected(f"missing or malformed field {name!r}", 400)
    return str(value)


def whole_amount(raw: object, name: str) -> int:
    """An amount in whole rupiah: 24145, "24145" or "24145.00"; fractions are refused."""
    if isinstance(raw, bool) or raw is None:
        raise CallbackRejected(f"missing or malformed amount {name!r}", 400)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise CallbackRejected(f"malformed amount {name!r}: {raw!r}", 400) from None
    if not value.is_finite() or value != value.to_integral_value():
        raise CallbackRejected(f"amount {name!r} is not a whole number: {raw!r}", 400)
    return int(value)


def require_header(headers: dict[str, str], name: str) -> str:
    value = headers.get(name, "").strip()
    if not value:
        raise CallbackRejected(f"missing {name} header", 401)
    return value


def call(
    method: str,
    url: str,
    timeout: float,
    *,
    auth: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
    json_body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One API call: GatewayUnavailable when the gateway is down or answers 5xx/429 or
    garbage (worth retrying), GatewayRefused for its 4xx refusals."""
    try:
        response = httpx.request(
            method, url, auth=auth, headers=headers, json=json_body, timeout=timeout, verify=tls()
        )
    except httpx.HTTPError as error:
        raise GatewayUnavailable(f"{method} {url}: {error!r}") from None
    if response.status_code >= 500 or response.status_code == 429:
        raise GatewayUnavailable(f"{method} {url} answered {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise GatewayUnavailable(f"{method} {url} answered no JSON") from None
    if not isinstance(body, dict):
        raise GatewayUnavailable(f"{method} {url} answered no JSON object")
    if response.status_code >= 400:
        message = body.get("message") or body.get("error_messages") or body.get("Message")
        raise GatewayRefused(f"the gateway refused ({response.status_code}): {message}")
    return body


def endpoint(endpoints: dict[str, str], name: str, default: str) -> str:
    return endpoints.get(name, default).rstrip("/")
