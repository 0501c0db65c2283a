"""An internet service for a customer on a router: its plan, billing cycle and state.

pending -> active -> soft_limited (isolir) -> suspended -> terminated; soft-limited and suspended
subscriptions are reactivated when their debt is cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.billing.billing_cycle import (
    Period,
    add_months,
    billing_day,
    next_billing_date,
    prepaid_period,
    prorate,
)
from domain.billing.plan import BillingMode, Plan, Promotion
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.payloads import typed_fields
from domain.shared.values import require_text


class SubscriptionState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SOFT_LIMITED = "soft_limited"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class InvalidTransition(DomainError):
    code = "INVALID_TRANSITION"


@dataclass(frozen=True)
class PlanTerms:
    """What a subscription keeps of its plan: changing the plan later does not reprice it."""

    plan_id: UUID
    name: str
    price: int
    router_profile: str
    billing_mode: BillingMode
    validity_days: int
    taxable: bool

    @classmethod
    def of(cls, plan: Plan) -> PlanTerms:
        return cls(
            plan.id,
            plan.name,
            plan.price,
            plan.router_profile,
            plan.billing_mode,
            plan.validity_days,
            plan.taxable,
        )


@dataclass(frozen=True)
class Charge:
    """One line the next invoice will carry."""

    kind: str  # plan, proration, discount
    description: str
    amount: int
    taxable: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "description": self.description,
            "amount": self.amount,
            "taxable": self.taxable,
        }


@dataclass(frozen=True)
class PlanChange:
    """An upgrade not yet invoiced: the plan held before and after it, from `on`."""

    on: date
    before: PlanTerms
    after: PlanTerms


class Subscription(Aggregate):
    class Subscribed(Aggregate.Created):
        class_version = 2  # version 1 held `terms` and `promotion` as plain JSON objects
        tenant_id: UUID
        customer_id: UUID
        terms: PlanTerms
        billing_day: int
        router: str
        username: str
        promotion: Promotion | None
        secret_sealed: str  # the PPP password, sealed with the platform key

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            typed_fields(state, terms=PlanTerms, promotion=Promotion | None)

    class Activated(Aggregate.Event):
        on: date
        period_start: date
        next_bill_on: date

    class Billed(Aggregate.Event):
        invoice_id: UUID
        period_start: date
        period_end: date
        next_bill_on: date

    class PlanChanged(Aggregate.Event):
        class_version = 2  # version 1 held `terms` as a plain JSON object
        terms: PlanTerms
        on: date
        adjustment: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            typed_fields(state, terms=PlanTerms)

    class PlanChangeScheduled(Aggregate.Event):
        class_version = 2  # version 1 held `terms` as a plain JSON object
        terms: PlanTerms
        effective_on: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            typed_fields(state, terms=PlanTerms)

    class SoftLimited(Aggregate.Event):
        on: date
        reason: str

    class Suspended(Aggregate.Event):
        on: date
        reason: str

    class Reactivated(Aggregate.Event):
        on: date

    class Terminated(Aggregate.Event):
        on: date
        reason: str

    @event(Subscribed)
    def __init__(
        self,
        tenant_id: UUID,
        customer_id: UUID,
        terms: PlanTerms,
        billing_day: int,
        router: str,
        username: str,
        promotion: Promotion | None,
        secret_sealed: str,
    ) -> None:
        self.tenant_id = tenant_id
        self.secret_sealed = secret_sealed
        self.customer_id = customer_id
        self.terms = terms
        self.billing_day = billing_day
        self.router = router
        self.username = username
        self.promotion = promotion
        self.promotion_cycles_used = 0
        self.state = SubscriptionState.PENDING
        self.period_start: date | None = None
        self.next_bill_on: date | None = None
        self.billed_period: Period | None = None  # the last period invoiced
        self.unbilled_changes: list[PlanChange] = []
        self.scheduled_terms: PlanTerms | None = None
        self.scheduled_on: date | None = None

    @classmethod
    def subscribe(
        cls,
        tenant_id: UUID,
        customer_id: UUID,
        plan: Plan,
        billing_day_of_month: int,
        router: str,
        username: str,
        promotion_code: str | None = None,
        secret_sealed: str = "",
    ) -> Subscription:
        if plan.retired:
            raise InvalidValue(f"plan {plan.name} is retired", field="plan_id")
        promotion = plan.promotion(promotion_code) if promotion_code else None
        return cls(
            tenant_id=tenant_id,
            customer_id=customer_id,
            terms=PlanTerms.of(plan),
            billing_day=billing_day(billing_day_of_month),
            router=require_text(router, "router", 64),
            username=require_text(username, "username", 64),
            promotion=promotion,
            secret_sealed=secret_sealed,
        )

    # -- lifecycle -------------------------------------------------------------------------

    def activate(self, on: date) -> None:
        self._require(SubscriptionState.PENDING, "activate")
        if self.terms.billing_mode is BillingMode.PREPAID:
            next_bill = on  # the first period is billed at once
        else:
            next_bill = next_billing_date(on, self.billing_day)
        self._activated(on=on, period_start=on, next_bill_on=next_bill)

    @event(Activated)
    def _activated(self, on: date, period_start: date, next_bill_on: date) -> None:
        self.state = SubscriptionState.ACTIVE
        self.period_start = period_start
        self.next_bill_on = next_bill_on

    def soft_limit(self, on: date, reason: str) -> None:
        self._require(SubscriptionState.ACTIVE, "soft-limit")
        self._soft_limited(on=on, reason=reason)

    @event(SoftLimited)
    def _soft_limited(self, on: date, reason: str) -> None:
        self.state = SubscriptionState.SOFT_LIMITED

    def suspend(self, on: date, reason: str) -> None:
        self._require_any({SubscriptionState.ACTIVE, SubscriptionState.SOFT_LIMITED}, "suspend")
        self._suspended(on=on, reason=reason)

    @event(Suspended)
    def _suspended(self, on: date, reason: str) -> None:
        self.state = SubscriptionState.SUSPENDED

    def reactivate(self, on: date) -> None:
        self._require_any(
            {SubscriptionState.SOFT_LIMITED, SubscriptionState.SUSPENDED}, "reactivate"
        )
        self._reactivated(on=on)

    @event(Reactivated)
    def _reactivated(self, on: date) -> None:
        self.state = SubscriptionState.ACTIVE

    def terminate(self, on: date, reason: str) -> None:
        if self.state is SubscriptionState.TERMINATED:
            raise InvalidTransition("subscription is already terminated")
        self._terminated(on=on, reason=reason)

    @event(Terminated)
    def _terminated(self, on: date, reason: str) -> None:
        self.state = SubscriptionState.TERMINATED
        self.next_bill_on = None

    @property
    def billable(self) -> bool:
        return self.state in {
            SubscriptionState.ACTIVE,
            SubscriptionState.SOFT_LIMITED,
            SubscriptionState.SUSPENDED,
        }

    # -- billing ---------------------------------------------------------------------------

    def due_period(self) -> Period:
        """The period the next invoice covers."""
        if self.next_bill_on is None or self.period_start is None:
            raise InvalidTransition("subscription is not billable")
        if self.terms.billing_mode is BillingMode.PREPAID:
            validity = self.terms_on(self.next_bill_on).validity_days
            return prepaid_period(self.next_bill_on, validity)
        return Period(self.period_start, self.next_bill_on)

    def charges_for(self, period: Period) -> list[Charge]:
        """The lines of the invoice for `period`: the plan held on its first day (prorated for a
        first partial month), the correction for each plan change not yet invoiced, and the
        promotion's discount."""
        terms = self.terms_on(period.start)
        price = self._price_for(terms, period)
        lines = [
            Charge(
                "plan",
                f"{terms.name} {period.start:%d/%m/%Y}-{period.end:%d/%m/%Y}",
                price,
                terms.taxable,
            )
        ]
        for change in self.unbilled_changes:
            if change.on < period.end:
                lines += self._change_charges(change, period)
        if self.promotion and self.promotion_cycles_used < self.promotion.cycles:
            discount = self.promotion.discount(price)
            if discount:
                lines.append(
                    Charge("discount", f"Promo {self.promotion.code}", -discount, terms.taxable)
                )
        return lines

    def terms_on(self, day: date) -> PlanTerms:
        """The plan held on `day`, a day not yet invoiced: an upgrade from the day it was made,
        a scheduled downgrade from the cycle it starts."""
        scheduled, starts_on = self.scheduled_terms, self.scheduled_on
        if scheduled is not None and starts_on is not None and day >= starts_on:
            return scheduled
        held = self.unbilled_changes[0].before if self.unbilled_changes else self.terms
        for change in self.unbilled_changes:
            if change.on <= day:
                held = change.after
        return held

    def _price_for(self, terms: PlanTerms, period: Period) -> int:
        cycle = self._cycle_of(period)
        if period.start <= cycle.start:
            return terms.price
        return prorate(terms.price, cycle, period.start, period.end)  # a first, partial month

    def _cycle_of(self, period: Period) -> Period:
        """The whole cycle a period is priced against: a prepaid period is one; a postpaid one
        ends on a billing day, and starts later than the month before it when it is the first."""
        if self.terms.billing_mode is BillingMode.PREPAID:
            return period
        return Period(add_months(period.end, -1, self.billing_day), period.end)

    def record_billed(self, invoice_id: UUID, period: Period) -> None:
        if not self.billable:
            raise InvalidTransition(f"a {self.state.value} subscription is not billed")
        if self.terms.billing_mode is BillingMode.PREPAID:
            next_bill = period.end
        else:
            next_bill = next_billing_date(period.end, self.billing_day)
        self._billed(
            invoice_id=invoice_id,
            period_start=period.start,
            period_end=period.end,
            next_bill_on=next_bill,
        )

    @event(Billed)
    def _billed(
        self, invoice_id: UUID, period_start: date, period_end: date, next_bill_on: date
    ) -> None:
        self.period_start = period_end
        self.next_bill_on = next_bill_on
        self.billed_period = Period(period_start, period_end)
        # The invoice priced every change made before the period ended; later ones wait.
        self.unbilled_changes = [c for c in self.unbilled_changes if c.on >= period_end]
        if self.promotion and self.promotion_cycles_used < self.promotion.cycles:
            self.promotion_cycles_used += 1
        if self.scheduled_terms is not None:
            self.terms = self.scheduled_terms
            self.scheduled_terms = None
            self.scheduled_on = None

    # -- plan changes ----------------------------------------------------------------------

    def change_plan(self, plan: Plan, on: date) -> None:
        """Upgrades apply at once, and the invoice that carries the change charges the new
        plan's share of the rest of the cycle instead of the old one's; downgrades start with
        the next cycle. Either way the billing mode stays: a cycle is priced in one mode."""
        self._require_any(
            {SubscriptionState.ACTIVE, SubscriptionState.SOFT_LIMITED, SubscriptionState.SUSPENDED},
            "change plan",
        )
        if plan.retired:
            raise InvalidValue(f"plan {plan.name} is retired", field="plan_id")
        if plan.id == self.terms.plan_id:
            raise InvalidValue("the subscription is already on this plan", field="plan_id")
        terms = PlanTerms.of(plan)
        if terms.billing_mode is not self.terms.billing_mode:
            raise InvalidValue(
                f"plan {plan.name} is {terms.billing_mode.value} and this subscription is "
                f"{self.terms.billing_mode.value}: a plan change keeps the billing mode",
                field="plan_id",
            )
        if terms.price < self.terms.price:
            self._plan_change_scheduled(terms=terms, effective_on=self.next_bill_on or on)
            return
        adjustment = self._adjustment_for(PlanChange(on, self.terms, terms))
        self._plan_changed(terms=terms, on=on, adjustment=adjustment)

    @event(PlanChanged)
    def _plan_changed(self, terms: PlanTerms, on: date, adjustment: int) -> None:
        # `adjustment` records what the change adds to an invoice; the invoice works it out
        # again from the change itself, so events recorded under any rule are billed alike.
        self.unbilled_changes = [*self.unbilled_changes, PlanChange(on, self.terms, terms)]
        self.terms = terms
        self.scheduled_terms = None
        self.scheduled_on = None

    @event(PlanChangeScheduled)
    def _plan_change_scheduled(self, terms: PlanTerms, effective_on: date) -> None:
        self.scheduled_terms = terms
        self.scheduled_on = effective_on

    def _adjustment_for(self, change: PlanChange) -> int:
        """What `change` adds to the invoice that will carry it."""
        period = self._invoice_period_for(change.on)
        return sum(c.amount for c in self._change_charges(change, period)) if period else 0

    def _invoice_period_for(self, day: date) -> Period | None:
        """The first period still to be invoiced that ends after `day`."""
        if self.next_bill_on is None or self.period_start is None:
            return None
        period = self.due_period()
        while period.end <= day:  # billing runs were missed: a later period holds the day
            period = self._following(period)
        return period

    def _following(self, period: Period) -> Period:
        if self.terms.billing_mode is BillingMode.PREPAID:
            return prepaid_period(period.end, self.terms_on(period.end).validity_days)
        return Period(period.end, next_billing_date(period.end, self.billing_day))

    def _change_charges(self, change: PlanChange, period: Period) -> list[Charge]:
        """The correction a plan change puts on the invoice for `period`: the new plan's share
        of the rest of the cycle, less the old plan's share of it, which the cycle's plan line
        charged (or, prepaid, was paid in advance). Shares of a cycle add up to its price, so
        the cycle costs each plan's share of the days it was held."""
        cycle = self._repriced_cycle(change.on, period)
        if cycle is None:
            return []
        gained = prorate(change.after.price, cycle, change.on, cycle.end)
        returned = prorate(change.before.price, cycle, change.on, cycle.end)
        span = f"{change.on:%d/%m/%Y}-{cycle.end:%d/%m/%Y}"
        label = f"Penyesuaian ganti paket ke {change.after.name} {span}"
        if change.after.taxable == change.before.taxable:
            lines = [Charge("proration", label, gained - returned, change.after.taxable)]
        else:  # the two shares are taxed differently, so each keeps its own line
            lines = [
                Charge("proration", label, gained, change.after.taxable),
                Charge(
                    "proration",
                    f"Pengembalian sisa {change.before.name} {span}",
                    -returned,
                    change.before.taxable,
                ),
            ]
        return [line for line in lines if line.amount]

    def _repriced_cycle(self, on: date, period: Period) -> Period | None:
        """The cycle whose price a change on `on` corrects on the invoice for `period`: the
        period invoiced last when it holds the day (prepaid is invoiced in advance), else the
        period being invoiced. None when the change came on or before the first day of that
        period, whose plan line then already prices the new plan."""
        billed = self.billed_period
        if billed is not None and billed.contains(on):
            return self._cycle_of(billed)
        if period.start < on < period.end:
            return self._cycle_of(period)
        return None

    # -- guards ----------------------------------------------------------------------------

    def _require(self, state: SubscriptionState, action: str) -> None:
        self._require_any({state}, action)

    def _require_any(self, states: set[SubscriptionState], action: str) -> None:
        if self.state not in states:
            raise InvalidTransition(f"cannot {action} a {self.state.value} subscription")
