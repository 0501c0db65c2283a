"""Shared by the concierge tests: a repair shop with two customers and their jobs, seeded with
values that must never reach the model for the other customer, and what a message leaves
behind (the conversation, the reply queued)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid5

from adapters.bootstrap import Niaga
from application.customers.customers import RegisterCustomer
from application.repairs.inventory import RegisterItem
from application.repairs.repairs import QuoteLabour, QuotePart, ReceiveJob
from application.shared.context import Principal
from application.shared.unit_of_work import find
from domain.ai.conversation import Conversation
from domain.messaging.whatsapp import OutboundMessage
from tests.integration.read_models import store_of

SITI_PHONE = "+6281298765432"
BUDI_PHONE = "+6281311112222"
HANDOFF = "Tunggu sebentar, teknisi kami akan melayan anda"
# Budi's values: none may ever be in a request made while Siti asks.
BUDI_VALUES = (
    "Budi Santoso",
    "081311112222",
    "6281311112222",
    "Jl. Kenanga No. 3, Surabaya",
    "iPhone 11 Pro",
    "baterai kembung sejak jatuh",
    "IMEI-357999111",
)
SITI_PERSONAL = ("Siti Rahma", "081298765432", "6281298765432", "Jl. Melati No. 7, Bandung")


@dataclass(frozen=True)
class Shop:
    owner: Principal
    siti: UUID
    budi: UUID
    siti_job: UUID
    budi_job: UUID
    technician: UUID
    lcd: UUID


def seed_shop(niaga: Niaga, owner: Principal) -> Shop:
    """Siti's Galaxy A50 being repaired (quote approved), Budi's iPhone received; one
    technician; an LCD in stock."""
    siti = niaga.customers.register(
        owner, RegisterCustomer("Siti Rahma", "081298765432", address="Jl. Melati No. 7, Bandung")
    )
    budi = niaga.customers.register(
        owner,
        RegisterCustomer("Budi Santoso", "081311112222", address="Jl. Kenanga No. 3, Surabaya"),
    )
    technician = niaga.repairs.add_technician(owner, "Rudi Hartono")
    lcd = niaga.inventory.register(
        owner, RegisterItem("LCD-A50", "LCD Samsung A50", 400_000, 650_000, opening_stock=3)
    )
    siti_job = niaga.repairs.receive(
        owner,
        ReceiveJob(
            siti, "smartphone", "Samsung", "Galaxy A50", "layar retak", technician_id=technician
        ),
    )
    niaga.repairs.diagnose(owner, siti_job, "LCD pecah")
    niaga.repairs.quote(
        owner, siti_job, [QuotePart(lcd, 1)], [QuoteLabour("Jasa ganti LCD", 100_000)]
    )
    niaga.repairs.answer_quote(owner, siti_job, True)
    niaga.repairs.start(owner, siti_job)
    budi_job = niaga.repairs.receive(
        owner,
        ReceiveJob(
            budi,
            "smartphone",
            "Apple",
            "iPhone 11 Pro",
            "baterai kembung sejak jatuh",
            serial="IMEI-357999111",
        ),
    )
    return Shop(owner, siti, budi, siti_job, budi_job, technician, lcd)


def conversation_of(niaga: Niaga, shop: Shop, customer: UUID) -> Conversation | None:
    store = store_of(niaga, shop.owner.tenant_id)
    return find(store, Conversation, Conversation.id_for(shop.owner.tenant_id, customer))


def reply_to(niaga: Niaga, shop: Shop, customer: UUID, message_id: str) -> str | None:
    """The text the concierge queued in answer to a message, if it did."""
    store = store_of(niaga, shop.owner.tenant_id)
    conversation_id = Conversation.id_for(shop.owner.tenant_id, customer)
    message = find(store, OutboundMessage, uuid5(conversation_id, f"reply:{message_id}"))
    if message is None:
        return None
    assert message.template == "concierge_reply"
    assert message.customer_id == customer
    return message.variables["balasan"]
