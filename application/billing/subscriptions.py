"""Subscription use-cases: subscribe, activate, change plan, and the manual state changes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.secrets import SecretBox
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver, load
from domain.billing.plan import Plan
from domain.billing.subscription import Subscription
from domain.customers.customer import Customer
from domain.shared.errors import CustomerForgotten, InvalidValue

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
    password: str | None = None  # the PPP password; a random one when not given


class SubscriptionService:
    def __init__(
        self, stores: Stores, sync: ReadModelSync, clock: Clock, secrets: SecretBox
    ) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock
        self._secrets = secrets

    def subscribe(self, principal: Principal, command: Subscribe) -> UUID:
        authorize(principal, Permission.MANAGE_SUBSCRIPTIONS)
        store = self._stores.for_tenant(principal.tenant_id)
        customer = load(
            store, Customer, command.customer_id, principal.tenant_id, "customer", "customer_id"
        )
        if customer.forgotten:
            raise CustomerForgotten("a forgotten customer cannot subscribe", field="customer_id")
        plan = load(store, Plan, command.plan_id, principal.tenant_id, "plan", "plan_id")
        subscription = Subscription.subscribe(
            principal.tenant_id,
            customer.id,
            plan,
            command.billing_day,
            command.router,
            command.username,
            command.promotion_code,
            self._secrets.seal(_ppp_password(command.password), "password"),
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
        plan = load(store, Plan, plan_id, principal.tenant_id, "plan", "plan_id")
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


def _ppp_password(given: str | None) -> str:
    if given is None:
        return secrets.token_urlsafe(9)
    password = given.strip()
    if not 4 <= len(password) <= 64 or any(c.isspace() for c in password):
        raise InvalidValue("a PPP password is 4-64 characters without spaces", field="password")
    return password
