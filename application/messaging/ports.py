"""Ports of the WhatsApp use-cases: the providers that carry messages, and the read models that
say what is waiting, what became of it, and who a campaign reaches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.messaging.campaign import Audience as Audience  # who a campaign reaches


class ProviderUnavailable(ApplicationError):
    """The provider did not take the message (down, timed out, 429, 5xx): worth retrying."""

    code = "WHATSAPP_UNAVAILABLE"


class ProviderRejected(ApplicationError):
    """The provider refused the message (bad number, bad token, 4xx): its words say why."""

    code = "WHATSAPP_REJECTED"


@dataclass(frozen=True)
class ChannelAccess:
    """What it takes to send for a tenant; the credentials only ever in memory."""

    tenant_id: UUID
    provider: str
    sender: str
    credentials: dict[str, str]


@dataclass(frozen=True)
class Outgoing:
    """A rendered message. `meta_template` set: send as an approved Cloud API template with
    `parameters` as its body parameters; otherwise as text."""

    to: str  # digits with country code, e.g. 6281234567890
    text: str
    meta_template: str | None = None
    language: str = "id"
    parameters: list[str] = field(default_factory=list)


class WhatsAppProvider(Protocol):
    def send(self, channel: ChannelAccess, message: Outgoing) -> str:
        """Hand the message to the provider; return its message id. Raises ProviderUnavailable
        or ProviderRejected."""
        ...


@dataclass(frozen=True)
class PendingMessage:
    """A message the log says should go out, as its read model row has it."""

    id: UUID
    tenant_id: UUID
    customer_id: UUID | None
    template: str
    variables: dict[str, str]
    source_id: UUID
    campaign_id: UUID | None
    status: str
    attempts: int
    updated_at: datetime
    requested_at: datetime


@dataclass(frozen=True)
class MessageLogEntry:
    id: UUID
    customer_id: UUID | None
    template: str
    campaign_id: UUID | None
    status: str
    provider_message_id: str | None
    error: str | None
    attempts: int
    replied: bool
    timeline: list[dict[str, Any]]
    requested_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ChannelView:
    tenant_id: UUID
    provider: str
    sender: str
    configured_at: datetime


@dataclass(frozen=True)
class CampaignView:
    id: UUID
    name: str
    template: str
    state: str
    start_at: datetime | None
    recipients: int
    guardrails: dict[str, Any]
    audience: dict[str, Any]
    created_at: datetime
    stats: dict[str, int]


class WhatsAppReadModels(Protocol):
    def pending(self, store: EventStore, limit: int) -> list[PendingMessage]:
        """Every tenant's queued or retrying messages in this store, for tenants with a channel."""
        ...

    def message(self, store: EventStore, message_id: UUID) -> PendingMessage | None: ...

    def by_provider_id(
        self, store: EventStore, tenant_id: UUID, provider_id: str
    ) -> UUID | None: ...

    def last_campaign_message(
        self, store: EventStore, tenant_id: UUID, customer_id: UUID
    ) -> UUID | None: ...

    def message_log(
        self,
        store: EventStore,
        tenant_id: UUID,
        status: str | None,
        campaign_id: UUID | None,
        customer_id: UUID | None,
        first: int,
        after: str | None,
    ) -> Page[MessageLogEntry]: ...

    def channel(self, store: EventStore, tenant_id: UUID) -> ChannelView | None: ...

    def plan_of(self, store: EventStore, tenant_id: UUID, customer_id: UUID) -> str | None:
        """The plan of the customer's first live subscription, for {paket}."""
        ...

    def audience(self, store: EventStore, tenant_id: UUID, audience: Audience) -> list[UUID]:
        """Customers matching the filters, oldest first."""
        ...

    def campaigns(self, store: EventStore, tenant_id: UUID) -> list[CampaignView]: ...

    def running_campaigns(self, store: EventStore) -> list[tuple[UUID, UUID]]:
        """(tenant, campaign) of every scheduled campaign in this store, oldest first."""
        ...

    def campaign_messaged(self, store: EventStore, campaign_id: UUID) -> set[UUID]:
        """Customers a campaign has queued a message for."""
        ...
