"""The technicians' side of the concierge: take a conversation handed off (assign it to a
technician), answer the customer on WhatsApp (through the outbox, like every other message),
close it. Technicians, owners and admins (`concierge:handle`)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from application.ai.concierge.concierge import TEMPLATE
from application.ai.concierge.sealing import seal
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, find, load
from domain.ai.conversation import ConciergeRefused, Conversation, reply_text
from domain.customers.customer import Customer
from domain.messaging.whatsapp import OutboundMessage
from domain.repairs.repair_job import Technician
from domain.shared.errors import CustomerForgotten


class ConciergeDesk:
    def __init__(self, stores: Stores, sync: ReadModelSync, clock: Clock) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock

    def assign(self, principal: Principal, conversation_id: UUID, technician_id: UUID) -> None:
        """Give the conversation to an active technician of the shop (again to another one, if
        need be)."""
        authorize(principal, Permission.HANDLE_CONCIERGE)
        store = self._store(principal)
        conversation = self._conversation(store, principal, conversation_id)
        technician = load(
            store, Technician, technician_id, principal.tenant_id, "technician", "technician_id"
        )
        if not technician.active:
            raise ConciergeRefused(
                f"technician {technician.name} is not active", field="technician_id"
            )
        conversation.assign(technician.id, technician.name, str(principal.actor), self._now())
        self._saver.save(store, principal, "AssignConciergeConversation", conversation)

    def reply(self, principal: Principal, conversation_id: UUID, text: str) -> UUID:
        """Answer the customer on WhatsApp; returns the outbound message's id."""
        authorize(principal, Permission.HANDLE_CONCIERGE)
        plain = reply_text(text)
        store = self._store(principal)
        conversation = self._conversation(store, principal, conversation_id)
        customer = find(store, Customer, conversation.customer_id)
        if customer is None or customer.forgotten:
            raise CustomerForgotten("the customer was forgotten", field="id")
        conversation.reply(seal(store, customer.id, plain), str(principal.actor), self._now())
        message = OutboundMessage.queue(
            uuid5(conversation.id, f"technician-reply:{conversation.version}"),
            principal.tenant_id,
            customer.id,
            TEMPLATE,
            {"balasan": plain},
            conversation.id,
        )
        self._saver.save(store, principal, "ReplyToConciergeConversation", conversation, message)
        return message.id

    def close(self, principal: Principal, conversation_id: UUID) -> None:
        """The customer was helped; their next message starts the concierge again."""
        authorize(principal, Permission.HANDLE_CONCIERGE)
        store = self._store(principal)
        conversation = self._conversation(store, principal, conversation_id)
        conversation.close(str(principal.actor), self._now())
        self._saver.save(store, principal, "CloseConciergeConversation", conversation)

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)

    def _conversation(
        self, store: EventStore, principal: Principal, conversation_id: UUID
    ) -> Conversation:
        return load(store, Conversation, conversation_id, principal.tenant_id, "conversation")

    def _now(self) -> datetime:
        return self._clock.now()
