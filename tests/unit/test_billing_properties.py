"""Properties of money on invoices: totals, PPN, allocation and proration."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.billing.billing_cycle import Period, add_months, monthly_period_containing, prorate
from domain.billing.invoice import Line, totals
from domain.billing.tax import ppn
from domain.payments.payment import OpenInvoice, allocate

prices = st.integers(min_value=1, max_value=50_000_000)
lines = st.lists(
    st.builds(
        Line,
        kind=st.sampled_from(["plan", "charge", "service"]),
        description=st.just("x"),
        quantity=st.integers(1, 20),
        unit_price=st.integers(1, 5_000_000),
        taxable=st.booleans(),
    ),
    min_size=1,
    max_size=8,
)


@given(lines, st.booleans())
def test_an_invoice_total_is_its_lines_plus_ppn(invoice_lines: list[Line], pkp: bool) -> None:
    result = totals(invoice_lines, pkp=pkp)
    assert result.total == sum(line.amount for line in invoice_lines) + result.ppn
    if not pkp:
        assert result.ppn == 0


@given(prices)
def test_ppn_is_rounded_down_and_never_above_eleven_percent(price: int) -> None:
    tax = ppn(price, pkp=True)
    assert tax.dpp == price * 11 // 12
    assert tax.ppn == tax.dpp * 12 // 100
    assert tax.ppn * 100 <= price * 11
    # Rounded down: one rupiah more would exceed 12% of the DPP.
    assert (tax.ppn + 1) * 100 > tax.dpp * 12


def test_ppn_matches_the_worked_example_of_pmk_131() -> None:
    tax = ppn(150_000, pkp=True)
    assert (tax.dpp, tax.ppn) == (137_500, 16_500)


open_invoices = st.lists(
    st.builds(
        OpenInvoice,
        invoice_id=st.builds(uuid4),
        issued_on=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
        number=st.text(alphabet="0123456789", min_size=5, max_size=5),
        balance_due=st.integers(1, 5_000_000),
    ),
    max_size=10,
)


@given(st.integers(1, 30_000_000), open_invoices)
def test_a_payment_never_allocates_more_than_is_due(
    amount: int, invoices: list[OpenInvoice]
) -> None:
    allocations, left = allocate(amount, invoices)
    due = {i.invoice_id: i.balance_due for i in invoices}
    assert all(0 < share <= due[invoice_id] for invoice_id, share in allocations)
    assert sum(share for _, share in allocations) + left == amount
    assert left == 0 or sum(share for _, share in allocations) == sum(due.values())


@given(st.integers(1, 10_000_000), open_invoices)
def test_allocation_pays_the_oldest_invoice_first(amount: int, invoices: list[OpenInvoice]) -> None:
    allocations, _ = allocate(amount, invoices)
    paid = dict(allocations)
    ordered = sorted(invoices, key=lambda i: (i.issued_on, i.number))
    for older, newer in pairwise(ordered):
        if paid.get(newer.invoice_id):
            assert paid.get(older.invoice_id) == older.balance_due


@settings(max_examples=300)
@given(
    prices,
    st.integers(1, 28),
    st.dates(min_value=date(2023, 1, 1), max_value=date(2029, 12, 31)),
    st.lists(st.integers(0, 31), max_size=4),
)
def test_prorated_parts_of_a_cycle_add_up_to_the_price(
    price: int, billing_day: int, on: date, cuts: list[int]
) -> None:
    cycle = monthly_period_containing(on, billing_day)
    points = sorted({min(cycle.start + timedelta(days=c), cycle.end) for c in cuts})
    bounds = [cycle.start, *[p for p in points if cycle.start < p < cycle.end], cycle.end]
    parts = [prorate(price, cycle, a, b) for a, b in pairwise(bounds)]
    assert sum(parts) == price
    assert all(part >= 0 for part in parts)


def test_every_start_day_of_a_leap_february_prorates_to_the_whole_price() -> None:
    for billing_day in range(1, 29):
        cycle = Period(
            date(2024, 2, billing_day), add_months(date(2024, 2, billing_day), 1, billing_day)
        )
        for offset in range(cycle.days):
            split = cycle.start + timedelta(days=offset)
            head = prorate(100_000, cycle, cycle.start, split)
            tail = prorate(100_000, cycle, split, cycle.end)
            assert head + tail == 100_000
