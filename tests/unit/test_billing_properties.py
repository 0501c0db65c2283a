"""Properties of money on invoices: totals, PPN, allocation, proration, and plan changes priced
by the days each plan was held."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.billing.billing_cycle import Period, add_months, monthly_period_containing, prorate
from domain.billing.invoice import Line, totals
from domain.billing.plan import BillingMode, Plan, ServiceType
from domain.billing.subscription import Subscription
from domain.billing.tax import ppn
from domain.payments.payment import OpenInvoice, allocate
from domain.shared.errors import InvalidValue

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


# -- plan changes inside one cycle ----------------------------------------------------------

TENANT = uuid4()
plan_prices = st.integers(min_value=1, max_value=10_000_000)


@dataclass(frozen=True)
class CycleOfChanges:
    """A subscription asked for plans on days of one cycle; what it held and what it was billed."""

    cycle: Period
    billed_from: date
    held: list[int]  # the price of the plan held (what the router enforced) on each billed day
    billed: int  # what the invoices charged for the billed days
    next_plan_line: int  # the plan line of the cycle after
    last_asked: int  # the price of the last plan change accepted


def _plans(prices: list[int], mode: BillingMode, validity: int) -> list[Plan]:
    return [
        Plan.create(TENANT, f"Paket {n}", price, f"p{n}", ServiceType.PPPOE, mode, validity)
        for n, price in enumerate(prices)
    ]


def _ask(
    subscription: Subscription, plans: list[Plan], asks: list[tuple[int, int]], cycle: Period
) -> tuple[list[tuple[date, int]], int]:
    """Ask for plans on days of the cycle; the price held from each day, and the last accepted."""
    held_from: list[tuple[date, int]] = []
    last = subscription.terms.price
    for offset, index in sorted(asks):
        day = min(cycle.start + timedelta(days=offset), cycle.end - timedelta(days=1))
        try:
            subscription.change_plan(plans[index], day)
        except InvalidValue:
            continue  # already on that plan: refused, changes nothing
        last = plans[index].price
        held_from.append((day, subscription.terms.price))
    return held_from, last


def _held(first: int, held_from: list[tuple[date, int]], start: date, end: date) -> list[int]:
    days = []
    for offset in range((end - start).days):
        day = start + timedelta(days=offset)
        days.append(next((p for d, p in reversed(held_from) if d <= day), first))
    return days


@st.composite
def postpaid_cycles(draw: st.DrawFn) -> CycleOfChanges:
    prices = draw(st.lists(plan_prices, min_size=2, max_size=5))
    plans = _plans(prices, BillingMode.POSTPAID, 0)
    day = draw(st.integers(1, 28))
    on = draw(st.dates(min_value=date(2023, 1, 1), max_value=date(2029, 12, 31)))
    cycle = monthly_period_containing(on, day)
    activated = cycle.start + timedelta(days=draw(st.integers(0, cycle.days - 1)))
    subscription = Subscription.subscribe(TENANT, uuid4(), plans[0], day, "r", "u")
    subscription.activate(activated)
    span = (cycle.end - activated).days - 1
    asks = draw(st.lists(st.tuples(st.integers(0, span), st.integers(0, len(plans) - 1))))
    held_from, last = _ask(
        subscription, plans, [(o + (activated - cycle.start).days, i) for o, i in asks], cycle
    )
    period = subscription.due_period()
    billed = sum(c.amount for c in subscription.charges_for(period))
    subscription.record_billed(uuid4(), period)
    next_line = subscription.charges_for(subscription.due_period())[0].amount
    held = _held(plans[0].price, held_from, activated, cycle.end)
    return CycleOfChanges(cycle, activated, held, billed, next_line, last)


@st.composite
def prepaid_cycles(draw: st.DrawFn) -> CycleOfChanges:
    prices = draw(st.lists(plan_prices, min_size=2, max_size=5))
    validity = draw(st.integers(1, 90))
    plans = _plans(prices, BillingMode.PREPAID, validity)
    start = draw(st.dates(min_value=date(2023, 1, 1), max_value=date(2029, 12, 31)))
    subscription = Subscription.subscribe(TENANT, uuid4(), plans[0], 1, "r", "u")
    subscription.activate(start)
    paid = subscription.due_period()
    billed = sum(c.amount for c in subscription.charges_for(paid))
    subscription.record_billed(uuid4(), paid)
    asks = draw(st.lists(st.tuples(st.integers(0, paid.days - 1), st.integers(0, len(plans) - 1))))
    held_from, last = _ask(subscription, plans, asks, paid)
    following = subscription.charges_for(subscription.due_period())
    billed += sum(c.amount for c in following if c.kind == "proration")
    held = _held(plans[0].price, held_from, paid.start, paid.end)
    return CycleOfChanges(paid, paid.start, held, billed, following[0].amount, last)


def _assert_time_weighted(run: CycleOfChanges) -> None:
    cycle = run.cycle
    days = [run.billed_from + timedelta(days=n) for n in range(len(run.held))]
    # To the rupiah: each day costs its share of the plan held that day, rounded as every
    # proration is (the shares of a plan telescope, so this is splitting the cycle by plan).
    by_day = sum(
        prorate(p, cycle, d, d + timedelta(days=1)) for p, d in zip(run.held, days, strict=True)
    )
    assert run.billed == by_day
    # Within the rounding rule: less than a rupiah either way for each point where a share
    # is cut, and exactly the price when nothing is cut.
    exact = Fraction(sum(run.held), cycle.days)
    cuts = int(run.billed_from > cycle.start) + sum(a != b for a, b in pairwise(run.held))
    if cuts == 0:
        assert run.billed == exact
    assert run.billed < exact + cuts or run.billed == exact  # never more, beyond rounding
    assert run.billed > exact - cuts or run.billed == exact
    # The cycle after is priced whole by the plan asked for last, downgrade or upgrade.
    assert run.next_plan_line == run.last_asked


@settings(max_examples=300, deadline=None)
@given(postpaid_cycles())
def test_a_postpaid_cycle_costs_the_time_weighted_price_of_the_plans_held(
    run: CycleOfChanges,
) -> None:
    _assert_time_weighted(run)


@settings(max_examples=300, deadline=None)
@given(prepaid_cycles())
def test_a_prepaid_period_costs_the_time_weighted_price_of_the_plans_held(
    run: CycleOfChanges,
) -> None:
    _assert_time_weighted(run)
