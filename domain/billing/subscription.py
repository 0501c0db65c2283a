"""An internet service for a customer on a router: its plan, billing cycle and state.

pending -> active -> soft_limited (isolir) -> suspended -> terminated; soft-limited and suspended
subscriptions are reactivated when their debt is cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
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

    def as_dict(self) -> dict[str, object]:
        return {
            "plan_id": str(self.plan_id),
            "name": self.name,
            "price": self.price,
            "router_profile": self.router_profile,
            "billing_mode": self.billing_mode.value,
            "validity_days": self.validity_days,
            "taxable": self.taxable,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> PlanTerms:
        return cls(
            UUID(str(raw["plan_id"])),
            str(raw["name"]),
            int(str(raw["price"])),
            str(raw["router_profile"]),
            BillingMode(str(raw["billing_mode"])),
            int(str(raw["validity_days"])),
            bool(raw["taxable"]),
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


class Subscription(Aggregate):
    class Subscribed(Aggregate.Created):
        tenant_id: UUID
        customer_id: UUID
        terms: dict[str, object]
        billing_day: int
        router: str
        username: str
        promotion: dict[str, object] | None
        secret_sealed: str  # the PPP password, sealed with the platform key

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
        terms: dict[str, object]
        on: date
        adjustment: int

    class PlanChangeScheduled(Aggregate.Event):
        terms: dict[str, object]
        effective_on: date

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
        terms: dict[str, object],
        billing_day: int,
        router: str,
        username: str,
        promotion: dict[str, object] | None,
        secret_sealed: str,
    ) -> None:
        self.tenant_id = tenant_id
        self.secret_sealed = secret_sealed
        self.customer_id = customer_id
        self.terms = PlanTerms.from_dict(terms)
        self.billing_day = billing_day
        self.router = router
        self.username = username
        self.promotion = Promotion.from_dict(promotion) if promotion else None
        self.promotion_cycles_used = 0
        self.state = SubscriptionState.PENDING
        self.period_start: date | None = None
        self.next_bill_on: date | None = None
        self.pending_adjustment = 0
        self.scheduled_terms: PlanTerms | None = None

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
            terms=PlanTerms.of(plan).as_dict(),
            billing_day=billing_day(billing_day_of_month),
            router=require_text(router, "router", 64),
            username=require_text(username, "username", 64),
            promotion=promotion.as_dict() if promotion else None,
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
            return prepaid_period(self.next_bill_on, self.terms.validity_days)
        return Period(self.period_start, self.next_bill_on)

    def charges_for(self, period: Period) -> list[Charge]:
        """The lines of the invoice for `period`: the plan (prorated for a first partial month),
        any plan-change adjustment, and the promotion's discount."""
        price = self._price_for(period)
        lines = [
            Charge(
                "plan",
                f"{self.terms.name} {period.start:%d/%m/%Y}-{period.end:%d/%m/%Y}",
                price,
                self.terms.taxable,
            )
        ]
        if self.pending_adjustment:
            lines.append(
                Charge(
                    "proration",
                    "Penyesuaian ganti paket",
                    self.pending_adjustment,
                    self.terms.taxable,
                )
            )
        if self.promotion and self.promotion_cycles_used < self.promotion.cycles:
            discount = self.promotion.discount(price)
            if discount:
                lines.append(
                    Charge(
                        "discount", f"Promo {self.promotion.code}", -discount, self.terms.taxable
                    )
                )
        return lines

    def _price_for(self, period: Period) -> int:
        if self.terms.billing_mode is BillingMode.PREPAID:
            return self.terms.price
        cycle = Period(add_months(period.end, -1, self.billing_day), period.end)
        if period.start <= cycle.start:
            return self.terms.price
        return prorate(self.terms.price, cycle, period.start, period.end)  # a first, partial month

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
        self.pending_adjustment = 0
        if self.promotion and self.promotion_cycles_used < self.promotion.cycles:
            self.promotion_cycles_used += 1
        if self.scheduled_terms is not None:
            self.terms = self.scheduled_terms
            self.scheduled_terms = None

    # -- plan changes ----------------------------------------------------------------------

    def change_plan(self, plan: Plan, on: date) -> None:
        """Upgrades apply at once with a prorated charge on the next invoice; downgrades from
        the next cycle."""
        self._require_any(
            {SubscriptionState.ACTIVE, SubscriptionState.SOFT_LIMITED, SubscriptionState.SUSPENDED},
            "change plan",
        )
        if plan.retired:
            raise InvalidValue(f"plan {plan.name} is retired", field="plan_id")
        if plan.id == self.terms.plan_id:
            raise InvalidValue("the subscription is already on this plan", field="plan_id")
        terms = PlanTerms.of(plan)
        if terms.price < self.terms.price:
            self._plan_change_scheduled(terms=terms.as_dict(), effective_on=self.next_bill_on or on)
            return
        period = self._current_period(on)
        adjustment = (
            prorate(terms.price - self.terms.price, period, on, period.end) if period else 0
        )
        self._plan_changed(terms=terms.as_dict(), on=on, adjustment=adjustment)

    @event(PlanChanged)
    def _plan_changed(self, terms: dict[str, object], on: date, adjustment: int) -> None:
        self.terms = PlanTerms.from_dict(terms)
        self.pending_adjustment += adjustment
        self.scheduled_terms = None

    @event(PlanChangeScheduled)
    def _plan_change_scheduled(self, terms: dict[str, object], effective_on: date) -> None:
        self.scheduled_terms = PlanTerms.from_dict(terms)

    def _current_period(self, on: date) -> Period | None:
        """The period being served on `on`: unbilled for postpaid, paid for prepaid."""
        if self.period_start is None or self.next_bill_on is None:
            return None
        if self.terms.billing_mode is BillingMode.PREPAID:
            start = self.next_bill_on - timedelta(days=self.terms.validity_days)
            period = Period(start, self.next_bill_on) if self.next_bill_on > start else None
        else:
            period = Period(self.period_start, self.next_bill_on)
        return period if period and period.contains(on) else None

    # -- guards ----------------------------------------------------------------------------

    def _require(self, state: SubscriptionState, action: str) -> None:
        self._require_any({state}, action)

    def _require_any(self, states: set[SubscriptionState], action: str) -> None:
        if self.state not in states:
            raise InvalidTransition(f"cannot {action} a {self.state.value} subscription")
