"""Subscriptions: lifecycle, billing periods, promotions and plan changes (given-when-then)."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.billing.billing_cycle import Period
from domain.billing.plan import BillingMode, Plan, PromotionKind, ServiceType, new_promotion
from domain.billing.subscription import InvalidTransition, Subscription, SubscriptionState
from domain.shared.errors import InvalidValue

TENANT = uuid4()


def _plan(price: int = 150_000, mode: BillingMode = BillingMode.POSTPAID, days: int = 30) -> Plan:
    return Plan.create(TENANT, f"Paket {price}", price, "20M", ServiceType.PPPOE, mode, days)


def _subscription(plan: Plan | None = None, promo: str | None = None) -> Subscription:
    return Subscription.subscribe(TENANT, uuid4(), plan or _plan(), 10, "core-1", "budi", promo)


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


def test_an_upgrade_applies_at_once_with_a_prorated_charge() -> None:
    subscription = _subscription()
    subscription.activate(date(2026, 1, 10))
    subscription.collect_events()
    faster = _plan(250_000)
    subscription.change_plan(faster, date(2026, 1, 25))
    assert _names(subscription) == ["PlanChanged"]
    assert subscription.terms.price == 250_000
    # 16 of the 31 days of 10 Jan - 10 Feb at the 100,000 difference
    expected = 100_000 * 31 // 31 - 100_000 * 15 // 31
    assert subscription.pending_adjustment == expected
    period = subscription.due_period()
    kinds = [c.kind for c in subscription.charges_for(period)]
    assert kinds == ["plan", "proration"]


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
