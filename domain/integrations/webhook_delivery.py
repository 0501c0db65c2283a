"""One message on its way to one webhook endpoint: every attempt, its outcome, and when the
next is due."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.text import printable

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
            response_excerpt=printable(response_excerpt, EXCERPT_LENGTH),
            error=printable(error, EXCERPT_LENGTH) if error else None,
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
            response_excerpt=printable(response_excerpt, EXCERPT_LENGTH),
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
