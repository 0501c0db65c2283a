"""A tenant as a paying customer of the platform: its Stripe customer and subscription, its plan,
and the failed payments that lead to a soft lock (dunning)."""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.platform.plans import Tier
from domain.shared.errors import DomainError, InvalidValue

_IDS = UUID("9b1f3c52-6a0e-4d61-8f0c-2e7a5d4b9c13")
LOCK_AFTER_FAILURES = 3


class PlatformSubscriptionRefused(DomainError):
    code = "PLATFORM_SUBSCRIPTION_REFUSED"


class PlatformSubscription(Aggregate):
    """One per tenant, in the platform store. Stripe keeps the money; this keeps what Niaga
    acted on: the plan it asked for, the payment outcomes Stripe reported, and whether the
    failures reached the lock."""

    class Started(Aggregate.Created):
        tenant_id: UUID
        plan: str
        tier: str
        customer_id: str
        subscription_id: str

    class PlanChanged(Aggregate.Event):
        plan: str
        tier: str

    class StatusReported(Aggregate.Event):
        status: str  # Stripe's: active, past_due, unpaid, canceled, ...
        stripe_event_id: str

    class PaymentFailed(Aggregate.Event):
        invoice_id: str
        failures: int  # failed payments since the last one that succeeded
        stripe_event_id: str

    class PaymentSucceeded(Aggregate.Event):
        invoice_id: str
        stripe_event_id: str

    @staticmethod
    def id_for(tenant_id: UUID) -> UUID:
        return uuid5(_IDS, f"platform-subscription:{tenant_id}")

    @classmethod
    def start(
        cls, tenant_id: UUID, plan: str, tier: Tier, customer_id: str, subscription_id: str
    ) -> PlatformSubscription:
        for field, value in (("customer_id", customer_id), ("subscription_id", subscription_id)):
            if not value or len(value) > 255:
                raise InvalidValue(f"Stripe gave no usable {field}", field=field)
        return cls._create(
            cls.Started,
            id=cls.id_for(tenant_id),
            tenant_id=tenant_id,
            plan=plan,
            tier=tier.value,
            customer_id=customer_id,
            subscription_id=subscription_id,
        )

    @event(Started)
    def __init__(
        self, tenant_id: UUID, plan: str, tier: str, customer_id: str, subscription_id: str
    ) -> None:
        self.tenant_id = tenant_id
        self.plan = plan
        self.tier = Tier(tier)
        self.customer_id = customer_id
        self.subscription_id = subscription_id
        self.status = "active"
        self.failures = 0

    def change_plan(self, plan: str, tier: Tier) -> None:
        if (plan, tier) == (self.plan, self.tier):
            raise PlatformSubscriptionRefused(
                f"the tenant is already on {plan} ({tier.value})", field="plan"
            )
        self._plan_changed(plan=plan, tier=tier.value)

    @event(PlanChanged)
    def _plan_changed(self, plan: str, tier: str) -> None:
        self.plan, self.tier = plan, Tier(tier)

    def report_status(self, status: str, stripe_event_id: str) -> None:
        if status != self.status:
            self._status_reported(status=status, stripe_event_id=stripe_event_id)

    @event(StatusReported)
    def _status_reported(self, status: str, stripe_event_id: str) -> None:
        self.status = status

    def payment_failed(self, invoice_id: str, stripe_event_id: str) -> bool:
        """Count one more failed payment; True when this one reaches the soft lock."""
        self._payment_failed(
            invoice_id=invoice_id, failures=self.failures + 1, stripe_event_id=stripe_event_id
        )
        return self.failures == LOCK_AFTER_FAILURES

    @event(PaymentFailed)
    def _payment_failed(self, invoice_id: str, failures: int, stripe_event_id: str) -> None:
        self.failures = failures

    @property
    def locks(self) -> bool:
        """Whether the failures so far keep the tenant locked."""
        return self.failures >= LOCK_AFTER_FAILURES

    def paid(self, invoice_id: str, stripe_event_id: str) -> None:
        self._payment_succeeded(invoice_id=invoice_id, stripe_event_id=stripe_event_id)

    @event(PaymentSucceeded)
    def _payment_succeeded(self, invoice_id: str, stripe_event_id: str) -> None:
        self.failures = 0
