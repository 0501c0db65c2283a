"""A WhatsApp chat the concierge escalated (a customer waited too long for a technician) gets
a ticket linked to it, so the wait is on the support queue with an SLA of its own.

The concierge's escalation asks this hook for what to save with its `Escalated` event: a new
ticket (category repair, priority high, channel concierge), or nothing when the chat already
has a ticket that is open or pending, or its customer was forgotten. The ticket's id derives
from the conversation and its version, and it is saved in the escalation's own transaction.
"""

from __future__ import annotations

from datetime import datetime
from uuid import uuid5

from application.shared.event_store import EventStore
from application.shared.ports import Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import find
from application.support.ports import SupportReadModels
from application.support.sealing import seal, unseal
from application.support.settings import sla_of
from domain.ai.conversation import Conversation, Speaker
from domain.customers.customer import Customer
from domain.shared.local_time import shown_time
from domain.shared.text import printable
from domain.support.policy import Priority
from domain.support.ticket import MAX_BODY, Category, Channel, Links, Ticket

SUBJECT = "Chat WhatsApp menunggu balasan teknisi"


class EscalationTickets:
    def __init__(self, stores: Stores, read_models: SupportReadModels) -> None:
        self._stores = stores
        self._read_models = read_models

    def hand_over(
        self, store: EventStore, conversation: Conversation, at: datetime
    ) -> list[object]:
        """What to save with the escalation: a ticket for the chat, or nothing."""
        tenant_id = conversation.tenant_id
        if self._read_models.unsettled_for_conversation(store, tenant_id, conversation.id):
            return []
        customer = find(store, Customer, conversation.customer_id)
        if customer is None or customer.forgotten or customer.tenant_id != tenant_id:
            return []
        ticket = Ticket.open(
            uuid5(conversation.id, f"ticket:{conversation.version}"),
            tenant_id,
            customer.id,
            category=Category.REPAIR,
            priority=Priority.HIGH,
            channel=Channel.CONCIERGE,
            subject_sealed=seal(store, customer.id, SUBJECT),
            description_sealed=seal(store, customer.id, self._description(store, conversation)),
            links=Links(conversation_id=conversation.id),
            at=at,
            sla=sla_of(self._stores, store, tenant_id),
        )
        return [ticket]

    def _description(self, store: EventStore, conversation: Conversation) -> str:
        zone = tenant_of(self._stores, conversation.tenant_id).timezone
        since = conversation.waiting_since
        lines = ["Pelanggan menunggu balasan teknisi di chat WhatsApp"]
        if since is not None:
            lines[0] += f" sejak {shown_time(since, zone)}"
        said = [text for speaker, text in conversation.recent if speaker is Speaker.CUSTOMER]
        if said:
            last = unseal(store, conversation.customer_id, said[-1])
            lines.append(f"Pesan terakhir: {last}")
        return printable("\n".join(lines), MAX_BODY)
