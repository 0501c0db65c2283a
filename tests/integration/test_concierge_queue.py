"""The technicians' side of the concierge on real PostgreSQL: a chat handed off is assigned,
replied to (the reply queued for WhatsApp) and closed by technicians, owners and admins only;
a chat left waiting escalates once after the configured minutes, by a fixed clock; forgetting
the customer erases the conversation's texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.shared.clock import FixedClock
from application.shared.context import Principal
from application.shared.errors import NotFound, PermissionDenied
from application.shared.unit_of_work import find
from domain.ai.conversation import ChatState, ConciergeRefused, Conversation
from domain.messaging.notification import NotificationRequest
from domain.messaging.whatsapp import OutboundMessage
from domain.shared.errors import CustomerForgotten, InvalidValue
from domain.shared.personal_data import FORGOTTEN
from domain.shared.roles import Role
from tests.ai_support import FLASH, LITE, gemini_fixture, platform_key  # noqa: F401
from tests.conftest import principal_for
from tests.integration.concierge import HANDOFF, SITI_PHONE, Shop, conversation_of, seed_shop
from tests.integration.read_models import store_of

START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # 09:00 WIB
MINUTES = 5


@pytest.fixture(name="settings")
def queue_settings(settings: Settings, gemini: FakeGemini) -> Settings:
    return settings.model_copy(
        update={
            "niaga_ai_base_url": gemini.url,
            "niaga_ai_models": f"{FLASH},{LITE}",
            "niaga_ai_timeout_seconds": 1.0,
            "niaga_concierge_escalate_minutes": MINUTES,
        }
    )


@pytest.fixture
def handed_off(niaga: Niaga, owner: Principal, clock: FixedClock, gemini: FakeGemini) -> Shop:
    """Siti asked what the data does not hold: her chat waits for a technician since START."""
    clock.set_now(START)
    shop = seed_shop(niaga, owner)
    platform_key(niaga, "kunci-platform")
    gemini.answer_json({"answer": "?", "confident": False, "handoff": False})
    niaga.whatsapp.inbound.dispatch(owner.tenant_id, SITI_PHONE, "bisa antar jemput?", "w.1")
    return shop


def _chat(niaga: Niaga, shop: Shop) -> Conversation:
    conversation = conversation_of(niaga, shop, shop.siti)
    assert conversation is not None
    return conversation


def test_a_technician_takes_the_chat_replies_on_whatsapp_and_closes_it(
    niaga: Niaga, handed_off: Shop
) -> None:
    shop, chat = handed_off, _chat(niaga, handed_off)
    technician = principal_for(shop.owner.tenant_id, Role.TECHNICIAN)

    niaga.concierge.desk.assign(technician, chat.id, shop.technician)
    message = niaga.concierge.desk.reply(technician, chat.id, "Bisa kak, ongkir Rp10.000.")

    store = store_of(niaga, shop.owner.tenant_id)
    outbound = find(store, OutboundMessage, message)
    assert outbound is not None
    assert (outbound.template, outbound.customer_id) == ("concierge_reply", shop.siti)
    assert outbound.variables == {"balasan": "Bisa kak, ongkir Rp10.000."}
    detail = niaga.concierge.queries.conversation(technician, chat.id)
    assert detail is not None
    assert detail.conversation.state == "assigned"
    assert detail.conversation.assignee_name == "Rudi Hartono"
    assert detail.conversation.waiting_since is None
    assert [(t.speaker, t.text, t.mode) for t in detail.turns] == [
        ("customer", "bisa antar jemput?", None),
        ("concierge", HANDOFF, "handoff"),
        ("technician", "Bisa kak, ongkir Rp10.000.", None),
    ]
    mine = niaga.concierge.queries.conversations(technician, "assigned", shop.technician, 20, None)
    assert [c.id for c in mine.items] == [chat.id]

    niaga.concierge.desk.close(technician, chat.id)

    assert niaga.concierge.queries.conversations(technician, None, None, 20, None).items == []
    closed = niaga.concierge.queries.conversations(technician, "closed", None, 20, None)
    assert [c.state for c in closed.items] == ["closed"]
    with pytest.raises(ConciergeRefused, match="cannot reply to a conversation that is closed"):
        niaga.concierge.desk.reply(technician, chat.id, "halo")


@pytest.mark.parametrize("role", [Role.STAFF, Role.MANAGER, Role.FINANCE, Role.AGENT])
def test_only_technicians_owners_and_admins_handle_the_queue(
    niaga: Niaga, handed_off: Shop, role: Role
) -> None:
    chat, who = _chat(niaga, handed_off), principal_for(handed_off.owner.tenant_id, role)
    with pytest.raises(PermissionDenied):
        niaga.concierge.queries.conversations(who, None, None, 20, None)
    with pytest.raises(PermissionDenied):
        niaga.concierge.desk.reply(who, chat.id, "")  # refused before the text is looked at


def test_bad_input_is_refused_naming_it_and_changes_nothing(niaga: Niaga, handed_off: Shop) -> None:
    shop, chat = handed_off, _chat(niaga, handed_off)
    with pytest.raises(InvalidValue, match="text must not be empty"):
        niaga.concierge.desk.reply(shop.owner, chat.id, "  \n ")
    with pytest.raises(InvalidValue, match="state must be one of"):
        niaga.concierge.queries.conversations(shop.owner, "waiting", None, 20, None)
    with pytest.raises(NotFound) as unknown:
        niaga.concierge.desk.assign(shop.owner, chat.id, uuid4())
    assert unknown.value.field == "technician_id"
    niaga.repairs.deactivate_technician(shop.owner, shop.technician)
    with pytest.raises(ConciergeRefused, match="not active"):
        niaga.concierge.desk.assign(shop.owner, chat.id, shop.technician)
    assert _chat(niaga, shop).version == chat.version


def test_another_tenants_conversation_is_not_found(
    niaga: Niaga, handed_off: Shop, tenant_id: object
) -> None:
    from application.shared.ports import Placement

    other = principal_for(niaga.tenants.create("Toko Lain", Placement.SHARED))
    chat = _chat(niaga, handed_off)
    with pytest.raises(NotFound):
        niaga.concierge.desk.close(other, chat.id)
    assert niaga.concierge.queries.conversation(other, chat.id) is None


def test_a_chat_left_waiting_escalates_once_after_the_configured_minutes(
    niaga: Niaga, handed_off: Shop, clock: FixedClock
) -> None:
    shop, chat = handed_off, _chat(niaga, handed_off)
    store = store_of(niaga, shop.owner.tenant_id)
    clock.set_now(START + timedelta(minutes=MINUTES - 1))
    assert niaga.concierge.sweep.sweep() == 0

    clock.set_now(START + timedelta(minutes=MINUTES))
    assert niaga.concierge.escalations.escalate_due(store) == [chat.id]

    escalated = _chat(niaga, shop)
    assert escalated.escalated
    notice = find(
        store,
        NotificationRequest,
        NotificationRequest.id_for(chat.id, f"concierge_unanswered:{escalated.version}"),
    )
    assert notice is not None
    assert notice.customer_id is None
    assert notice.template == "concierge_unanswered"
    assert notice.variables == {
        "nomor_chat": str(chat.id)[:8].upper(),
        "menit": str(MINUTES),
        "sejak": "05/01/2026 09:00 WIB",
    }
    view = niaga.concierge.queries.conversation(shop.owner, chat.id)
    assert view is not None
    assert view.conversation.escalated
    clock.set_now(START + timedelta(hours=3))
    assert niaga.concierge.sweep.sweep() == 0  # once per wait

    niaga.concierge.desk.reply(shop.owner, chat.id, "Maaf menunggu, kak.")
    niaga.whatsapp.inbound.dispatch(shop.owner.tenant_id, SITI_PHONE, "oke, lalu?", "w.2")
    clock.set_now(START + timedelta(hours=3, minutes=MINUTES))
    assert niaga.concierge.sweep.sweep() == 1  # a new wait, escalated again


def test_forgetting_the_customer_erases_the_conversation(niaga: Niaga, handed_off: Shop) -> None:
    shop, chat = handed_off, _chat(niaga, handed_off)

    niaga.customers.forget(shop.owner, shop.siti)

    detail = niaga.concierge.queries.conversation(shop.owner, chat.id)
    assert detail is not None
    assert {t.text for t in detail.turns} == {FORGOTTEN}
    with pytest.raises(CustomerForgotten):
        niaga.concierge.desk.reply(shop.owner, chat.id, "halo")
    assert _chat(niaga, shop).state is ChatState.OPEN


def test_the_queue_pages_most_recent_activity_first(
    niaga: Niaga, handed_off: Shop, clock: FixedClock
) -> None:
    shop = handed_off
    clock.set_now(START + timedelta(minutes=1))
    niaga.whatsapp.inbound.dispatch(shop.owner.tenant_id, "+6281311112222", "antar jemput?", "b.1")
    budi = conversation_of(niaga, shop, shop.budi)
    assert budi is not None

    first = niaga.concierge.queries.conversations(shop.owner, "open", None, 1, None)
    rest = niaga.concierge.queries.conversations(shop.owner, "open", None, 1, first.cursors[-1])

    assert [c.id for c in first.items] == [budi.id]
    assert first.has_next_page
    assert first.total_count == 2
    assert [c.id for c in rest.items] == [_chat(niaga, shop).id]
    assert not rest.has_next_page
