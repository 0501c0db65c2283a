"""Support tickets on real PostgreSQL: a chat the concierge escalates gets one ticket linked to
it; the read model rebuilt from zero equals the live one; forgetting the customer erases the
ticket's texts; each role may do what the permission table says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.shared.clock import FixedClock
from application.shared.context import Principal
from application.shared.errors import PermissionDenied
from application.support.ports import TicketFilter
from application.support.tickets import OpenTicket
from domain.shared.personal_data import FORGOTTEN
from domain.shared.roles import Role
from domain.support.policy import Priority
from domain.support.ticket import Category, TicketStatus
from tests.conftest import principal_for
from tests.integration.concierge import SITI_PHONE, Shop, seed_shop
from tests.integration.read_models import assert_live_equals_rebuild, store_of

START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
MINUTES = 5


@pytest.fixture(name="settings")
def escalating_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"niaga_concierge_escalate_minutes": MINUTES})


@pytest.fixture
def shop(niaga: Niaga, owner: Principal, clock: FixedClock) -> Shop:
    """A repair shop whose customer Siti asked what no record answers: with AI off, her chat
    waits for a technician since START."""
    clock.set_now(START)
    shop = seed_shop(niaga, owner)
    taken = niaga.whatsapp.inbound.dispatch(owner.tenant_id, SITI_PHONE, "bisa antar jemput?", "1")
    assert taken == "concierge"
    return shop


def _escalate(niaga: Niaga, shop: Shop, clock: FixedClock, after: timedelta) -> list[UUID]:
    clock.set_now(clock.now() + after)
    return niaga.concierge.escalations.escalate_due(store_of(niaga, shop.owner.tenant_id))


def _tickets(niaga: Niaga, who: Principal, **which: object) -> list[UUID]:
    page = niaga.support.queries.tickets(who, TicketFilter(**which))  # type: ignore[arg-type]
    return [t.id for t in page.items]


def test_an_escalated_chat_gets_one_ticket_linked_to_it_until_that_ticket_is_settled(
    niaga: Niaga, shop: Shop, clock: FixedClock
) -> None:
    owner = shop.owner
    [chat] = _escalate(niaga, shop, clock, timedelta(minutes=MINUTES))

    [ticket_id] = _tickets(niaga, owner)
    ticket = niaga.support.queries.ticket(owner, ticket_id)
    assert ticket is not None
    assert (ticket.conversation_id, ticket.customer_id) == (chat, shop.siti)
    assert (ticket.channel, ticket.category, ticket.priority) == ("concierge", "repair", "high")
    assert ticket.description == (
        "Pelanggan menunggu balasan teknisi di chat WhatsApp sejak 05/01/2026 09:00 WIB\n"
        "Pesan terakhir: bisa antar jemput?"
    )
    assert ticket.opened_at == START + timedelta(minutes=MINUTES)

    # A second wait while the ticket is still open adds no ticket.
    niaga.concierge.desk.reply(owner, chat, "Bisa kak, besok pagi.")
    niaga.whatsapp.inbound.dispatch(owner.tenant_id, SITI_PHONE, "jam berapa?", "2")
    assert _escalate(niaga, shop, clock, timedelta(minutes=MINUTES)) == [chat]
    assert _tickets(niaga, owner) == [ticket_id]

    # Once it is resolved, the next wait gets a ticket of its own.
    niaga.support.tickets.change_status(owner, ticket_id, TicketStatus.RESOLVED)
    niaga.concierge.desk.reply(owner, chat, "Kurir sudah berangkat.")
    niaga.whatsapp.inbound.dispatch(owner.tenant_id, SITI_PHONE, "belum sampai", "3")
    assert _escalate(niaga, shop, clock, timedelta(minutes=MINUTES)) == [chat]
    assert len(_tickets(niaga, owner)) == 2


def test_the_live_read_model_equals_a_rebuild_and_forgetting_erases_the_texts(
    niaga: Niaga, shop: Shop, clock: FixedClock
) -> None:
    owner = shop.owner
    _escalate(niaga, shop, clock, timedelta(minutes=MINUTES))
    tickets = niaga.support.tickets
    ticket = tickets.open(
        owner, OpenTicket(shop.siti, Category.REPAIR, "Layar berkedip", "Sejak diservis")
    )
    tickets.assign(owner, ticket, shop.technician)
    tickets.add_note(owner, ticket, "Cek garansi servis")
    tickets.reply(owner, ticket, "Silakan bawa ke toko.")
    tickets.change_status(owner, ticket, TicketStatus.PENDING)
    tickets.change_priority(owner, ticket, Priority.URGENT)
    tickets.change_status(owner, ticket, TicketStatus.OPEN)

    assert_live_equals_rebuild(
        niaga, store_of(niaga, owner.tenant_id), ("support_tickets", "message_log", "email_log")
    )
    niaga.customers.forget(owner, shop.siti)

    forgotten = niaga.support.queries.ticket(owner, ticket)
    assert forgotten is not None
    assert (forgotten.subject, forgotten.description) == (FORGOTTEN, FORGOTTEN)
    texts = [e.text for e in niaga.support.queries.timeline(owner, ticket) if e.text]
    assert texts == [FORGOTTEN] * 3  # the description, the note, the reply


@pytest.mark.parametrize(
    ("role", "reads", "manages"),
    [
        (Role.TECHNICIAN, True, True),
        (Role.STAFF, True, True),
        (Role.FINANCE, True, False),
        (Role.AUDITOR, True, False),
        (Role.AGENT, False, False),
    ],
)
def test_each_role_reads_and_works_on_tickets_as_the_permission_table_says(
    niaga: Niaga, shop: Shop, role: Role, reads: bool, manages: bool
) -> None:
    who = principal_for(shop.owner.tenant_id, role)
    command = OpenTicket(shop.siti, Category.OTHER, "Tanya jam buka")
    if manages:
        assert niaga.support.tickets.open(who, command)
    else:
        with pytest.raises(PermissionDenied):
            niaga.support.tickets.open(who, command)
    if reads:
        assert len(_tickets(niaga, who)) == (1 if manages else 0)
    else:
        with pytest.raises(PermissionDenied):
            _tickets(niaga, who)
