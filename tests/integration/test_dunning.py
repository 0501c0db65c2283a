"""Reminders and dunning day by day on a clock the test controls."""

from __future__ import annotations

from datetime import date, timedelta

from adapters.bootstrap import Niaga
from application.billing.plans import CreatePlan
from application.billing.ports import InvoiceFilter, NotificationView
from application.billing.subscriptions import Subscribe
from application.customers.customers import RegisterCustomer
from application.payments.payments import RecordPayment
from application.shared.clock import FixedClock
from application.shared.context import Principal
from domain.billing.plan import BillingMode, ServiceType
from domain.payments.payment import PaymentMethod


def _billed_subscription(niaga: Niaga, owner: Principal) -> tuple[object, object]:
    plan = niaga.plans.create(
        owner, CreatePlan("Paket 20 Mbps", 150_000, "20M", ServiceType.PPPOE, BillingMode.POSTPAID)
    )
    customer = niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))
    subscription = niaga.subscriptions.subscribe(
        owner, Subscribe(customer, plan, 10, "core-1", "budi", activate_on=date(2025, 12, 10))
    )
    niaga.billing_run.run(owner, date(2026, 1, 10))  # due 17 January
    return customer, subscription


def _outbox(niaga: Niaga, owner: Principal) -> list[NotificationView]:
    store = niaga.stores.for_tenant(owner.tenant_id)
    return niaga.billing_read_models.notifications(store, owner.tenant_id, None, 100)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _run_daily(
    niaga: Niaga, owner: Principal, clock: FixedClock, days: list[date]
) -> dict[date, list[str]]:
    happened: dict[date, list[str]] = {}
    seen = len(_outbox(niaga, owner))
    for day in days:
        clock.set(day)
        report = niaga.dunning.run(owner, day)
        sent = _outbox(niaga, owner)
        steps = [n.template for n in sent[seen:]]
        steps += [
            f"state:{s}"
            for s, ids in (
                ("soft_limited", report.soft_limited),
                ("suspended", report.suspended),
                ("terminated", report.terminated),
            )
            if ids
        ]
        seen = len(sent)
        if steps:
            happened[day] = steps
    return happened


def test_the_default_schedule_reminds_then_restricts_then_suspends_then_terminates(
    niaga: Niaga, owner: Principal, clock: FixedClock
) -> None:
    _billed_subscription(niaga, owner)

    happened = _run_daily(niaga, owner, clock, _days(date(2026, 1, 10), date(2026, 3, 1)))

    assert happened == {
        date(2026, 1, 10): ["reminder_before_due"],  # H-7
        date(2026, 1, 14): ["reminder_before_due"],  # H-3
        date(2026, 1, 16): ["reminder_before_due"],  # H-1
        date(2026, 1, 18): ["reminder_overdue"],  # H+1
        date(2026, 1, 20): ["before_soft_limit"],
        date(2026, 1, 21): ["soft_limited", "state:soft_limited"],  # past 3 days of grace
        date(2026, 1, 27): ["before_suspension"],
        date(2026, 1, 28): ["suspended", "state:suspended"],
        date(2026, 2, 27): ["state:terminated"],
    }
    texts = niaga.billing_read_models.notifications(
        niaga.stores.for_tenant(owner.tenant_id), owner.tenant_id, None, 100
    )
    assert texts[0].variables["tagihan"] == "Rp150.000"  # not a PKP: no PPN
    assert texts[0].variables["jatuh_tempo"] == "17/01/2026"


def test_running_a_day_twice_requests_nothing_new(
    niaga: Niaga, owner: Principal, clock: FixedClock
) -> None:
    _billed_subscription(niaga, owner)
    once = _run_daily(niaga, owner, clock, [date(2026, 1, 21)])
    twice = _run_daily(niaga, owner, clock, [date(2026, 1, 21)])
    assert once
    assert twice == {}


def test_a_partial_payment_re_anchors_the_schedule(
    niaga: Niaga, owner: Principal, clock: FixedClock
) -> None:
    customer, _ = _billed_subscription(niaga, owner)
    clock.set(date(2026, 1, 20))
    niaga.payments.record(owner, RecordPayment(customer, 50_000, PaymentMethod.CASH, "KW-7"))  # type: ignore[arg-type]

    happened = _run_daily(niaga, owner, clock, _days(date(2026, 1, 20), date(2026, 1, 25)))

    soft_limited_on = [d for d, steps in happened.items() if "state:soft_limited" in steps]
    assert soft_limited_on == [date(2026, 1, 24)]  # 3 days of grace counted from the payment
    (invoice,) = niaga.billing_queries.invoices(owner, InvoiceFilter(), 10, None).items
    assert invoice.status == "partially_paid"
