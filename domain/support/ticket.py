"""A customer's support ticket: open -> pending (waiting on the customer) -> resolved -> closed,
with reopening, and an SLA counted in the tenant's business hours.

Two clocks run from the moment a ticket is opened. The first-response clock stops at the first
public reply, or the first time the ticket leaves `open` without one (set pending, resolved or
closed: the staff took it up another way, a phone call say). The resolution clock runs
only while the ticket is open: it stops while the ticket waits on the customer (pending) or is
resolved, and runs on when it is opened again, so its due time moves by the business time it
stood still. A closed ticket is final: it takes no replies and does not reopen.

The texts (subject, description, notes, replies) are what a customer or the staff wrote about
that customer: the events carry them sealed with the customer's own personal-data key
(`*_sealed`), so forgetting the customer erases them. This module checks the plain texts
(`subject_text`, `body_text`) before the caller seals them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import DomainError, InvalidValue
from domain.shared.text import check_line, check_text
from domain.support.business_hours import add_business_time, due_after
from domain.support.policy import Priority, SupportPolicy

MAX_SUBJECT = 200
MAX_BODY = 4000  # a description or a note
MAX_REPLY = 3500  # leaves room for the greeting around it in a WhatsApp message (4,096 at most)


class TicketRefused(DomainError):
    """The ticket is not in a state that allows the command."""

    code = "TICKET_REFUSED"


class TicketClosed(TicketRefused):
    """A closed ticket is final: it takes no reply, and is not reopened."""

    code = "TICKET_CLOSED"


class TicketStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"  # waiting on the customer
    RESOLVED = "resolved"
    CLOSED = "closed"


class Category(StrEnum):
    CONNECTION = "connection"
    BILLING = "billing"
    VOUCHER = "voucher"
    REPAIR = "repair"
    OTHER = "other"


class Channel(StrEnum):
    """Where the ticket came from."""

    DESK = "desk"  # opened by the staff (GraphQL)
    WHATSAPP = "whatsapp"  # a customer's KELUHAN / TIKET message
    CONCIERGE = "concierge"  # a WhatsApp chat left waiting for a technician


_OPEN, _PENDING = TicketStatus.OPEN, TicketStatus.PENDING
_RESOLVED, _CLOSED = TicketStatus.RESOLVED, TicketStatus.CLOSED
# Where a ticket may go from each status (the same status again changes nothing).
NEXT: dict[TicketStatus, frozenset[TicketStatus]] = {
    _OPEN: frozenset({_PENDING, _RESOLVED, _CLOSED}),
    _PENDING: frozenset({_OPEN, _RESOLVED, _CLOSED}),
    _RESOLVED: frozenset({_OPEN, _CLOSED}),  # reopened
    _CLOSED: frozenset(),  # final
}


def subject_text(raw: str) -> str:
    """One line, not empty, at most 200 characters."""
    return _not_empty(check_line(raw.strip(), "subject", max_length=MAX_SUBJECT), "subject")


def body_text(raw: str, field: str, max_length: int = MAX_BODY) -> str:
    """Multi-line text, not empty (what would a note or a reply of nothing say?)."""
    return _not_empty(check_text(raw.strip(), field, max_length=max_length), field)


def ticket_number(ticket_id: UUID) -> str:
    """What people read and search for: `T-` and the first 8 hex digits of the id."""
    return f"T-{ticket_id.hex[:8].upper()}"


@dataclass(frozen=True)
class Links:
    """What else the ticket is about; each id checked to be the tenant's before it is given."""

    subscription_id: UUID | None = None
    invoice_id: UUID | None = None
    voucher_id: UUID | None = None
    repair_job_id: UUID | None = None
    conversation_id: UUID | None = None  # the WhatsApp chat it came from


@dataclass(frozen=True)
class Sla:
    """A tenant's support policy on its own wall clock (`zone`)."""

    policy: SupportPolicy
    zone: str

    def first_response_due(self, opened_at: datetime, priority: Priority) -> datetime:
        first = self.policy.first_response(priority)
        return add_business_time(opened_at, first, self.policy.hours, self.zone)

    def resolution_due(
        self, opened_at: datetime, priority: Priority, stops: list[tuple[datetime, datetime]]
    ) -> datetime:
        target = self.policy.resolution(priority)
        return due_after(opened_at, target, self.policy.hours, self.zone, stops)


class Ticket(Aggregate):
    class Opened(Aggregate.Created):
        tenant_id: UUID
        customer_id: UUID
        category: str
        priority: str
        channel: str
        subject_sealed: str
        description_sealed: str | None
        subscription_id: UUID | None
        invoice_id: UUID | None
        voucher_id: UUID | None
        repair_job_id: UUID | None
        conversation_id: UUID | None
        opened_at: datetime
        first_response_due_at: datetime
        resolution_due_at: datetime

    class Assigned(Aggregate.Event):
        assignee_id: UUID
        assignee_name: str
        at: datetime

    class NoteAdded(Aggregate.Event):
        text_sealed: str
        at: datetime

    class Replied(Aggregate.Event):
        text_sealed: str
        at: datetime
        first_response: bool  # it stops the first-response clock (nothing stopped it before)
        whatsapp_message_id: UUID
        email_id: UUID | None  # None: the customer has no e-mail address

    class StatusChanged(Aggregate.Event):
        previous: str
        status: str
        at: datetime
        resolution_due_at: datetime

    class PriorityChanged(Aggregate.Event):
        previous: str
        priority: str
        at: datetime
        first_response_due_at: datetime
        resolution_due_at: datetime

    @classmethod
    def open(
        cls,
        ticket_id: UUID,
        tenant_id: UUID,
        customer_id: UUID,
        *,
        category: Category,
        priority: Priority,
        channel: Channel,
        subject_sealed: str,
        description_sealed: str | None,
        links: Links,
        at: datetime,
        sla: Sla,
    ) -> Ticket:
        return cls._create(
            cls.Opened,
            id=ticket_id,
            tenant_id=tenant_id,
            customer_id=customer_id,
            category=category.value,
            priority=priority.value,
            channel=channel.value,
            subject_sealed=subject_sealed,
            description_sealed=description_sealed,
            subscription_id=links.subscription_id,
            invoice_id=links.invoice_id,
            voucher_id=links.voucher_id,
            repair_job_id=links.repair_job_id,
            conversation_id=links.conversation_id,
            opened_at=at,
            first_response_due_at=sla.first_response_due(at, priority),
            resolution_due_at=sla.resolution_due(at, priority, []),
        )

    @event(Opened)
    def __init__(
        self,
        tenant_id: UUID,
        customer_id: UUID,
        category: str,
        priority: str,
        channel: str,
        subject_sealed: str,
        description_sealed: str | None,
        subscription_id: UUID | None,
        invoice_id: UUID | None,
        voucher_id: UUID | None,
        repair_job_id: UUID | None,
        conversation_id: UUID | None,
        opened_at: datetime,
        first_response_due_at: datetime,
        resolution_due_at: datetime,
    ) -> None:
        self.tenant_id, self.customer_id = tenant_id, customer_id
        self.category, self.priority = Category(category), Priority(priority)
        self.channel = Channel(channel)
        self.conversation_id = conversation_id
        self.status = TicketStatus.OPEN
        self.opened_at = opened_at
        self.first_response_due_at = first_response_due_at
        self.first_response_at: datetime | None = None  # when the first-response clock stopped
        self.resolution_due_at = resolution_due_at
        # The resolution clock: the intervals it stood still, and since when it stands now.
        self.stops: list[tuple[datetime, datetime]] = []
        self.stopped_since: datetime | None = None
        self.assignee_id: UUID | None = None

    @property
    def number(self) -> str:
        return ticket_number(self.id)

    # -- who works on it ---------------------------------------------------------------------

    def assign(self, assignee_id: UUID, assignee_name: str, at: datetime) -> None:
        self._refuse_if_closed("assign")
        if assignee_id != self.assignee_id:
            self._assigned(assignee_id=assignee_id, assignee_name=assignee_name, at=at)

    @event(Assigned)
    def _assigned(self, assignee_id: UUID, assignee_name: str, at: datetime) -> None:
        self.assignee_id = assignee_id

    def add_note(self, text_sealed: str, at: datetime) -> None:
        """An internal note: for the staff only, never sent to the customer."""
        self._noted(text_sealed=text_sealed, at=at)

    @event(NoteAdded)
    def _noted(self, text_sealed: str, at: datetime) -> None:
        pass

    def reply(
        self,
        text_sealed: str,
        at: datetime,
        sla: Sla,
        whatsapp_message_id: UUID,
        email_id: UUID | None,
    ) -> None:
        """A public reply, sent to the customer. A resolved ticket is opened again by it."""
        if self.status is TicketStatus.CLOSED:
            raise TicketClosed(
                f"ticket {self.number} is closed and takes no replies; open a new ticket",
                field="id",
            )
        if self.status is TicketStatus.RESOLVED:
            self.change_status(TicketStatus.OPEN, at, sla)
        self._replied(
            text_sealed=text_sealed,
            at=at,
            first_response=self.first_response_at is None,
            whatsapp_message_id=whatsapp_message_id,
            email_id=email_id,
        )

    @event(Replied)
    def _replied(
        self,
        text_sealed: str,
        at: datetime,
        first_response: bool,
        whatsapp_message_id: UUID,
        email_id: UUID | None,
    ) -> None:
        if first_response:
            self.first_response_at = at

    # -- status and priority -----------------------------------------------------------------

    def change_status(self, status: TicketStatus, at: datetime, sla: Sla) -> None:
        """Move to `status` if the ticket's life allows it; the same status again changes
        nothing. Opening it again starts the resolution clock where it stopped."""
        if status is self.status:
            return
        if status not in NEXT[self.status]:
            raise TicketRefused(
                f"cannot move ticket {self.number} from {self.status.value} to {status.value}",
                field="status",
            )
        due = self.resolution_due_at
        if status is TicketStatus.OPEN and self.stopped_since is not None:
            stops = [*self.stops, (self.stopped_since, at)]
            due = sla.resolution_due(self.opened_at, self.priority, stops)
        self._status_changed(
            previous=self.status.value, status=status.value, at=at, resolution_due_at=due
        )

    @event(StatusChanged)
    def _status_changed(
        self, previous: str, status: str, at: datetime, resolution_due_at: datetime
    ) -> None:
        now = TicketStatus(status)
        if TicketStatus(previous) is TicketStatus.OPEN:
            self.stopped_since = at
            self.first_response_at = self.first_response_at or at
        elif now is TicketStatus.OPEN and self.stopped_since is not None:
            self.stops = [*self.stops, (self.stopped_since, at)]
            self.stopped_since = None
        self.status = now
        self.resolution_due_at = resolution_due_at

    def change_priority(self, priority: Priority, at: datetime, sla: Sla) -> None:
        """Both due times follow the new priority's targets, counted from the opening (the
        resolution clock's stops still count as stops)."""
        self._refuse_if_closed("change the priority of")
        if priority is self.priority:
            return
        self._priority_changed(
            previous=self.priority.value,
            priority=priority.value,
            at=at,
            first_response_due_at=sla.first_response_due(self.opened_at, priority),
            resolution_due_at=sla.resolution_due(self.opened_at, priority, self.stops),
        )

    @event(PriorityChanged)
    def _priority_changed(
        self,
        previous: str,
        priority: str,
        at: datetime,
        first_response_due_at: datetime,
        resolution_due_at: datetime,
    ) -> None:
        self.priority = Priority(priority)
        self.first_response_due_at = first_response_due_at
        self.resolution_due_at = resolution_due_at

    # -- the SLA as of an instant ------------------------------------------------------------

    def first_response_breached(self, now: datetime) -> bool:
        """No first response by its due time."""
        return (self.first_response_at or now) > self.first_response_due_at

    def resolution_breached(self, now: datetime) -> bool:
        """Open (on the resolution clock) past its due time."""
        return (self.stopped_since or now) > self.resolution_due_at

    def _refuse_if_closed(self, doing: str) -> None:
        if self.status is TicketStatus.CLOSED:
            raise TicketRefused(f"cannot {doing} ticket {self.number}: it is closed", field="id")


def _not_empty(text: str, field: str) -> str:
    if not text:
        raise InvalidValue(f"{field} must not be empty", field=field)
    return text
