"""Tickets a customer opens on WhatsApp: `KELUHAN <text>` or `TIKET <text>`.

An inbound handler of the WhatsApp dispatcher (application/messaging/inbound.py), registered
after the answers to repair quotes and before the concierge, so a customer of a repair shop can
still file a complaint. It takes a message only from a customer of the tenant (an unknown
number keeps the existing behaviour: there is no customer to open a ticket for). The ticket and
its confirmation (`ticket_opened`, with the ticket's number) are saved together, and both ids
derive from the provider's message id: a webhook Meta delivers again opens nothing twice.
"""

from __future__ import annotations

import logging
from typing import Protocol
from uuid import UUID, uuid5

from application.shared.clock import Clock
from application.shared.context import Actor, ActorKind, Principal
from application.shared.errors import ConcurrentModification
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, find
from application.support.sealing import seal
from application.support.settings import sla_of
from domain.customers.customer import Customer, CustomerPhone
from domain.messaging.whatsapp import OutboundMessage
from domain.shared.roles import Role
from domain.shared.text import printable
from domain.support.keywords import guess_category, subject_of, ticket_request
from domain.support.policy import Priority
from domain.support.ticket import MAX_BODY, Channel, Links, Ticket, subject_text

log = logging.getLogger(__name__)
WEBHOOK = Actor(ActorKind.GATEWAY, "whatsapp")
OPENED_TEMPLATE = "ticket_opened"
HOW_TO = (
    "Tulis keluhan Anda setelah kata KELUHAN, misalnya: KELUHAN internet mati sejak pagi. "
    "Kami akan mencatatnya sebagai tiket."
)


class InboundText(Protocol):
    """A message as the inbound dispatcher hands it over."""

    @property
    def tenant_id(self) -> UUID: ...
    @property
    def phone(self) -> str: ...  # +62...
    @property
    def text(self) -> str: ...
    @property
    def provider_message_id(self) -> str: ...


class TicketKeywords:
    """The inbound handler `support_tickets`."""

    name = "support_tickets"

    def __init__(self, stores: Stores, sync: ReadModelSync, clock: Clock) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock

    def handle(self, message: InboundText) -> bool:
        """True if the message asked for a ticket from a customer: opened and confirmed, told
        how to ask when nothing followed the keyword, or a delivery seen before."""
        complaint = ticket_request(message.text)
        if complaint is None:
            return False
        store = self._stores.for_tenant(message.tenant_id)
        customer = _customer(store, message.tenant_id, message.phone)
        if customer is None:
            return False
        ticket_id = uuid5(message.tenant_id, f"whatsapp-ticket:{message.provider_message_id}")
        if find(store, Ticket, ticket_id) is not None:
            return True  # Meta delivered this webhook again
        try:
            self._save(store, customer, *self._answer(store, customer, ticket_id, complaint))
        except ConcurrentModification:
            log.info("ticket %s was opened by another delivery of its message", ticket_id)
        return True

    def _answer(
        self, store: EventStore, customer: Customer, ticket_id: UUID, complaint: str
    ) -> list[object]:
        """The ticket and its confirmation, or only how to ask when no complaint came."""
        tenant_id = customer.tenant_id
        reply_id = uuid5(ticket_id, "opened")
        # What a customer wrote is never refused: it is made storable, like the concierge's.
        description = printable(complaint, MAX_BODY).strip()
        if not description:
            return [_message(reply_id, customer, "command_reply", {"balasan": HOW_TO}, ticket_id)]
        ticket = Ticket.open(
            ticket_id,
            tenant_id,
            customer.id,
            category=guess_category(description),
            priority=Priority.NORMAL,
            channel=Channel.WHATSAPP,
            subject_sealed=seal(store, customer.id, subject_text(subject_of(description))),
            description_sealed=seal(store, customer.id, description),
            links=Links(),
            at=self._clock.now(),
            sla=sla_of(self._stores, store, tenant_id),
        )
        variables = {"nomor_tiket": ticket.number}
        return [ticket, _message(reply_id, customer, OPENED_TEMPLATE, variables, ticket_id)]

    def _save(self, store: EventStore, customer: Customer, *objs: object) -> None:
        principal = Principal(customer.tenant_id, Role.STAFF, WEBHOOK)
        self._saver.save(store, principal, "OpenTicketOnWhatsApp", *objs)


def _message(
    message_id: UUID, customer: Customer, template: str, variables: dict[str, str], about: UUID
) -> OutboundMessage:
    return OutboundMessage.queue(
        message_id, customer.tenant_id, customer.id, template, variables, about
    )


def _customer(store: EventStore, tenant_id: UUID, phone: str) -> Customer | None:
    claim = find(store, CustomerPhone, CustomerPhone.id_for(tenant_id, phone))
    if claim is None or claim.customer_id is None:
        return None
    customer = find(store, Customer, claim.customer_id)
    if customer is None or customer.tenant_id != tenant_id or customer.forgotten:
        return None
    return customer
