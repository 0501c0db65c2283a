"""The platform bills its tenants with Stripe: plans synced as Products and Prices, a tenant
subscribed (Customer and Subscription), its plan changed with Stripe's proration.

These are the operator's commands (`niaga platform ...`); no tenant's key reaches them.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.platform.billing_ports import (
    BillingNotConfigured,
    PlatformSubscriptionView,
    StripeBilling,
    SyncReport,
    TierOf,
)
from application.shared.context import Actor, recording
from application.shared.errors import ConcurrentModification
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import find
from domain.platform.plans import PlatformPlan, find_plan
from domain.platform.subscription import PlatformSubscription, PlatformSubscriptionRefused


class PlatformBilling:
    """Plans, subscriptions and plan changes; each recorded on the tenant's
    `PlatformSubscription` in the platform store once Stripe has taken it."""

    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        plans: Sequence[PlatformPlan],
        stripe: StripeBilling | None,
        tier_of: TierOf,
    ) -> None:
        self._stores = stores
        self._sync = sync
        self.plans = tuple(plans)
        self._stripe = stripe
        self._tier_of = tier_of

    def sync_plans(self) -> SyncReport:
        """Make Stripe match the plans; a second sync creates nothing."""
        return self._client().sync_plans(self.plans)

    def subscribe(self, tenant_id: UUID, plan_code: str, actor: Actor) -> PlatformSubscriptionView:
        """Subscribe a tenant to a plan at the price of its tier."""
        plan = find_plan(self.plans, plan_code)
        name, tier = self._tier_of(tenant_id)
        store = self._stores.platform()
        if find(store, PlatformSubscription, PlatformSubscription.id_for(tenant_id)) is not None:
            raise PlatformSubscriptionRefused(
                "the tenant is subscribed already; change its plan instead", field="tenant"
            )
        made = self._client().subscribe(tenant_id, name, plan, tier)
        subscription = PlatformSubscription.start(
            tenant_id, plan.code, tier, made.customer_id, made.subscription_id
        )
        self._save(store, subscription, "SubscribeTenantToPlatformPlan", actor)
        return _view(subscription)

    def change_plan(
        self, tenant_id: UUID, plan_code: str, actor: Actor
    ) -> PlatformSubscriptionView:
        """Move a tenant to another plan (or, after it moved, to its new tier's price); Stripe
        prorates what was paid for the rest of the period."""
        plan = find_plan(self.plans, plan_code)
        _, tier = self._tier_of(tenant_id)
        store = self._stores.platform()
        subscription = find(store, PlatformSubscription, PlatformSubscription.id_for(tenant_id))
        if subscription is None:
            raise PlatformSubscriptionRefused(
                "the tenant has no platform subscription; subscribe it first", field="tenant"
            )
        subscription.change_plan(plan.code, tier)  # refuses a change to what it is on
        self._client().change_plan(subscription.subscription_id, plan, tier)
        self._save(store, subscription, "ChangeTenantPlatformPlan", actor)
        return _view(subscription)

    def _client(self) -> StripeBilling:
        if self._stripe is None:
            raise BillingNotConfigured(
                "Stripe is not configured: set NIAGA_STRIPE_API_KEY", field="stripe"
            )
        return self._stripe

    def _save(
        self, store: EventStore, subscription: PlatformSubscription, command: str, actor: Actor
    ) -> None:
        with recording(command, actor=actor, tenant_id=subscription.tenant_id):
            try:
                position = store.save_and_locate(subscription)
            except IntegrityError as error:
                raise ConcurrentModification(f"{command} raced another change") from error
        self._sync.wait(store, position)


def _view(subscription: PlatformSubscription) -> PlatformSubscriptionView:
    return PlatformSubscriptionView(
        subscription.tenant_id,
        subscription.plan,
        subscription.tier.value,
        subscription.customer_id,
        subscription.subscription_id,
        subscription.status,
        subscription.failures,
    )
