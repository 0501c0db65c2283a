"""What the support area reads (its read model) and the views its queries return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.shared.event_store import EventStore
from application.shared.ports import Page


@dataclass(frozen=True)
class TicketView:
    """A ticket as the list and the detail show it; `subject` and `description` are opened
    with the customer's key (`[forgotten]` once the customer is forgotten)."""

    id: UUID
    number: str
    customer_id: UUID
    customer_name: str | None
    category: str
    priority: str
    status: str
    channel: str
    subject: str
    description: str | None
    subscription_id: UUID | None
    invoice_id: UUID | None
    voucher_id: UUID | None
    repair_job_id: UUID | None
    conversation_id: UUID | None
    assignee_id: UUID | None
    assignee_name: str | None
    opened_at: datetime
    first_response_due_at: datetime
    first_response_at: datetime | None
    resolution_due_at: datetime
    clock_stopped_at: datetime | None  # the resolution clock stands still (pending, settled)
    resolved_at: datetime | None
    closed_at: datetime | None
    replies: int
    notes: int
    updated_at: datetime
    first_response_breached: bool
    resolution_breached: bool

    @property
    def breached(self) -> bool:
        return self.first_response_breached or self.resolution_breached


@dataclass(frozen=True)
class TimelineEntry:
    """One step of a ticket's life: `kind` is opened, assigned, note, reply, status or
    priority; `text` (a note's or a reply's, opened like the subject) or `detail` says what."""

    number: int
    kind: str
    text: str | None
    detail: dict[str, Any]
    actor: str
    at: datetime


@dataclass(frozen=True)
class TicketFilter:
    status: str | None = None
    priority: str | None = None
    category: str | None = None
    assignee_id: UUID | None = None
    customer_id: UUID | None = None
    breached: bool | None = None  # as of `now`: either clock past its due time
    search: str | None = None  # the ticket's number or the customer's name


class SupportReadModels(Protocol):
    def tickets(
        self,
        store: EventStore,
        tenant_id: UUID,
        which: TicketFilter,
        now: datetime,
        first: int,
        after: str | None,
    ) -> Page[TicketView]:
        """Newest first; texts still sealed."""
        ...

    def ticket(
        self, store: EventStore, tenant_id: UUID, ticket_id: UUID, now: datetime
    ) -> TicketView | None: ...

    def timeline(self, store: EventStore, tenant_id: UUID, ticket_id: UUID) -> list[TimelineEntry]:
        """In order; texts still sealed."""
        ...

    def unsettled_for_conversation(
        self, store: EventStore, tenant_id: UUID, conversation_id: UUID
    ) -> UUID | None:
        """A ticket of that WhatsApp chat still open or pending, if there is one."""
        ...
