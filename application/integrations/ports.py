"""Ports and views of outbound webhooks: what the application needs from the read side, the
event log, the network and name resolution, described without naming them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.shared.recorded import RecordedEvent

DELIVERY_STATUSES = frozenset({"pending", "delivered", "failed", "cancelled"})


@dataclass(frozen=True)
class WebhookEndpointView:
    id: UUID
    tenant_id: UUID
    url: str
    event_types: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None
    secret_rotated_at: datetime | None
    created_at: datetime
    updated_at: datetime
    created_position: int = 0  # it receives events recorded after this position


@dataclass(frozen=True)
class WebhookDeliveryView:
    id: UUID
    tenant_id: UUID
    endpoint_id: UUID
    message_id: str
    event_type: str
    position: int
    status: str  # pending, delivered, failed (gave up), cancelled
    attempts: int
    last_status_code: int | None
    last_latency_ms: int | None
    last_response_excerpt: str | None
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class DeliveryFilter:
    endpoint_id: UUID | None = None
    status: str | None = None
    event_type: str | None = None


@dataclass(frozen=True)
class DueDelivery:
    tenant_id: UUID
    delivery_id: UUID
    due_at: datetime


class WebhookReadModels(Protocol):
    def endpoints(
        self, store: EventStore, tenant_id: UUID, include_deleted: bool = False
    ) -> list[WebhookEndpointView]: ...

    def active_endpoints(self, store: EventStore) -> list[WebhookEndpointView]:
        """Enabled endpoints of every tenant in the store."""
        ...

    def deliveries(
        self,
        store: EventStore,
        tenant_id: UUID,
        where: DeliveryFilter,
        first: int,
        after: str | None,
    ) -> Page[WebhookDeliveryView]:
        """Newest first."""
        ...

    def due(self, store: EventStore, now: datetime, limit: int) -> list[DueDelivery]:
        """Pending deliveries whose next attempt is due, oldest due first."""
        ...

    def delivered_since(self, store: EventStore, endpoint_id: UUID, since: datetime) -> bool:
        """Whether any delivery to the endpoint succeeded at or after `since`."""
        ...


@dataclass(frozen=True)
class OutgoingWebhook:
    delivery_id: UUID
    url: str
    message_id: str
    body: str
    secrets: list[str]  # whsec_... in clear, newest first


@dataclass(frozen=True)
class WebhookResponse:
    delivery_id: UUID
    status_code: int | None  # None: no HTTP answer (refused, timed out, TLS failure)
    latency_ms: int
    excerpt: str
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender(Protocol):
    """Port: POSTs signed messages (Standard Webhooks), concurrently, never raising for a
    receiver's failure: each outcome comes back as a WebhookResponse."""

    def send(self, messages: Sequence[OutgoingWebhook]) -> list[WebhookResponse]: ...


class HostResolver(Protocol):
    def addresses(self, host: str) -> list[str]:
        """The IP addresses a host name resolves to; an empty list if it does not resolve."""
        ...


class EventLogReader(Protocol):
    """Reading one store's log from a position (for replays)."""

    def head(self, store: EventStore) -> int: ...

    def read(
        self, store: EventStore, after: int, limit: int, topics: Sequence[str]
    ) -> list[RecordedEvent]:
        """Events after `after`, in order, at most `limit`, of these topics."""
        ...

    def position_at(self, store: EventStore, at: datetime) -> int:
        """The position just before the first event recorded at or after `at`."""
        ...
