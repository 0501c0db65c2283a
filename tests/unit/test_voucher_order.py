"""Voucher orders are fulfilled once and only in time; links stored before purposes existed
still read as invoice links."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.payments.gateway import LinkPurpose, PaymentLink
from domain.shared.errors import InvalidValue
from domain.vouchers.voucher_order import (
    OrderRefused,
    OrderStatus,
    ShopCode,
    VoucherOrder,
    shop_code,
)

PLACED = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _order() -> VoucherOrder:
    return VoucherOrder.place(
        uuid.uuid4(),
        uuid.uuid4(),
        uuid.uuid4(),
        "AG001",
        uuid.uuid4(),
        "3JAM",
        3000,
        "6281355550001",
        "tripay",
        uuid.uuid4(),
        "https://tripay.example/checkout/T1",
        PLACED + timedelta(hours=1),
    )


def test_an_order_is_fulfilled_once() -> None:
    order = _order()
    order.fulfil(uuid.uuid4(), "abc12345", "abc12345", "tripay:T1", PLACED)
    assert order.status_at(PLACED) is OrderStatus.FULFILLED
    with pytest.raises(OrderRefused):
        order.fulfil(uuid.uuid4(), "xyz98765", "xyz98765", "tripay:T1", PLACED)
    with pytest.raises(OrderRefused):
        order.pay_late("tripay:T1", PLACED)


def test_an_order_past_its_expiry_is_not_fulfilled_but_can_be_marked_paid_late() -> None:
    order = _order()
    late = PLACED + timedelta(hours=2)
    assert order.status_at(late) is OrderStatus.EXPIRED
    with pytest.raises(OrderRefused):
        order.fulfil(uuid.uuid4(), "abc12345", "abc12345", "tripay:T1", late)
    order.pay_late("tripay:T1", late)
    assert order.status_at(late) is OrderStatus.PAID_LATE
    assert order.username is None


@pytest.mark.parametrize("raw", ["", "ab", "AG 01", "AG-001", "A" * 17])
def test_a_shop_code_is_three_to_sixteen_letters_or_digits(raw: str) -> None:
    with pytest.raises(InvalidValue):
        shop_code(raw)


def test_a_shop_code_is_stored_upper_case_and_names_its_claim() -> None:
    claim = ShopCode.claim(uuid.uuid4(), uuid.uuid4(), " ag001 ")
    assert claim.code == "AG001"
    assert claim.id == ShopCode.id_for("AG001")


def test_a_link_created_before_purposes_existed_pays_an_invoice() -> None:
    invoice_id = uuid.uuid4()
    state = {  # as decoded from a version 1 event recorded without the later fields
        "originator_id": uuid.uuid4(),
        "originator_version": 1,
        "timestamp": PLACED,
        "originator_topic": "domain.payments.gateway:PaymentLink",
        "tenant_id": uuid.uuid4(),
        "invoice_id": invoice_id,
        "customer_id": uuid.uuid4(),
        "gateway": "tripay",
        "order_id": "NGA-1",
        "reference": "T1",
        "url": "https://tripay.example/checkout/T1",
        "amount": 150_000,
        "currency": "IDR",
        "expires_at": PLACED + timedelta(days=1),
    }
    PaymentLink.Created.upcast_v1_v2(state)
    link = PaymentLink.Created(**state).mutate(None)
    assert isinstance(link, PaymentLink)
    assert link.purpose is LinkPurpose.INVOICE
    assert link.subject_id == invoice_id
