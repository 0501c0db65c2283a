"""Subscription use-cases: subscribe, activate, change plan, and the manual state changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.authorization import Permission, authorize
from application.clock import Clock
from application.context import Principal
from application.event_store import EventStore
from application.ports import ReadModelSync, Stores
from application.tenancy import tenant_of
from application.unit_of_work import Saver, load
from domain.customer import Customer
from domain.errors import CustomerForgotten
from domain.plan import Plan
from domain.subscription import Subscription

Decision = Callable[[Subscription, date], None]


@dataclass(frozen=True)
class Subscribe:
    customer_id: UUID
    plan_id: UUID
    billing_day: int
    router: str
    username: str
    promotion_code: str | None = None
    activate_on: date | None = None  # activate at once on this day (default: stay pending)


class SubscriptionService:
    def __init__(self, stores: Stores, sync: ReadModelSync, clock: Clock) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock

    def subscribe(self, principal: Principal, command: Subscribe) -> UUID:
        authorize(principal, Permission.MANAGE_SUBSCRIPTIONS)
        store = self._stores.for_tenant(principal.tenant_id)
        customer = load(store, Customer, command.customer_id, principal.tenant_id, "customer")
        if customer.forgotten:
            raise CustomerForgotten("a forgotten customer cannot subscribe", field="customer_id")
        plan = load(store, Plan, command.plan_id, principal.tenant_id, "plan")
        subscription = Subscription.subscribe(
            principal.tenant_id,
            customer.id,
            plan,
            command.billing_day,
            command.router,
            command.username,
            command.promotion_code,
        )
        if command.activate_on:
            subscription.activate(command.activate_on)
        self._saver.save(store, principal, "Subscribe", subscription)
        return subscription.id

    def activate(self, principal: Principal, subscription_id: UUID, on: date | None = None) -> None:
        self._change(
            principal, subscription_id, "ActivateSubscription", lambda s, d: s.activate(on or d)
        )

    def change_plan(self, principal: Principal, subscription_id: UUID, plan_id: UUID) -> None:
        authorize(principal, Permission.MANAGE_SUBSCRIPTIONS)
        store = self._stores.for_tenant(principal.tenant_id)
        plan = load(store, Plan, plan_id, principal.tenant_id, "plan")
        subscription = load(
            store, Subscription, subscription_id, principal.tenant_id, "subscription"
        )
        subscription.change_plan(plan, self._today(principal))
        self._saver.save(store, principal, "ChangePlan", subscription)

    def soft_limit(self, principal: Principal, subscription_id: UUID, reason: str) -> None:
        self._change(
            principal,
            subscription_id,
            "SoftLimitSubscription",
            lambda s, d: s.soft_limit(d, reason),
        )

    def suspend(self, principal: Principal, subscription_id: UUID, reason: str) -> None:
        self._change(
            principal, subscription_id, "SuspendSubscription", lambda s, d: s.suspend(d, reason)
        )

    def reactivate(self, principal: Principal, subscription_id: UUID) -> None:
        self._change(
            principal, subscription_id, "ReactivateSubscription", lambda s, d: s.reactivate(d)
        )

    def terminate(self, principal: Principal, subscription_id: UUID, reason: str) -> None:
        self._change(
            principal, subscription_id, "TerminateSubscription", lambda s, d: s.terminate(d, reason)
        )

    def _change(
        self, principal: Principal, subscription_id: UUID, command: str, decide: Decision
    ) -> None:
        authorize(principal, Permission.MANAGE_SUBSCRIPTIONS)
        store: EventStore = self._stores.for_tenant(principal.tenant_id)
        subscription = load(
            store, Subscription, subscription_id, principal.tenant_id, "subscription"
        )
        decide(subscription, self._today(principal))
        self._saver.save(store, principal, command, subscription)

    def _today(self, principal: Principal) -> date:
        return self._clock.today(tenant_of(self._stores, principal.tenant_id).timezone)
