"""The ports of the platform's own billing: Stripe (plans, subscriptions, meter events), the
verification of its webhooks, and the read models the platform's billing reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore
from domain.platform.plans import Meter, PlatformPlan, Tier


class StripeUnavailable(ApplicationError):
    """Stripe did not answer, or answered that it may later (5xx, 429): try again."""

    code = "STRIPE_UNAVAILABLE"


class StripeRefused(ApplicationError):
    """Stripe refused the request as sent (4xx): sending it again changes nothing."""

    code = "STRIPE_REFUSED"


class BillingNotConfigured(ApplicationError):
    code = "PLATFORM_BILLING_NOT_CONFIGURED"


class WebhookRefused(ApplicationError):
    """A webhook whose signature is wrong, missing or outside the time tolerance."""

    code = "WEBHOOK_REFUSED"


@dataclass(frozen=True)
class SyncReport:
    """What a plan sync did in Stripe, by object (`product niaga_plan_starter`, ...)."""

    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StripeSubscription:
    customer_id: str
    subscription_id: str


@dataclass(frozen=True)
class StripeEvent:
    """A verified Stripe event: its id, type and the object it is about."""

    id: str
    type: str
    data: Mapping[str, Any]


class StripeBilling(Protocol):
    """Stripe as the platform's biller. Every call that creates something is idempotent: a
    second call with the same arguments creates nothing new."""

    def sync_plans(self, plans: Sequence[PlatformPlan]) -> SyncReport:
        """Make Stripe hold a Product per plan, a monthly Price per tier, a Meter per metered
        usage and a metered Price per plan and meter (found again by lookup key)."""

    def subscribe(
        self, tenant_id: UUID, tenant_name: str, plan: PlatformPlan, tier: Tier
    ) -> StripeSubscription:
        """Create the tenant's Customer and a Subscription to the plan's prices for the tier."""

    def change_plan(self, subscription_id: str, plan: PlatformPlan, tier: Tier) -> None:
        """Move a subscription to another plan or tier; Stripe prorates the difference."""

    def report_usage(
        self, meter: Meter, customer_id: str, value: int, identifier: str, occurred_at: datetime
    ) -> None:
        """Send one meter event; Stripe counts an identifier once."""


class WebhookVerifier(Protocol):
    def verify(self, body: bytes, signature: str) -> StripeEvent:
        """The event if the Stripe-Signature header signs this body with the endpoint's secret
        within the tolerance; else WebhookRefused."""


@dataclass(frozen=True)
class PendingReport:
    """A usage row waiting to be reported."""

    id: UUID
    tenant_id: UUID
    meter: Meter
    identifier: str
    value: int
    occurred_at: datetime
    attempts: int
    updated_at: datetime


@dataclass(frozen=True)
class PlatformSubscriptionView:
    tenant_id: UUID
    plan: str
    tier: str
    customer_id: str
    subscription_id: str
    status: str
    failures: int


class PlatformBillingReadModels(Protocol):
    def pending_reports(self, store: EventStore, limit: int) -> list[PendingReport]:
        """Usage rows still to report (pending or retrying), oldest change first."""

    def report(self, store: EventStore, report_id: UUID) -> PendingReport | None:
        """One usage row, whatever its status (None if there is none)."""

    def subscription_of_customer(self, customer_id: str) -> PlatformSubscriptionView | None:
        """The platform subscription whose Stripe customer this is."""

    def subscriptions(self) -> list[PlatformSubscriptionView]:
        """Every tenant's platform subscription."""

    def active_subscribers(self, store: EventStore, tenant_id: UUID) -> int:
        """The tenant's subscriptions being served now (active or soft-limited)."""


class OwnerPhones(Protocol):
    def phones(self, tenant_id: UUID) -> list[str]:
        """The sealed WhatsApp numbers of the tenant's owner: its CEO-digest recipients."""

    def emails(self, tenant_id: UUID) -> list[str]:
        """The sealed e-mail addresses of the tenant's owner: its CEO-digest recipients."""


class TierOf(Protocol):
    def __call__(self, tenant_id: UUID) -> tuple[str, Tier]:
        """The tenant's name and the tier its data is in now (UnknownTenant if there is none)."""


class TenantLocks(Protocol):
    """The platform's soft lock (TenantService)."""

    def lock(self, tenant_id: UUID, reason: str, actor: Any = ...) -> bool: ...

    def unlock(self, tenant_id: UUID, actor: Any = ...) -> bool: ...
