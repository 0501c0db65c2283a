"""Meta's WhatsApp Cloud API: `POST /{phone_number_id}/messages` with a bearer token, and the
webhook's signature (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx

from adapters.shared.http import tls
from application.messaging.ports import (
    ChannelAccess,
    Outgoing,
    ProviderRejected,
    ProviderUnavailable,
)


def signature_of(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    """Constant-time comparison of the header with the signature the body should carry."""
    if not header or not app_secret:
        return False
    return hmac.compare_digest(header.encode(), signature_of(body, app_secret).encode())


def message_body(message: Outgoing) -> dict[str, Any]:
    body: dict[str, Any] = {"messaging_product": "whatsapp", "to": message.to}
    if message.meta_template:
        parameters = [{"type": "text", "text": p} for p in message.parameters]
        template: dict[str, Any] = {
            "name": message.meta_template,
            "language": {"code": message.language},
        }
        if parameters:
            template["components"] = [{"type": "body", "parameters": parameters}]
        body.update(type="template", template=template)
    else:
        body.update(type="text", text={"preview_url": False, "body": message.text})
    return body


class CloudApiProvider:
    """Sends through the Cloud API at `base_url` (e.g. https://graph.facebook.com/v21.0)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self._base_url = base_url.rstrip("/")
        # One pooled client: connections (and TLS sessions) are reused across sends and threads.
        self._http = httpx.Client(timeout=timeout, verify=tls())

    def send(self, channel: ChannelAccess, message: Outgoing) -> str:
        url = f"{self._base_url}/{channel.sender}/messages"
        headers = {"Authorization": f"Bearer {channel.credentials['access_token']}"}
        try:
            response = self._http.post(url, json=message_body(message), headers=headers)
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"Cloud API unreachable: {error}") from error
        payload = _json(response)
        if response.status_code == 429 or response.status_code >= 500:
            raise ProviderUnavailable(_error_text(response.status_code, payload))
        if response.status_code >= 400:
            raise ProviderRejected(_error_text(response.status_code, payload))
        try:
            return str(payload["messages"][0]["id"])
        except (KeyError, IndexError, TypeError) as error:
            raise ProviderUnavailable("Cloud API answered without a message id") from error


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {}


def _error_text(status: int, payload: Any) -> str:
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        return f"{status} {error.get('code', '')}: {error.get('message', '')}".strip()
    return f"HTTP {status}"
