"""What the WhatsApp concierge needs from outside: the shop's knowledge (a narrow port, connected
to the knowledge base by the wiring), the shop's records (whether it runs a repair shop, the
asking customer's jobs, catalogue items), and its own read models (the technicians' queue)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.shared.event_store import EventStore
from application.shared.ports import Page

# -- the shop's knowledge ----------------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """A piece of the shop's own documents, and where it comes from ("SOP Garansi, hlm. 2")."""

    text: str
    citation: str


class ShopKnowledge(Protocol):
    def passages(self, tenant_id: UUID, question: str) -> list[Passage]:
        """Passages of the tenant's documents relevant to the question, best first; none when
        nothing relevant is found. Never another tenant's."""


class NoShopKnowledge:
    """The default until the knowledge base is connected: the shop knows nothing written."""

    def passages(self, tenant_id: UUID, question: str) -> list[Passage]:
        return []


# -- the shop's records ------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueItem:
    sku: str
    name: str
    price: int
    available: int


class ShopRecords(Protocol):
    def runs_repair_shop(self, store: EventStore, tenant_id: UUID) -> bool:
        """Whether the tenant has technicians or repair jobs: only then does the concierge
        answer its customers' messages."""

    def jobs_of(
        self, store: EventStore, tenant_id: UUID, customer_id: UUID, limit: int
    ) -> list[UUID]:
        """The customer's repair jobs, most recently received first."""

    def catalogue(
        self, store: EventStore, tenant_id: UUID, words: Sequence[str], limit: int
    ) -> list[CatalogueItem]:
        """Stock items whose SKU or name holds one of the words, by name."""


# -- the technicians' queue --------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationView:
    id: UUID
    tenant_id: UUID
    customer_id: UUID
    customer_name: str | None  # as the customer list holds it now
    state: str
    handoff_reason: str | None
    assignee_id: UUID | None
    assignee_name: str | None
    escalated: bool
    waiting_since: datetime | None
    last_ai_status: str | None
    turns: int
    started_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TurnView:
    number: int
    speaker: str  # customer, concierge, technician
    text: str  # sealed as read from the read model; opened by the queries
    mode: str | None  # ai, rules, handoff for the concierge's turns
    ai_status: str | None
    by: str | None  # the technician's actor
    at: datetime


class ConciergeReadModels(Protocol):
    def conversations(
        self,
        store: EventStore,
        tenant_id: UUID,
        *,
        states: Sequence[str],
        assignee_id: UUID | None,
        first: int,
        after: str | None,
    ) -> Page[ConversationView]:
        """Most recent activity first."""

    def conversation(
        self, store: EventStore, tenant_id: UUID, conversation_id: UUID
    ) -> ConversationView | None: ...

    def turns(self, store: EventStore, tenant_id: UUID, conversation_id: UUID) -> list[TurnView]:
        """Every turn, oldest first."""

    def waiting_since_before(self, store: EventStore, cutoff: datetime) -> list[tuple[UUID, UUID]]:
        """(tenant, conversation) of every conversation whose customer has waited for a
        technician since before `cutoff` and was not escalated yet, in this store."""
