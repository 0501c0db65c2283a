"""Commands on support tickets: open one for a customer, assign it, note, reply, move its
status and priority. Every command is authorised (`tickets:manage`) and scoped to the caller's
tenant; the texts are sealed with the customer's key (see sealing.py).

A public reply goes to the customer on WhatsApp and, where the customer's record has an
address, by e-mail, through the outboxes (`OutboundMessage`, `OutboundEmail`) in the same save
as the ticket's own event: the dispatchers send them, nothing talks to a provider here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID, uuid4, uuid5

from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, load
from application.support.links import LinkIds, checked_links
from application.support.sealing import seal
from application.support.settings import sla_of
from domain.customers.customer import Customer
from domain.messaging.email import OutboundEmail, email_id
from domain.messaging.whatsapp import OutboundMessage
from domain.repairs.repair_job import Technician
from domain.shared.errors import CustomerForgotten
from domain.support.policy import Priority
from domain.support.ticket import (
    MAX_REPLY,
    Category,
    Channel,
    Ticket,
    TicketRefused,
    TicketStatus,
    body_text,
    subject_text,
)

REPLY_TEMPLATE = "ticket_reply"


@dataclass(frozen=True)
class OpenTicket:
    customer_id: UUID
    category: Category
    subject: str
    description: str | None = None
    priority: Priority = Priority.NORMAL
    links: LinkIds = field(default_factory=LinkIds)


@dataclass(frozen=True)
class ReplySent:
    """The messages a public reply queued: WhatsApp always, e-mail where there is an address."""

    whatsapp_message_id: UUID
    email_id: UUID | None


class TicketService:
    def __init__(self, stores: Stores, sync: ReadModelSync, clock: Clock) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock

    def open(self, principal: Principal, command: OpenTicket) -> UUID:
        """Open a ticket for a customer of the tenant; its due times follow the priority's
        targets in the tenant's business hours."""
        authorize(principal, Permission.MANAGE_TICKETS)
        store = self._store(principal)
        customer = customer_of(store, principal.tenant_id, command.customer_id, "customerId")
        subject = subject_text(command.subject)
        description = _description(command.description)
        links = checked_links(store, principal.tenant_id, customer.id, command.links)
        ticket = Ticket.open(
            uuid4(),
            principal.tenant_id,
            customer.id,
            category=command.category,
            priority=command.priority,
            channel=Channel.DESK,
            subject_sealed=seal(store, customer.id, subject),
            description_sealed=seal(store, customer.id, description) if description else None,
            links=links,
            at=self._clock.now(),
            sla=sla_of(self._stores, store, principal.tenant_id),
        )
        self._saver.save(store, principal, "OpenTicket", ticket)
        return ticket.id

    def assign(self, principal: Principal, ticket_id: UUID, technician_id: UUID) -> None:
        """Give the ticket to one of the tenant's active technicians (again to another one)."""
        authorize(principal, Permission.MANAGE_TICKETS)
        store = self._store(principal)
        ticket = self._ticket(store, principal, ticket_id)
        technician = load(
            store, Technician, technician_id, principal.tenant_id, "technician", "technicianId"
        )
        if not technician.active:
            raise TicketRefused(f"technician {technician.name} is not active", field="technicianId")
        ticket.assign(technician.id, technician.name, self._clock.now())
        self._saver.save(store, principal, "AssignTicket", ticket)

    def add_note(self, principal: Principal, ticket_id: UUID, text: str) -> None:
        """An internal note: the staff read it in the timeline; it is never sent."""
        authorize(principal, Permission.MANAGE_TICKETS)
        store = self._store(principal)
        ticket = self._ticket(store, principal, ticket_id)
        sealed = seal(store, ticket.customer_id, body_text(text, "text"))
        ticket.add_note(sealed, self._clock.now())
        self._saver.save(store, principal, "AddTicketNote", ticket)

    def reply(self, principal: Principal, ticket_id: UUID, text: str) -> ReplySent:
        """Answer the customer: WhatsApp, and e-mail where they have an address. Refused for a
        closed ticket (TICKET_CLOSED); a resolved ticket is opened again."""
        authorize(principal, Permission.MANAGE_TICKETS)
        store = self._store(principal)
        ticket = self._ticket(store, principal, ticket_id)
        plain = body_text(text, "text", MAX_REPLY)
        customer = customer_of(store, principal.tenant_id, ticket.customer_id, "id")
        reason = f"reply:{ticket.version}"
        variables = {"nomor_tiket": ticket.number, "balasan": plain}
        message = OutboundMessage.queue(
            uuid5(ticket.id, reason),
            principal.tenant_id,
            customer.id,
            REPLY_TEMPLATE,
            variables,
            ticket.id,
        )
        email = _email(ticket, customer, reason, variables)
        sla = sla_of(self._stores, store, principal.tenant_id)
        sealed = seal(store, customer.id, plain)
        ticket.reply(sealed, self._clock.now(), sla, message.id, email.id if email else None)
        sent = [message] if email is None else [message, email]
        self._saver.save(store, principal, "ReplyToTicket", ticket, *sent)
        return ReplySent(message.id, email.id if email else None)

    def change_status(self, principal: Principal, ticket_id: UUID, status: TicketStatus) -> None:
        authorize(principal, Permission.MANAGE_TICKETS)
        store = self._store(principal)
        ticket = self._ticket(store, principal, ticket_id)
        sla = sla_of(self._stores, store, principal.tenant_id)
        ticket.change_status(status, self._clock.now(), sla)
        self._saver.save(store, principal, "ChangeTicketStatus", ticket)

    def change_priority(self, principal: Principal, ticket_id: UUID, priority: Priority) -> None:
        """The due times follow the new priority's targets."""
        authorize(principal, Permission.MANAGE_TICKETS)
        store = self._store(principal)
        ticket = self._ticket(store, principal, ticket_id)
        sla = sla_of(self._stores, store, principal.tenant_id)
        ticket.change_priority(priority, self._clock.now(), sla)
        self._saver.save(store, principal, "ChangeTicketPriority", ticket)

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)

    def _ticket(self, store: EventStore, principal: Principal, ticket_id: UUID) -> Ticket:
        return load(store, Ticket, ticket_id, principal.tenant_id, "ticket")


def customer_of(store: EventStore, tenant_id: UUID, customer_id: UUID, field: str) -> Customer:
    """The tenant's customer, not forgotten."""
    customer = load(store, Customer, customer_id, tenant_id, "customer", field)
    if customer.forgotten:
        raise CustomerForgotten(f"customer {customer_id} was forgotten", field=field)
    return customer


def _description(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    return body_text(raw, "description")


def _email(
    ticket: Ticket, customer: Customer, reason: str, variables: dict[str, str]
) -> OutboundEmail | None:
    """The reply by e-mail, for a customer with an address (read again when it is sent)."""
    if not customer.email:
        return None
    return OutboundEmail.queue(
        email_id(ticket.id, reason),
        ticket.tenant_id,
        customer.id,
        REPLY_TEMPLATE,
        variables,
        ticket.id,
    )
