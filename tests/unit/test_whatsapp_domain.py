"""WhatsApp aggregates, given events / when a command / then events."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from domain.messaging.campaign import BroadcastDay, CampaignRefused, Guardrails
from domain.messaging.message_template import MessageTemplates, UnknownVariable, variables_of
from domain.messaging.whatsapp import OutboundMessage, WhatsAppConsent
from domain.shared.errors import InvalidValue

JAKARTA = ZoneInfo("Asia/Jakarta")


def _message() -> OutboundMessage:
    return OutboundMessage.queue(uuid4(), uuid4(), uuid4(), "invoice_issued", {}, uuid4())


def test_a_late_earlier_status_does_not_move_a_message_back() -> None:
    message = _message()
    message.sent("cloud_api", "wamid.1")
    assert message.report("read") is True
    assert message.report("delivered") is False
    assert message.status == "read"
    kinds = [type(e).__name__ for e in message.collect_events()]
    assert kinds == ["Queued", "Sent", "StatusReported"]


def test_a_failure_with_retries_left_keeps_the_message_open() -> None:
    message = _message()
    message.failed("503 unavailable", will_retry=True)
    assert (message.finished, message.attempts) == (False, 1)
    message.failed("400 bad number", will_retry=False)
    assert (message.finished, message.status) == (True, "failed")


def test_a_message_needs_someone_to_go_to() -> None:
    with pytest.raises(InvalidValue, match="a customer or a recipient"):
        OutboundMessage.queue(uuid4(), uuid4(), None, "x", {}, uuid4())


def test_stopping_twice_is_not_news_and_mulai_undoes_it() -> None:
    consent = WhatsAppConsent.start(uuid4(), "+6281234567890")
    assert consent.opt_out("STOP") is True
    assert consent.opt_out("BERHENTI") is False
    assert consent.opt_in("MULAI") is True
    assert [type(e).__name__ for e in consent.collect_events()] == [
        "Recorded",
        "OptedOut",
        "OptedIn",
    ]


def test_templates_name_their_variables_and_refuse_unknown_ones() -> None:
    assert variables_of("Halo {nama}, {tagihan} ({nama})") == ["nama", "tagihan"]
    templates = MessageTemplates.start(uuid4())
    with pytest.raises(UnknownVariable, match=r"\{harga\}"):
        templates.set("invoice_issued", "Bayar {harga}", None)
    with pytest.raises(InvalidValue, match="template name"):
        templates.set("Invoice Issued", "Halo {nama}", None)
    templates.set("invoice_issued", "Halo {nama}", None)
    assert templates.texts["invoice_issued"]["text"] == "Halo {nama}"


def test_the_window_opens_on_the_next_sending_day() -> None:
    rails = Guardrails(skip_weekends=True)
    saturday_noon = datetime(2026, 1, 10, 12, 0, tzinfo=JAKARTA)
    assert rails.next_opening(saturday_noon) == datetime(2026, 1, 12, 9, 0, tzinfo=JAKARTA)
    friday_evening = datetime(2026, 1, 9, 18, 0, tzinfo=JAKARTA)
    assert rails.next_opening(friday_evening) == datetime(2026, 1, 12, 9, 0, tzinfo=JAKARTA)
    early = datetime(2026, 1, 9, 7, 30, tzinfo=JAKARTA)
    assert rails.next_opening(early) == datetime(2026, 1, 9, 9, 0, tzinfo=JAKARTA)


def test_a_day_refuses_a_message_before_the_gap_is_over_and_after_the_cap() -> None:
    rails = Guardrails(daily_cap=2)
    now = datetime(2026, 1, 9, 10, 0, tzinfo=JAKARTA)
    day = BroadcastDay.open(uuid4(), date(2026, 1, 9))
    day.pace(uuid4(), uuid4(), now, 45, rails)
    assert day.wait_until(now + timedelta(seconds=10), rails) == now + timedelta(seconds=45)
    with pytest.raises(CampaignRefused):
        day.pace(uuid4(), uuid4(), now + timedelta(seconds=10), 45, rails)
    with pytest.raises(InvalidValue, match="gap"):
        day.pace(uuid4(), uuid4(), now + timedelta(seconds=45), 5, rails)
    day.pace(uuid4(), uuid4(), now + timedelta(seconds=45), 30, rails)
    assert day.capped
    tomorrow = datetime(2026, 1, 10, 9, 0, tzinfo=JAKARTA)
    assert day.wait_until(now + timedelta(hours=1), rails) == tomorrow
