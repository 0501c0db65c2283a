"""Outbound webhooks: a tenant's endpoints (deliveries: `domain.integrations.webhook_delivery`).

An endpoint keeps its signing secrets sealed (encrypted with the platform key). A rotated-out
secret keeps signing beside the new one until its overlap ends, so receivers can switch over
without dropping a message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import DomainError, InvalidValue

MAX_URL_LENGTH = 2000


class WebhookRefused(DomainError):
    code = "WEBHOOK_REFUSED"


def endpoint_url(raw: str) -> str:
    """An absolute http(s) URL without credentials in it."""
    url = (raw or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidValue(f"{raw!r} is not an http(s) URL", field="url")
    if len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        raise InvalidValue("the URL is too long or contains spaces", field="url")
    if parts.username or parts.password:
        raise InvalidValue("the URL must not carry a user name or password", field="url")
    return url


class WebhookEndpoint(Aggregate):
    class Created(Aggregate.Created):
        tenant_id: UUID
        url: str
        event_types: list[str]
        description: str | None
        secret_sealed: str

    class Updated(Aggregate.Event):
        url: str
        event_types: list[str]
        description: str | None

    class SecretRotated(Aggregate.Event):
        secret_sealed: str
        previous_sealed: str
        previous_expires_at: datetime

    class Disabled(Aggregate.Event):
        reason: str  # "manual" or "persistent_failure"

    class Enabled(Aggregate.Event):
        pass

    class Deleted(Aggregate.Event):
        pass

    @classmethod
    def create(
        cls,
        tenant_id: UUID,
        url: str,
        event_types: list[str],
        secret_sealed: str,
        description: str | None = None,
    ) -> WebhookEndpoint:
        return cls(
            tenant_id=tenant_id,
            url=endpoint_url(url),
            event_types=sorted(set(event_types)),
            description=(description or "").strip()[:200] or None,
            secret_sealed=secret_sealed,
        )

    @event(Created)
    def __init__(
        self,
        tenant_id: UUID,
        url: str,
        event_types: list[str],
        description: str | None,
        secret_sealed: str,
    ) -> None:
        self.tenant_id = tenant_id
        self.url = url
        self.event_types = event_types
        self.description = description
        self.secret_sealed = secret_sealed
        self.previous_sealed: str | None = None
        self.previous_expires_at: datetime | None = None
        self.enabled = True
        self.disabled_reason: str | None = None
        self.deleted = False

    def update(
        self, url: str | None, event_types: list[str] | None, description: str | None
    ) -> None:
        self._require_present()
        self._updated(
            url=endpoint_url(url) if url is not None else self.url,
            event_types=sorted(set(event_types)) if event_types is not None else self.event_types,
            description=self.description
            if description is None
            else (description.strip()[:200] or None),
        )

    @event(Updated)
    def _updated(self, url: str, event_types: list[str], description: str | None) -> None:
        self.url, self.event_types, self.description = url, event_types, description

    def rotate_secret(self, secret_sealed: str, now: datetime, overlap: timedelta) -> None:
        self._require_present()
        if overlap < timedelta(0) or overlap > timedelta(days=7):
            raise InvalidValue("the overlap must be between 0 and 7 days", field="overlap")
        self._secret_rotated(
            secret_sealed=secret_sealed,
            previous_sealed=self.secret_sealed,
            previous_expires_at=now + overlap,
        )

    @event(SecretRotated)
    def _secret_rotated(
        self, secret_sealed: str, previous_sealed: str, previous_expires_at: datetime
    ) -> None:
        self.secret_sealed = secret_sealed
        self.previous_sealed = previous_sealed
        self.previous_expires_at = previous_expires_at

    def signing_secrets(self, now: datetime) -> list[str]:
        """The sealed secrets that sign a message sent at `now`: the current one, and the
        previous one while its overlap lasts."""
        secrets = [self.secret_sealed]
        if self.previous_sealed and self.previous_expires_at and now < self.previous_expires_at:
            secrets.append(self.previous_sealed)
        return secrets

    def disable(self, reason: str) -> None:
        self._require_present()
        if self.enabled:
            self._disabled(reason=reason)

    @event(Disabled)
    def _disabled(self, reason: str) -> None:
        self.enabled = False
        self.disabled_reason = reason

    def enable(self) -> None:
        self._require_present()
        if not self.enabled:
            self._enabled()

    @event(Enabled)
    def _enabled(self) -> None:
        self.enabled = True
        self.disabled_reason = None

    def delete(self) -> None:
        if not self.deleted:
            self._deleted()

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True
        self.enabled = False

    def _require_present(self) -> None:
        if self.deleted:
            raise WebhookRefused("this webhook endpoint was deleted", field="id")
