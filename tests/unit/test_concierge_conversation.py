"""The concierge's conversation on the aggregate alone: the concierge answers until it hands the
chat to the technicians; they assign, reply and close it; a wait too long escalates once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.ai.conversation import (
    ChatState,
    ConciergeRefused,
    Conversation,
    HandoffReason,
    ReplyMode,
    inbound_text,
    reply_text,
)
from domain.ai.usage import AiUsage
from domain.shared.errors import InvalidValue

TENANT = UUID("00000000-0000-0000-0000-000000000001")
AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
USAGE = AiUsage(TENANT, "concierge", None, None, 0, 0, 0, 0, "off")


def _handed_off() -> Conversation:
    chat = Conversation.start(TENANT, uuid4())
    chat.receive("wamid.1", "pd1:halo", AT)
    chat.hand_off(HandoffReason.NOT_CONFIDENT, "pd1:tunggu", "ok", "pd1:ctx", USAGE, AT)
    return chat


def _events(chat: Conversation) -> list[str]:
    return [type(e).__name__ for e in chat.collect_events()]


def test_one_conversation_per_customer_of_a_tenant() -> None:
    customer = uuid4()
    assert Conversation.start(TENANT, customer).id == Conversation.id_for(TENANT, customer)
    assert Conversation.id_for(TENANT, customer) != Conversation.id_for(TENANT, uuid4())


def test_the_concierge_answers_while_it_can_and_stays_in_charge() -> None:
    chat = Conversation.start(TENANT, uuid4())
    chat.receive("wamid.1", "pd1:status?", AT)
    chat.answer("pd1:sedang dikerjakan", ReplyMode.AI, "ok", "pd1:ctx", USAGE, AT)

    assert chat.state is ChatState.BOT
    assert chat.waiting_since is None
    assert _events(chat) == ["Started", "MessageReceived", "Answered"]


def test_a_handoff_opens_the_chat_for_the_technicians_and_starts_the_wait() -> None:
    chat = _handed_off()

    assert chat.state is ChatState.OPEN
    assert chat.waiting_since == AT
    assert chat.handoff_reason is HandoffReason.NOT_CONFIDENT
    assert _events(chat)[-1] == "HandedOff"


def test_a_message_delivered_twice_is_refused_the_second_time() -> None:
    chat = _handed_off()
    assert chat.has_seen("wamid.1")
    with pytest.raises(ConciergeRefused):
        chat.receive("wamid.1", "pd1:halo", AT)


def test_while_technicians_have_the_chat_the_concierge_does_not_answer() -> None:
    chat = _handed_off()
    chat.receive("wamid.2", "pd1:halo lagi", AT + timedelta(minutes=1))

    with pytest.raises(ConciergeRefused, match="cannot answer a conversation that is open"):
        chat.answer("pd1:x", ReplyMode.AI, "ok", "pd1:ctx", USAGE, AT)
    assert chat.waiting_since == AT  # the wait started with the first unanswered message


def test_a_technician_assigns_replies_and_closes_and_the_next_message_starts_the_concierge() -> (
    None
):
    chat = _handed_off()
    technician = uuid4()
    chat.assign(technician, "Rudi", "user:test", AT)
    assert (chat.state, chat.assignee_id, chat.assignee_name) == (
        ChatState.ASSIGNED,
        technician,
        "Rudi",
    )
    chat.reply("pd1:sudah bisa diambil", "user:test", AT)
    assert chat.waiting_since is None
    chat.close("user:test", AT)
    assert chat.state is ChatState.CLOSED
    with pytest.raises(ConciergeRefused):
        chat.reply("pd1:x", "user:test", AT)

    chat.receive("wamid.9", "pd1:halo", AT + timedelta(days=1))

    assert chat.state is ChatState.BOT


def test_a_conversation_the_concierge_holds_cannot_be_assigned() -> None:
    chat = Conversation.start(TENANT, uuid4())
    with pytest.raises(ConciergeRefused, match="cannot assign a conversation that is bot"):
        chat.assign(uuid4(), "Rudi", "user:test", AT)


def test_a_wait_escalates_once_after_the_limit_and_again_only_after_a_reply() -> None:
    chat = _handed_off()
    assert not chat.escalation_due(AT + timedelta(minutes=14, seconds=59), 15)
    with pytest.raises(ConciergeRefused):
        chat.escalate(AT + timedelta(minutes=14), 15)

    chat.escalate(AT + timedelta(minutes=15), 15)

    assert chat.escalated
    assert not chat.escalation_due(AT + timedelta(hours=2), 15)
    chat.reply("pd1:maaf menunggu", "user:test", AT + timedelta(hours=2))
    chat.receive("wamid.3", "pd1:terima kasih, satu lagi", AT + timedelta(hours=3))
    assert chat.escalation_due(AT + timedelta(hours=3, minutes=15), 15)


def test_customer_text_is_made_storable_and_technician_text_is_validated() -> None:
    assert inbound_text("  halo\x00 kak  ") == "halo\ufffd kak"
    assert inbound_text("   ") is None
    assert inbound_text("x" * 10_000) == "x" * 4096
    assert reply_text(" Sudah selesai.\nSilakan diambil. ") == "Sudah selesai.\nSilakan diambil."
    with pytest.raises(InvalidValue, match="text must not be empty"):
        reply_text("   ")
    with pytest.raises(InvalidValue, match="text must not contain NUL"):
        reply_text("halo\x00")
    with pytest.raises(InvalidValue, match="longer than"):
        reply_text("x" * 5000)
