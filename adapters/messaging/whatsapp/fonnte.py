"""Fonnte: `POST /send` with the device token in `Authorization` and form fields `target`,
`message`, `countryCode`. It answers 200 with `"status": false` and a `reason` when it refuses."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.shared.http import tls
from application.messaging.ports import (
    ChannelAccess,
    Outgoing,
    ProviderRejected,
    ProviderUnavailable,
)


class FonnteProvider:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self._base_url = base_url.rstrip("/")
        # One pooled client: connections (and TLS sessions) are reused across sends and threads.
        self._http = httpx.Client(timeout=timeout, verify=tls())

    def send(self, channel: ChannelAccess, message: Outgoing) -> str:
        form = {"target": message.to, "message": message.text, "countryCode": "62"}
        headers = {"Authorization": channel.credentials["token"]}
        try:
            response = self._http.post(f"{self._base_url}/send", data=form, headers=headers)
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"Fonnte unreachable: {error}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise ProviderUnavailable(f"Fonnte answered HTTP {response.status_code}")
        payload = _json(response)
        if response.status_code >= 400 or not payload.get("status"):
            raise ProviderRejected(str(payload.get("reason") or f"HTTP {response.status_code}"))
        ids = payload.get("id")
        return str(ids[0] if isinstance(ids, list) and ids else ids)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
