"""Subscriptions: lifecycle, billing periods, promotions and plan changes (given-when-then).

A plan change is priced by splitting its cycle between the plans held: each plan costs its
prorated share (`prorate`) of the days it was held."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.billing.billing_cycle import Period, prorate
from domain.billing.plan import BillingMode, Plan, PromotionKind, ServiceType, new_promotion
from domain.billing.subscription import (
    InvalidTransition,
    PlanTerms,
    Subscription,
    SubscriptionState,
)
from domain.shared.errors import InvalidValue

TENANT = uuid4()


def _plan(price: int = 150_000, mode: BillingMode = BillingMode.POSTPAID, days: int = 30) -> Plan:
    return Plan.create(TENANT, f"Paket {price}", price, "20M", ServiceType.PPPOE, mode, days)


def _subscription(plan: Plan | None = None, promo: str | None = None) -> Subscription:
    return Subscription.subscribe(TENANT, uuid4(), plan or _plan(), 10, "core-1", "budi", promo)


def _subscription_on_day_1(plan: Plan) -> Subscription:
    return Subscription.subscribe(TENANT, uuid4(), plan, 1, "core-1", "budi")


def _names(subscription: Subscription) -> list[str]:
    return [type(e).__name__ for e in subscription.collect_events()]


def test_activating_a_postpaid_subscription_bills_on_the_next_billing_day() -> None:
    subscription = _subscription()
    subscription.activate(date(2026, 3, 20))
    assert _names(subscription) == ["Subscribed", "Activated"]
    assert subscription.next_bill_on == date(2026, 4, 10)
    assert subscription.due_period() == Period(date(2026, 3, 20), date(2026, 4, 10))


def test_a_first_partial_month_is_prorated_and_later_months_are_whole() -> None:
    subscription = _subscription()
    subscription.activate(date(2026, 3, 20))
    first = subscription.due_period()
    (plan_line,) = subscription.charges_for(first)
    # 21 of the 31 days from 10 March to 10 April: the whole less the share of the 10 days before
    assert plan_line.amount == 150_000 - 150_000 * 10 // 31
    subscription.record_billed(uuid4(), first)
    second = subscription.due_period()
    assert second == Period(date(2026, 4, 10), date(2026, 5, 10))
    assert subscription.charges_for(second)[0].amount == 150_000


def test_a_prepaid_subscription_is_billed_at_once_for_its_validity() -> None:
    subscription = _subscription(_plan(mode=BillingMode.PREPAID, days=30))
    subscription.activate(date(2026, 1, 31))
    assert subscription.next_bill_on == date(2026, 1, 31)
    period = subscription.due_period()
    subscription.record_billed(uuid4(), period)
    assert subscription.next_bill_on == date(2026, 3, 2)


def test_a_promotion_discounts_only_its_cycles() -> None:
    plan = _plan()
    plan.add_promotion(new_promotion("hemat", PromotionKind.PERCENTAGE, 50, 2))
    subscription = _subscription(plan, "HEMAT")
    subscription.activate(date(2026, 1, 10))
    discounts = []
    for _ in range(3):
        period = subscription.due_period()
        discounts.append(
            sum(c.amount for c in subscription.charges_for(period) if c.kind == "discount")
        )
        subscription.record_billed(uuid4(), period)
    assert discounts == [-75_000, -75_000, 0]


def test_first_month_free_discounts_the_whole_first_invoice() -> None:
    plan = _plan()
    plan.add_promotion(new_promotion("GRATIS", PromotionKind.FIRST_MONTH_FREE, 0, 5))
    subscription = _subscription(plan, "gratis")
    subscription.activate(date(2026, 1, 10))
    charges = subscription.charges_for(subscription.due_period())
    assert sum(c.amount for c in charges) == 0


def test_an_upgrade_applies_at_once_and_the_invoice_corrects_the_rest_of_the_cycle() -> None:
    subscription = _subscription()
    subscription.activate(date(2026, 1, 10))
    subscription.collect_events()
    faster = _plan(250_000)
    subscription.change_plan(faster, date(2026, 1, 25))
    (changed,) = subscription.collect_events()
    assert isinstance(changed, Subscription.PlanChanged)
    assert subscription.terms.price == 250_000  # the router gets the faster profile at once
    # 16 of the 31 days of 10 Jan - 10 Feb: the new plan's share less the old plan's share
    new_share = 250_000 - 250_000 * 15 // 31
    old_share = 150_000 - 150_000 * 15 // 31
    assert changed.adjustment == new_share - old_share == 51_613
    charges = subscription.charges_for(subscription.due_period())
    assert [(c.kind, c.amount) for c in charges] == [
        ("plan", 150_000),
        ("proration", new_share - old_share),
    ]


def test_a_postpaid_upgrade_charges_each_plan_for_the_days_it_was_held() -> None:
    subscription = _subscription_on_day_1(_plan(150_000))
    subscription.activate(date(2026, 1, 1))
    subscription.change_plan(_plan(250_000), date(2026, 1, 4))

    january = subscription.due_period()
    charges = subscription.charges_for(january)

    assert [c.amount for c in charges] == [150_000, 90_323]
    split = prorate(150_000, january, date(2026, 1, 1), date(2026, 1, 4)) + prorate(
        250_000, january, date(2026, 1, 4), date(2026, 2, 1)
    )
    assert sum(c.amount for c in charges) == split == 240_323
    subscription.record_billed(uuid4(), january)
    assert [c.amount for c in subscription.charges_for(subscription.due_period())] == [250_000]


def test_an_upgrade_in_a_first_partial_month_is_prorated_over_the_whole_cycle() -> None:
    subscription = _subscription()
    subscription.activate(date(2026, 1, 20))  # billing day 10: the cycle is 10 Jan - 10 Feb
    subscription.change_plan(_plan(250_000), date(2026, 1, 25))

    charges = subscription.charges_for(subscription.due_period())

    cycle = Period(date(2026, 1, 10), date(2026, 2, 10))
    held_old = prorate(150_000, cycle, date(2026, 1, 20), date(2026, 1, 25))
    held_new = prorate(250_000, cycle, date(2026, 1, 25), date(2026, 2, 10))
    assert sum(c.amount for c in charges) == held_old + held_new


def test_each_upgrade_in_a_cycle_adds_its_own_correction() -> None:
    subscription = _subscription_on_day_1(_plan(100_000))
    subscription.activate(date(2026, 1, 1))
    subscription.change_plan(_plan(150_000), date(2026, 1, 11))
    subscription.change_plan(_plan(300_000), date(2026, 1, 21))

    january = subscription.due_period()
    charges = subscription.charges_for(january)

    assert [c.kind for c in charges] == ["plan", "proration", "proration"]
    held = [
        prorate(100_000, january, date(2026, 1, 1), date(2026, 1, 11)),
        prorate(150_000, january, date(2026, 1, 11), date(2026, 1, 21)),
        prorate(300_000, january, date(2026, 1, 21), date(2026, 2, 1)),
    ]
    assert sum(c.amount for c in charges) == sum(held)


def test_a_prepaid_upgrade_corrects_the_paid_period_on_the_next_invoice() -> None:
    subscription = _subscription_on_day_1(_plan(150_000, BillingMode.PREPAID, 31))
    subscription.activate(date(2026, 1, 1))
    paid = subscription.due_period()
    assert [c.amount for c in subscription.charges_for(paid)] == [150_000]
    subscription.record_billed(uuid4(), paid)

    subscription.change_plan(_plan(250_000, BillingMode.PREPAID, 31), date(2026, 1, 4))

    following = subscription.due_period()
    assert following == Period(date(2026, 2, 1), date(2026, 3, 4))
    charges = subscription.charges_for(following)
    assert [(c.kind, c.amount) for c in charges] == [("plan", 250_000), ("proration", 90_323)]
    assert (
        prorate(150_000, paid, paid.start, date(2026, 1, 4))
        + prorate(250_000, paid, date(2026, 1, 4), paid.end)
        == 150_000 + 90_323
    )


def test_a_prepaid_downgrade_prices_and_times_the_next_period_by_the_cheaper_plan() -> None:
    subscription = _subscription(_plan(150_000, BillingMode.PREPAID, 30))
    subscription.activate(date(2026, 1, 1))
    subscription.record_billed(uuid4(), subscription.due_period())
    weekly = _plan(50_000, BillingMode.PREPAID, 7)

    subscription.change_plan(weekly, date(2026, 1, 20))

    assert subscription.terms.price == 150_000  # the paid month is served to its end
    following = subscription.due_period()
    assert following == Period(date(2026, 1, 31), date(2026, 2, 7))
    assert [c.amount for c in subscription.charges_for(following)] == [50_000]
    subscription.record_billed(uuid4(), following)
    assert subscription.terms == PlanTerms.of(weekly)


def test_an_upgrade_cancels_a_downgrade_waiting_for_the_next_cycle() -> None:
    subscription = _subscription_on_day_1(_plan(150_000))
    subscription.activate(date(2026, 1, 1))
    subscription.change_plan(_plan(100_000), date(2026, 1, 5))
    subscription.change_plan(_plan(200_000), date(2026, 1, 16))
    january = subscription.due_period()
    held = prorate(150_000, january, january.start, date(2026, 1, 16)) + prorate(
        200_000, january, date(2026, 1, 16), january.end
    )
    assert sum(c.amount for c in subscription.charges_for(january)) == held
    subscription.record_billed(uuid4(), january)
    assert subscription.charges_for(subscription.due_period())[0].amount == 200_000


def test_an_upgrade_between_taxed_and_untaxed_plans_keeps_each_share_on_its_own_line() -> None:
    untaxed = Plan.create(
        TENANT,
        "Paket Sosial",
        100_000,
        "10M",
        ServiceType.PPPOE,
        BillingMode.POSTPAID,
        taxable=False,
    )
    subscription = _subscription_on_day_1(untaxed)
    subscription.activate(date(2026, 1, 1))
    subscription.change_plan(_plan(250_000), date(2026, 1, 4))

    charges = subscription.charges_for(subscription.due_period())

    january = Period(date(2026, 1, 1), date(2026, 2, 1))
    taxed = sum(c.amount for c in charges if c.taxable)
    untaxed_total = sum(c.amount for c in charges if not c.taxable)
    assert taxed == prorate(250_000, january, date(2026, 1, 4), january.end)
    assert untaxed_total == prorate(100_000, january, january.start, date(2026, 1, 4))


def test_an_upgrade_after_a_missed_billing_day_is_invoiced_with_its_own_cycle() -> None:
    subscription = _subscription_on_day_1(_plan(150_000))
    subscription.activate(date(2026, 1, 1))
    subscription.change_plan(_plan(250_000), date(2026, 2, 4))  # January is still unbilled

    january = subscription.due_period()
    assert [c.amount for c in subscription.charges_for(january)] == [150_000]
    subscription.record_billed(uuid4(), january)
    february = subscription.due_period()
    assert [c.amount for c in subscription.charges_for(february)] == [
        150_000,
        250_000 - 250_000 * 3 // 28 - (150_000 - 150_000 * 3 // 28),
    ]


def test_a_plan_billed_in_another_mode_is_refused() -> None:
    subscription = _subscription()
    subscription.activate(date(2026, 1, 10))
    with pytest.raises(InvalidValue, match="billing mode"):
        subscription.change_plan(_plan(250_000, BillingMode.PREPAID), date(2026, 1, 25))


def test_a_rebuilt_subscription_invoices_plan_changes_alike() -> None:
    subscription = _subscription_on_day_1(_plan(150_000, BillingMode.PREPAID, 31))
    subscription.activate(date(2026, 1, 1))
    subscription.record_billed(uuid4(), subscription.due_period())
    subscription.change_plan(_plan(250_000, BillingMode.PREPAID, 31), date(2026, 1, 4))
    subscription.change_plan(_plan(90_000, BillingMode.PREPAID, 7), date(2026, 1, 9))

    rebuilt = None
    for recorded in subscription.collect_events():
        rebuilt = recorded.mutate(rebuilt)

    assert isinstance(rebuilt, Subscription)
    period = subscription.due_period()
    assert rebuilt.due_period() == period
    assert rebuilt.charges_for(period) == subscription.charges_for(period)


def test_a_downgrade_waits_for_the_next_cycle() -> None:
    subscription = _subscription()
    subscription.activate(date(2026, 1, 10))
    subscription.change_plan(_plan(100_000), date(2026, 1, 25))
    assert subscription.terms.price == 150_000
    subscription.record_billed(uuid4(), subscription.due_period())
    assert subscription.terms.price == 100_000


def test_the_lifecycle_moves_through_isolir_suspension_and_back() -> None:
    subscription = _subscription()
    subscription.activate(date(2026, 1, 10))
    subscription.soft_limit(date(2026, 2, 20), "unpaid")
    subscription.suspend(date(2026, 2, 27), "unpaid")
    subscription.reactivate(date(2026, 2, 28))
    assert subscription.state is SubscriptionState.ACTIVE
    subscription.terminate(date(2026, 3, 1), "moved away")
    assert _names(subscription)[-4:] == ["SoftLimited", "Suspended", "Reactivated", "Terminated"]
    with pytest.raises(InvalidTransition):
        subscription.reactivate(date(2026, 3, 2))
    with pytest.raises(InvalidTransition):
        subscription.record_billed(uuid4(), Period(date(2026, 3, 1), date(2026, 4, 1)))


def test_a_billing_day_of_31_is_refused() -> None:
    with pytest.raises(InvalidValue, match="billing day"):
        Subscription.subscribe(TENANT, uuid4(), _plan(), 31, "core-1", "budi")


def test_an_unknown_promotion_is_refused() -> None:
    with pytest.raises(InvalidValue, match="promotion"):
        _subscription(promo="NOPE")
