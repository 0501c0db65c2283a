"""Payment links, given events: usable until expiry, paid once, late news changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.payments.gateway import (
    Gateway,
    GatewayAccount,
    GatewayCallback,
    LinkStatus,
    PaymentLink,
    PaymentLinkRefused,
    Verdict,
)
from domain.shared.errors import InvalidValue

NOON = datetime(2026, 1, 5, 12, tzinfo=UTC)


def _link() -> PaymentLink:
    return PaymentLink.create(
        uuid4(),
        uuid4(),
        uuid4(),
        Gateway.TRIPAY,
        "NGA-1",
        "T1",
        "https://tripay.co.id/checkout/T1",
        150_000,
        "IDR",
        NOON + timedelta(hours=24),
    )


def test_a_link_is_usable_until_it_expires() -> None:
    link = _link()
    assert link.usable(NOON)
    assert not link.usable(NOON + timedelta(hours=24))


def test_a_paid_link_cannot_be_paid_again_nor_expired() -> None:
    link = _link()
    payment_id = uuid4()
    link.pay(payment_id, "T1", 150_000)
    with pytest.raises(PaymentLinkRefused):
        link.pay(uuid4(), "T1", 150_000)
    link.expire("late expiry")
    assert link.status is LinkStatus.PAID
    assert [type(e) for e in link.collect_events()] == [PaymentLink.Created, PaymentLink.Paid]


def test_an_expired_link_still_takes_a_payment_the_gateway_confirms() -> None:
    link = _link()
    link.expire("expired")
    link.pay(uuid4(), "T1", 150_000)
    assert link.status is LinkStatus.PAID


def test_a_mismatch_names_amount_or_currency_and_flags_once() -> None:
    link = _link()
    assert link.mismatch(150_000, "IDR") is None
    assert link.mismatch(100_000, "IDR") == "amount 100000 differs from the link's 150000"
    assert link.mismatch(150_000, "USD") == "currency USD differs from the link's IDR"
    link.flag("amount", 100_000, "IDR")
    link.flag("amount again", 100_000, "IDR")
    assert link.status is LinkStatus.REVIEW
    assert (
        len([e for e in link.collect_events() if isinstance(e, PaymentLink.FlaggedForReview)]) == 1
    )


def test_a_link_needs_a_url_from_the_gateway() -> None:
    with pytest.raises(InvalidValue, match="URL"):
        PaymentLink.create(
            uuid4(), uuid4(), uuid4(), Gateway.XENDIT, "o", "r", "None", 1, "IDR", NOON
        )


def test_an_account_needs_every_credential_of_its_gateway() -> None:
    with pytest.raises(InvalidValue, match="callback_token"):
        GatewayAccount.configure(uuid4(), Gateway.XENDIT, {"secret_key": "sb1:x"}, {}, 60)
    with pytest.raises(InvalidValue, match="takes no"):
        GatewayAccount.configure(uuid4(), Gateway.MIDTRANS, {"api_key": "sb1:x"}, {}, 60)


def test_only_a_callback_waiting_for_a_recheck_can_be_rechecked() -> None:
    callback = GatewayCallback(
        tenant_id=uuid4(),
        tenant_ref="t",
        gateway="midtrans",
        headers={},
        body="{}",
        verdict=Verdict.PENDING_RECHECK.value,
        reason="down",
        http_status=200,
        order_id="o",
        reference="r",
        dedupe_key="o",
        claimed_status="settlement",
        amount=1,
        currency="IDR",
    )
    callback.recheck(Verdict.PENDING_RECHECK, "still down", None)
    callback.recheck(Verdict.APPLIED, "paid", uuid4())
    assert callback.attempts == 2
    with pytest.raises(InvalidValue):
        callback.recheck(Verdict.APPLIED, "again", None)
