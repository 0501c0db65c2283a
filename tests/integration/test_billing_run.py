"""The billing run: exactly once per period, even when run twice or interrupted midway; a plan
changed mid-cycle billed at the price of the days each plan was held."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from adapters.bootstrap import Niaga
from application.billing.billing_run import AlreadyBilled
from application.billing.plans import CreatePlan
from application.billing.ports import InvoiceFilter
from application.billing.subscriptions import Subscribe
from application.customers.customers import RegisterCustomer
from application.shared.clock import FixedClock
from application.shared.context import Principal
from domain.billing.plan import BillingMode, ServiceType


class Interrupted(Exception):
    pass


def _subscribers(niaga: Niaga, owner: Principal, count: int) -> list[UUID]:
    plan = niaga.plans.create(
        owner, CreatePlan("Paket 10 Mbps", 100_000, "10M", ServiceType.PPPOE, BillingMode.POSTPAID)
    )
    ids = []
    for n in range(count):
        customer = niaga.customers.register(
            owner, RegisterCustomer(f"Pelanggan {n}", f"0812{n:08d}")
        )
        ids.append(
            niaga.subscriptions.subscribe(
                owner,
                Subscribe(customer, plan, 10, "core-1", f"user{n}", activate_on=date(2025, 12, 10)),
            )
        )
    return ids


def _invoice_numbers(niaga: Niaga, owner: Principal) -> list[str]:
    page = niaga.billing_queries.invoices(owner, InvoiceFilter(), 100, None)
    return sorted(i.number or "" for i in page.items)


def test_an_interrupted_run_resumes_and_bills_each_subscription_once(
    niaga: Niaga, owner: Principal
) -> None:
    _subscribers(niaga, owner, 7)

    def stop_after_first_batch(done: int, due: int) -> None:
        raise Interrupted(f"stopped after {done} of {due}")

    with pytest.raises(Interrupted):
        niaga.billing_run.run(owner, date(2026, 1, 10), stop_after_first_batch, batch_size=3)
    niaga.projections.catch_up_all()  # as the projection daemon would after the crash
    assert len(_invoice_numbers(niaga, owner)) == 3

    resumed = niaga.billing_run.run(owner, date(2026, 1, 10), batch_size=3)

    assert (resumed.subscriptions, resumed.invoices) == (4, 4)
    assert _invoice_numbers(niaga, owner) == [f"INV/2026/{n:05d}" for n in range(1, 8)]


def test_a_second_run_for_a_billed_day_is_refused_and_issues_nothing(
    niaga: Niaga, owner: Principal
) -> None:
    _subscribers(niaga, owner, 2)
    first = niaga.billing_run.run(owner, date(2026, 1, 10))
    assert first.invoices == 2

    with pytest.raises(AlreadyBilled, match="already ran: 2 invoices"):
        niaga.billing_run.run(owner, date(2026, 1, 10))

    assert len(_invoice_numbers(niaga, owner)) == 2
    repeated = niaga.billing_run.run(owner, date(2026, 1, 10), repeat_ok=True)
    assert repeated.invoices == 0


def test_missed_months_are_each_billed_once(niaga: Niaga, owner: Principal) -> None:
    _subscribers(niaga, owner, 1)
    report = niaga.billing_run.run(owner, date(2026, 3, 12))
    assert report.invoices == 3  # January, February and March
    page = niaga.billing_queries.invoices(owner, InvoiceFilter(), 10, None)
    periods = sorted(i.period or "" for i in page.items)
    assert periods == [
        "2025-12-10..2026-01-10",
        "2026-01-10..2026-02-10",
        "2026-02-10..2026-03-10",
    ]


def _plan(niaga: Niaga, owner: Principal, price: int, mode: BillingMode, validity: int) -> UUID:
    return niaga.plans.create(
        owner, CreatePlan(f"Paket {price}", price, f"p{price}", ServiceType.PPPOE, mode, validity)
    )


def _subscriber(niaga: Niaga, owner: Principal, plan: UUID, activate_on: date) -> UUID:
    customer = niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))
    return niaga.subscriptions.subscribe(
        owner, Subscribe(customer, plan, 1, "core-1", "budi", activate_on=activate_on)
    )


def _invoice_lines(niaga: Niaga, owner: Principal) -> dict[str, list[tuple[str, int]]]:
    page = niaga.billing_queries.invoices(owner, InvoiceFilter(), 100, None)
    return {i.period or "": [(line.kind, line.amount) for line in i.lines] for i in page.items}


def test_a_postpaid_upgrade_is_billed_at_the_price_of_the_days_each_plan_was_held(
    niaga: Niaga, owner: Principal, clock: FixedClock
) -> None:
    basic = _plan(niaga, owner, 150_000, BillingMode.POSTPAID, 0)
    faster = _plan(niaga, owner, 250_000, BillingMode.POSTPAID, 0)
    subscription = _subscriber(niaga, owner, basic, date(2026, 1, 1))
    clock.set(date(2026, 1, 4))
    niaga.subscriptions.change_plan(owner, subscription, faster)

    january = niaga.billing_run.run(owner, date(2026, 2, 1))
    february = niaga.billing_run.run(owner, date(2026, 3, 1))

    # 3 days at 150,000 and 28 at 250,000 of a 31-day cycle: 14,516 + 225,807
    assert (january.invoices, january.total) == (1, 240_323)
    assert (february.invoices, february.total) == (1, 250_000)
    assert _invoice_lines(niaga, owner) == {
        "2026-01-01..2026-02-01": [("plan", 150_000), ("proration", 90_323)],
        "2026-02-01..2026-03-01": [("plan", 250_000)],
    }


def test_a_prepaid_upgrade_is_corrected_next_period_and_a_downgrade_starts_it(
    niaga: Niaga, owner: Principal, clock: FixedClock
) -> None:
    basic = _plan(niaga, owner, 150_000, BillingMode.PREPAID, 31)
    faster = _plan(niaga, owner, 250_000, BillingMode.PREPAID, 31)
    weekly = _plan(niaga, owner, 60_000, BillingMode.PREPAID, 7)
    subscription = _subscriber(niaga, owner, basic, date(2026, 1, 1))
    assert niaga.billing_run.run(owner, date(2026, 1, 1)).total == 150_000
    clock.set(date(2026, 1, 4))
    niaga.subscriptions.change_plan(owner, subscription, faster)

    upgraded = niaga.billing_run.run(owner, date(2026, 2, 1))
    clock.set(date(2026, 2, 20))
    niaga.subscriptions.change_plan(owner, subscription, weekly)
    downgraded = niaga.billing_run.run(owner, date(2026, 3, 4))

    assert upgraded.total == 250_000 + 90_323  # the next 31 days, and 28 of the paid ones
    assert downgraded.total == 60_000  # the cheaper plan, priced and timed by its own validity
    assert _invoice_lines(niaga, owner) == {
        "2026-01-01..2026-02-01": [("plan", 150_000)],
        "2026-02-01..2026-03-04": [("plan", 250_000), ("proration", 90_323)],
        "2026-03-04..2026-03-11": [("plan", 60_000)],
    }
