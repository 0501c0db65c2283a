"""Outbound webhooks: a tenant's endpoints, and each message's delivery to one endpoint.

An endpoint keeps its signing secrets sealed (encrypted with the platform key). A rotated-out
secret keeps signing beside the new one until its overlap ends, so receivers can switch over
without dropping a message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError, InvalidValue

MAX_URL_LENGTH = 2000
# After the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h (about three days).
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    *(timedelta(hours=10),) * 6,
)
EXCERPT_LENGTH = 500


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

    def wants(self, event_type: str) -> bool:
        """An empty filter means every event type."""
        return not self.event_types or event_type in self.event_types

    def _require_present(self) -> None:
        if self.deleted:
            raise WebhookRefused("this webhook endpoint was deleted", field="id")


class WebhookDelivery(Aggregate):
    """One message on its way to one endpoint: every attempt and its outcome."""

    class Scheduled(Aggregate.Created):
        tenant_id: UUID
        endpoint_id: UUID
        message_id: str
        event_type: str
        position: int  # of the event in its store's log
        payload: str  # the exact JSON body sent, so every attempt signs the same bytes
        due_at: datetime

    class AttemptFailed(Aggregate.Event):
        attempt: int
        at: datetime
        status_code: int | None
        latency_ms: int
        response_excerpt: str
        error: str | None
        next_attempt_at: datetime | None  # None: the schedule is exhausted

    class Delivered(Aggregate.Event):
        attempt: int
        at: datetime
        status_code: int
        latency_ms: int
        response_excerpt: str

    class Cancelled(Aggregate.Event):
        reason: str

    class Requeued(Aggregate.Event):
        due_at: datetime

    @staticmethod
    def id_for(endpoint_id: UUID, message_id: str, batch: str = "live") -> UUID:
        """One delivery per endpoint and message (per replay batch): creating it twice finds
        the first."""
        return uuid5(endpoint_id, f"webhook:{batch}:{message_id}")

    @classmethod
    def schedule(
        cls,
        delivery_id: UUID,
        tenant_id: UUID,
        endpoint_id: UUID,
        message_id: str,
        event_type: str,
        position: int,
        payload: str,
        due_at: datetime,
    ) -> WebhookDelivery:
        return cls._create(
            cls.Scheduled,
            id=delivery_id,
            tenant_id=tenant_id,
            endpoint_id=endpoint_id,
            message_id=message_id,
            event_type=event_type,
            position=position,
            payload=payload,
            due_at=due_at,
        )

    @event(Scheduled)
    def __init__(
        self,
        tenant_id: UUID,
        endpoint_id: UUID,
        message_id: str,
        event_type: str,
        position: int,
        payload: str,
        due_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.endpoint_id = endpoint_id
        self.message_id = message_id
        self.event_type = event_type
        self.position = position
        self.payload = payload
        self.due_at: datetime | None = due_at
        self.attempts = 0
        self.status = "pending"
        # Attempts counted from the last requeue: a manual redelivery starts a fresh schedule.
        self.round_attempts = 0
        self.first_attempt_at: datetime | None = None

    def is_due(self, now: datetime) -> bool:
        return self.status == "pending" and self.due_at is not None and self.due_at <= now

    def record_failure(
        self,
        at: datetime,
        status_code: int | None,
        latency_ms: int,
        response_excerpt: str,
        error: str | None,
        jitter: float,
    ) -> None:
        """`jitter` in [0.9, 1.1] spreads retries so a recovering receiver is not stampeded."""
        delay = (
            RETRY_SCHEDULE[self.round_attempts]
            if self.round_attempts < len(RETRY_SCHEDULE)
            else None
        )
        self._attempt_failed(
            attempt=self.attempts + 1,
            at=at,
            status_code=status_code,
            latency_ms=latency_ms,
            response_excerpt=response_excerpt[:EXCERPT_LENGTH],
            error=error[:EXCERPT_LENGTH] if error else None,
            next_attempt_at=at + delay * jitter if delay is not None else None,
        )

    @event(AttemptFailed)
    def _attempt_failed(
        self,
        attempt: int,
        at: datetime,
        status_code: int | None,
        latency_ms: int,
        response_excerpt: str,
        error: str | None,
        next_attempt_at: datetime | None,
    ) -> None:
        self._attempted(attempt, at)
        self.due_at = next_attempt_at
        self.status = "pending" if next_attempt_at else "failed"

    @property
    def gave_up(self) -> bool:
        return self.status == "failed"

    def record_success(
        self, at: datetime, status_code: int, latency_ms: int, response_excerpt: str
    ) -> None:
        self._delivered(
            attempt=self.attempts + 1,
            at=at,
            status_code=status_code,
            latency_ms=latency_ms,
            response_excerpt=response_excerpt[:EXCERPT_LENGTH],
        )

    @event(Delivered)
    def _delivered(
        self, attempt: int, at: datetime, status_code: int, latency_ms: int, response_excerpt: str
    ) -> None:
        self._attempted(attempt, at)
        self.due_at = None
        self.status = "delivered"

    def cancel(self, reason: str) -> None:
        if self.status == "pending":
            self._cancelled(reason=reason)

    @event(Cancelled)
    def _cancelled(self, reason: str) -> None:
        self.status = "cancelled"
        self.due_at = None

    def requeue(self, now: datetime) -> None:
        """Send again now, whatever happened before (manual redelivery)."""
        self._requeued(due_at=now)

    @event(Requeued)
    def _requeued(self, due_at: datetime) -> None:
        self.status = "pending"
        self.due_at = due_at
        self.round_attempts = 0
        self.first_attempt_at = None

    def _attempted(self, attempt: int, at: datetime) -> None:
        self.attempts = attempt
        self.round_attempts += 1
        if self.first_attempt_at is None:
            self.first_attempt_at = at
