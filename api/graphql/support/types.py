"""GraphQL types of the support area, built from the application's views."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from api.graphql.shared.errors import CustomerForgottenError, Errors
from api.graphql.shared.support import NiagaInfo, query
from api.graphql.shared.types import Connection, connection_parts
from application.shared.ports import Page
from application.support.ports import TicketView, TimelineEntry
from application.support.settings import SupportSettingsView


@strawberry.type(description="One step of a ticket's life, with who took it and when.")
class TicketTimelineEntry:
    number: int = strawberry.field(description="The step's place in the ticket's life, from 1")
    kind: str = strawberry.field(
        description="opened, assigned, note (internal), reply (sent), status or priority"
    )
    text: str | None = strawberry.field(description="The note's or reply's text")
    detail: JSON = strawberry.field(description="What else the step says (from, to, assignee)")
    actor: str = strawberry.field(description="Who: user:..., api_key:..., gateway:whatsapp")
    at: datetime

    @classmethod
    def from_entry(cls, entry: TimelineEntry) -> TicketTimelineEntry:
        return cls(
            number=entry.number,
            kind=entry.kind,
            text=entry.text,
            detail=cast(JSON, entry.detail),
            actor=entry.actor,
            at=entry.at,
        )


@strawberry.type(
    description="A customer's support ticket with its SLA: due times in the tenant's business "
    "hours, and whether either clock is past its due time now."
)
class Ticket:
    id: strawberry.ID
    number: str = strawberry.field(description="What people read and search for: T-1A2B3C4D")
    customer_id: strawberry.ID
    customer_name: str | None
    category: str = strawberry.field(description="connection, billing, voucher, repair or other")
    priority: str = strawberry.field(description="low, normal, high or urgent")
    status: str = strawberry.field(
        description="open, pending (waiting on the customer), resolved or closed"
    )
    channel: str = strawberry.field(description="desk, whatsapp (a keyword) or concierge")
    subject: str
    description: str | None
    subscription_id: strawberry.ID | None
    invoice_id: strawberry.ID | None
    voucher_id: strawberry.ID | None
    repair_job_id: strawberry.ID | None
    conversation_id: strawberry.ID | None = strawberry.field(
        description="The WhatsApp concierge chat it came from"
    )
    assignee_id: strawberry.ID | None = strawberry.field(description="A technician's id")
    assignee_name: str | None
    opened_at: datetime
    first_response_due_at: datetime
    first_response_at: datetime | None = strawberry.field(
        description="When the first-response clock stopped: the first public reply, or the "
        "ticket taken out of open"
    )
    first_response_breached: bool
    resolution_due_at: datetime = strawberry.field(
        description="Moves while the ticket waits on the customer or is resolved: the "
        "resolution clock runs only while it is open"
    )
    resolution_breached: bool
    breached: bool = strawberry.field(description="Either clock past its due time")
    sla_paused: bool = strawberry.field(
        description="The resolution clock stands still (pending, resolved or closed)"
    )
    resolved_at: datetime | None
    closed_at: datetime | None
    replies: int
    notes: int
    updated_at: datetime

    @strawberry.field(description="Notes, replies, assignments and status and priority changes.")
    async def timeline(self, info: NiagaInfo) -> list[TicketTimelineEntry]:
        services, who = info.context.services, info.context.principal
        ticket_id = UUID(str(self.id))
        entries = await query(lambda: services.ticket_queries.timeline(who, ticket_id))
        return [TicketTimelineEntry.from_entry(e) for e in entries]

    @classmethod
    def from_view(cls, view: TicketView) -> Ticket:
        return cls(
            id=_id(view.id),
            number=view.number,
            customer_id=_id(view.customer_id),
            customer_name=view.customer_name,
            category=view.category,
            priority=view.priority,
            status=view.status,
            channel=view.channel,
            subject=view.subject,
            description=view.description,
            subscription_id=_maybe(view.subscription_id),
            invoice_id=_maybe(view.invoice_id),
            voucher_id=_maybe(view.voucher_id),
            repair_job_id=_maybe(view.repair_job_id),
            conversation_id=_maybe(view.conversation_id),
            assignee_id=_maybe(view.assignee_id),
            assignee_name=view.assignee_name,
            opened_at=view.opened_at,
            first_response_due_at=view.first_response_due_at,
            first_response_at=view.first_response_at,
            first_response_breached=view.first_response_breached,
            resolution_due_at=view.resolution_due_at,
            resolution_breached=view.resolution_breached,
            breached=view.breached,
            sla_paused=view.clock_stopped_at is not None,
            resolved_at=view.resolved_at,
            closed_at=view.closed_at,
            replies=view.replies,
            notes=view.notes,
            updated_at=view.updated_at,
        )


@strawberry.type
class TicketEdge:
    cursor: str
    node: Ticket


@strawberry.type
class TicketConnection(Connection[TicketEdge]):
    @classmethod
    def from_page(cls, page: Page[TicketView]) -> TicketConnection:
        return cls(**connection_parts(page, Ticket.from_view, TicketEdge))


@strawberry.type(description="Business minutes to the first response and to resolution.")
class SupportTarget:
    priority: str
    first_response_minutes: int
    resolution_minutes: int


@strawberry.type(
    description="The SLA policy: the business hours (ISO weekdays, Monday 1; local times in "
    "the tenant's time zone) and the targets per priority."
)
class SupportSettings:
    days: list[int]
    opens: str
    closes: str
    timezone: str
    targets: list[SupportTarget]

    @classmethod
    def from_view(cls, view: SupportSettingsView) -> SupportSettings:
        hours = view.policy.hours
        return cls(
            days=list(hours.days),
            opens=hours.opens.strftime("%H:%M"),
            closes=hours.closes.strftime("%H:%M"),
            timezone=view.zone,
            targets=[
                SupportTarget(
                    priority=priority.value,
                    first_response_minutes=target.first_response_minutes,
                    resolution_minutes=target.resolution_minutes,
                )
                for priority, target in view.policy.targets.items()
            ],
        )


@strawberry.input
class OpenTicketInput:
    customer_id: strawberry.ID
    category: str = strawberry.field(description="connection, billing, voucher, repair or other")
    subject: str
    description: str | None = None
    priority: str = strawberry.field(default="normal", description="low, normal, high, urgent")
    subscription_id: strawberry.ID | None = None
    invoice_id: strawberry.ID | None = None
    voucher_id: strawberry.ID | None = None
    repair_job_id: strawberry.ID | None = None


@strawberry.input
class SupportTargetInput:
    priority: str
    first_response_minutes: int
    resolution_minutes: int


@strawberry.type
class TicketSuccess:
    ticket: Ticket


@strawberry.type(description="The reply was queued for the customer: WhatsApp, and e-mail.")
class TicketReplySuccess:
    ticket: Ticket
    whatsapp_message_id: strawberry.ID
    email_id: strawberry.ID | None = strawberry.field(
        description="Null when the customer has no e-mail address"
    )


@strawberry.type
class SupportSettingsSuccess:
    settings: SupportSettings


TicketResult = Annotated[
    TicketSuccess | Errors | CustomerForgottenError, strawberry.union("TicketResult")
]
TicketReplyResult = Annotated[
    TicketReplySuccess | Errors | CustomerForgottenError, strawberry.union("TicketReplyResult")
]
SupportSettingsResult = Annotated[
    SupportSettingsSuccess | Errors, strawberry.union("SupportSettingsResult")
]


def _id(value: UUID) -> strawberry.ID:
    return strawberry.ID(str(value))


def _maybe(value: UUID | None) -> strawberry.ID | None:
    return _id(value) if value is not None else None
