"""Invoices: issue, pay, void, credit, and gapless numbering (given-when-then)."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.billing.invoice import (
    Invoice,
    InvoiceNumbering,
    InvoiceRefused,
    InvoiceStatus,
    new_line,
)
from domain.shared.errors import InvalidValue

TENANT = uuid4()


def _issued(pkp: bool = True) -> Invoice:
    invoice = Invoice.draft(
        TENANT, uuid4(), [new_line("plan", "Paket 20 Mbps", 1, 150_000, True)], pkp=pkp
    )
    invoice.issue("INV/2026/00001", date(2026, 1, 10), date(2026, 1, 17))
    return invoice


def test_issuing_records_the_number_and_the_ppn() -> None:
    invoice = _issued()
    _, issued = invoice.collect_events()
    assert type(issued).__name__ == "Issued"
    assert (issued.subtotal, issued.dpp, issued.ppn, issued.total) == (
        150_000,
        137_500,
        16_500,
        166_500,
    )
    assert issued.number == "INV/2026/00001"


def test_a_non_pkp_tenant_charges_no_ppn() -> None:
    assert _issued(pkp=False).total == 150_000


def test_partial_then_full_payment_marks_the_invoice_paid() -> None:
    invoice = _issued()
    invoice.record_payment(uuid4(), 100_000, date(2026, 1, 12), "cash")
    assert invoice.status is InvoiceStatus.PARTIALLY_PAID
    invoice.record_payment(uuid4(), 66_500, date(2026, 1, 13), "cash")
    assert invoice.status is InvoiceStatus.PAID
    assert [type(e).__name__ for e in invoice.collect_events()][-3:] == [
        "PaymentRecorded",
        "PaymentRecorded",
        "Paid",
    ]


def test_paying_more_than_is_due_or_paying_a_void_invoice_is_refused() -> None:
    invoice = _issued()
    with pytest.raises(InvoiceRefused, match="exceeds"):
        invoice.record_payment(uuid4(), 166_501, date(2026, 1, 12), "cash")
    invoice.void("salah input", date(2026, 1, 11))
    with pytest.raises(InvoiceRefused, match="void"):
        invoice.record_payment(uuid4(), 1_000, date(2026, 1, 12), "cash")


def test_the_same_payment_applied_twice_changes_nothing() -> None:
    invoice = _issued()
    payment = uuid4()
    invoice.record_payment(payment, 1_000, date(2026, 1, 12), "cash")
    invoice.record_payment(payment, 1_000, date(2026, 1, 12), "cash")
    assert invoice.paid == 1_000


def test_an_invoice_with_payments_cannot_be_voided_but_can_be_credited() -> None:
    invoice = _issued()
    invoice.record_payment(uuid4(), 66_500, date(2026, 1, 12), "cash")
    with pytest.raises(InvoiceRefused, match="credit note"):
        invoice.void("oops", date(2026, 1, 12))
    note = invoice.credit(100_000, "gangguan 5 hari", date(2026, 1, 12))
    assert note == "INV/2026/00001-CN1"
    assert invoice.status is InvoiceStatus.PAID


def test_zero_or_negative_amounts_are_refused() -> None:
    with pytest.raises(InvalidValue):
        new_line("charge", "Pasang baru", 1, 0, True)
    with pytest.raises(InvalidValue):
        _issued().record_payment(uuid4(), -5, date(2026, 1, 12), "cash")


def test_numbers_are_sequential_without_gaps() -> None:
    numbering = InvoiceNumbering.start(TENANT, "INV", "2026")
    first = numbering.take(2)
    second = numbering.take(3)
    assert first + second == [f"INV/2026/{n:05d}" for n in range(1, 6)]
