"""A support ticket's life and its two SLA clocks: given its events, when a command, then the
events it records (or the refusal)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.shared.errors import InvalidValue
from domain.support.keywords import guess_category, subject_of, ticket_request
from domain.support.policy import Priority, SupportPolicy, SupportSettings, Target
from domain.support.ticket import (
    Category,
    Channel,
    Links,
    Sla,
    Ticket,
    TicketClosed,
    TicketRefused,
    TicketStatus,
    body_text,
    subject_text,
    ticket_number,
)

SLA = Sla(SupportPolicy(), "Asia/Jakarta")  # Monday-Saturday 08:00-17:00 WIB
OPEN, PENDING = TicketStatus.OPEN, TicketStatus.PENDING
RESOLVED, CLOSED = TicketStatus.RESOLVED, TicketStatus.CLOSED


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """Jakarta's clock in December 2026 (the 7th is a Monday)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def opened(at: datetime = wib(7, 9), priority: Priority = Priority.NORMAL) -> Ticket:
    ticket = Ticket.open(
        uuid4(),
        uuid4(),
        uuid4(),
        category=Category.CONNECTION,
        priority=priority,
        channel=Channel.DESK,
        subject_sealed="pd1:subject",
        description_sealed=None,
        links=Links(),
        at=at,
        sla=SLA,
    )
    ticket.collect_events()
    return ticket


def recorded(ticket: Ticket) -> list[str]:
    return [type(e).__name__ for e in ticket.collect_events()]


def test_opening_sets_both_due_times_in_business_hours() -> None:
    ticket = opened(wib(7, 15), Priority.HIGH)  # 1 h to respond, 9 h to resolve
    assert ticket.first_response_due_at == wib(7, 16)
    assert ticket.resolution_due_at == wib(8, 15)
    assert (ticket.status, ticket.number) == (OPEN, ticket_number(ticket.id))


def test_the_first_public_reply_stops_the_first_response_clock() -> None:
    ticket = opened()
    ticket.reply("pd1:a", wib(7, 10), SLA, uuid4(), None)
    ticket.reply("pd1:b", wib(7, 11), SLA, uuid4(), None)
    events = ticket.collect_events()
    assert [e.first_response for e in events] == [True, False]  # type: ignore[attr-defined]
    assert ticket.first_response_at == wib(7, 10)
    assert not ticket.first_response_breached(wib(9, 9))


def test_no_response_by_its_due_time_is_a_breach() -> None:
    ticket = opened(wib(7, 9))  # normal: 4 business hours to respond
    assert not ticket.first_response_breached(wib(7, 13))
    assert ticket.first_response_breached(wib(7, 13, 1))


def test_a_note_is_recorded_and_sends_nothing_nor_stops_any_clock() -> None:
    ticket = opened()
    ticket.add_note("pd1:note", wib(7, 10))
    assert recorded(ticket) == ["NoteAdded"]
    assert ticket.first_response_at is None


def test_waiting_on_the_customer_moves_the_resolution_due_time() -> None:
    ticket = opened(wib(7, 9), Priority.URGENT)  # 4 business hours: due 13:00
    ticket.change_status(PENDING, wib(7, 10), SLA)
    assert ticket.resolution_due_at == wib(7, 13)
    assert not ticket.resolution_breached(wib(8, 12))  # the clock stands still
    ticket.change_status(OPEN, wib(8, 12), SLA)  # a business day and two hours later
    assert ticket.resolution_due_at == wib(8, 15)
    assert recorded(ticket) == ["StatusChanged", "StatusChanged"]


def test_taking_a_ticket_out_of_open_counts_as_its_first_response() -> None:
    ticket = opened(wib(7, 9))
    ticket.change_status(PENDING, wib(7, 10), SLA)
    assert ticket.first_response_at == wib(7, 10)


def test_a_resolved_ticket_reopens_on_a_reply() -> None:
    ticket = opened()
    ticket.change_status(RESOLVED, wib(7, 10), SLA)
    ticket.collect_events()
    ticket.reply("pd1:again", wib(7, 11), SLA, uuid4(), uuid4())
    assert recorded(ticket) == ["StatusChanged", "Replied"]
    assert ticket.status is OPEN


def test_a_closed_ticket_takes_no_reply() -> None:
    ticket = opened()
    ticket.change_status(CLOSED, wib(7, 10), SLA)
    ticket.collect_events()
    with pytest.raises(TicketClosed) as refused:
        ticket.reply("pd1:late", wib(7, 11), SLA, uuid4(), None)
    assert refused.value.code == "TICKET_CLOSED"
    assert recorded(ticket) == []


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([CLOSED], OPEN),
        ([CLOSED], RESOLVED),
        ([RESOLVED], PENDING),
        ([RESOLVED, CLOSED], OPEN),
    ],
)
def test_a_ticket_cannot_go_back_where_its_life_does_not_lead(
    path: list[TicketStatus], refused: TicketStatus
) -> None:
    ticket = opened()
    for step in path:
        ticket.change_status(step, wib(7, 10), SLA)
    ticket.collect_events()
    with pytest.raises(TicketRefused) as error:
        ticket.change_status(refused, wib(7, 11), SLA)
    assert error.value.field == "status"
    assert recorded(ticket) == []


def test_the_same_status_again_records_nothing() -> None:
    ticket = opened()
    ticket.change_status(OPEN, wib(7, 10), SLA)
    assert recorded(ticket) == []


def test_a_new_priority_recomputes_both_due_times_from_the_opening() -> None:
    ticket = opened(wib(7, 9), Priority.LOW)
    ticket.change_priority(Priority.URGENT, wib(7, 10), SLA)
    assert ticket.first_response_due_at == wib(7, 9, 30)
    assert ticket.resolution_due_at == wib(7, 13)
    assert recorded(ticket) == ["PriorityChanged"]


def test_a_closed_ticket_is_neither_assigned_nor_reprioritised() -> None:
    ticket = opened()
    ticket.change_status(CLOSED, wib(7, 10), SLA)
    with pytest.raises(TicketRefused):
        ticket.assign(uuid4(), "Andi", wib(7, 11))
    with pytest.raises(TicketRefused):
        ticket.change_priority(Priority.HIGH, wib(7, 11), SLA)


def test_assigning_the_same_technician_again_records_nothing() -> None:
    ticket, andi = opened(), uuid4()
    ticket.assign(andi, "Andi", wib(7, 10))
    ticket.assign(andi, "Andi", wib(7, 11))
    assert recorded(ticket) == ["Assigned"]


@pytest.mark.parametrize("subject", ["", "   ", "dua\nbaris", "x" * 201, "a\x00"])
def test_a_subject_is_one_line_of_text(subject: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        subject_text(subject)
    assert refused.value.field == "subject"


def test_a_reply_or_note_says_something() -> None:
    with pytest.raises(InvalidValue):
        body_text("  \n ", "text")
    assert body_text(" Sudah kami cek.\nMohon restart modem. ", "text") == (
        "Sudah kami cek.\nMohon restart modem."
    )


def test_targets_keep_the_resolution_after_the_first_response() -> None:
    settings = SupportSettings.start(uuid4())
    with pytest.raises(InvalidValue) as refused:
        settings.set_targets({Priority.HIGH: Target(120, 60)})
    assert refused.value.field == "resolutionMinutes"
    settings.set_targets({Priority.HIGH: Target(30, 120)})
    assert settings.policy.targets[Priority.HIGH] == Target(30, 120)
    assert settings.policy.targets[Priority.LOW] == SupportPolicy().targets[Priority.LOW]


def test_hours_that_cannot_give_the_longest_target_in_a_year_are_refused() -> None:
    settings = SupportSettings.start(uuid4())
    with pytest.raises(InvalidValue) as refused:
        settings.set_hours([7], "08:00", "08:30")  # 26 hours a year; low needs 45
    assert refused.value.field == "targets"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("KELUHAN internet mati sejak pagi", "internet mati sejak pagi"),
        ("keluhan: modem LOS merah", "modem LOS merah"),
        ("  Tiket tagihan dobel ", "tagihan dobel"),
        ("TIKET", ""),
        ("keluhanku banyak", None),
        ("tiketnya mana?", None),
        ("halo, keluhan saya", None),
    ],
)
def test_a_ticket_is_asked_for_with_a_keyword_first(text: str, complaint: str | None) -> None:
    assert ticket_request(text) == complaint


def test_a_complaint_is_guessed_into_a_category_and_a_one_line_subject() -> None:
    assert guess_category("internet lemot dari kemarin") is Category.CONNECTION
    assert guess_category("tagihan bulan ini dobel") is Category.BILLING
    assert guess_category("bayar voucher tapi kode tidak masuk") is Category.VOUCHER
    assert guess_category("halo") is Category.OTHER
    assert subject_of("internet mati\nsudah restart modem") == "internet mati"
    long = subject_of("kata " * 60)
    assert len(long) <= 101
    assert long.endswith("…")
