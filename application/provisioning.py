"""Pushing subscription state to routers: one idempotent job per subscription, its outcome
recorded as an event, retried while the router is unreachable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.context import Actor, ActorKind, recording
from application.event_store import EventStore
from application.ports import Stores
from application.routers import (
    RouterAccess,
    RouterGateway,
    RouterRefused,
    RouterUnreachable,
    access_of,
)
from application.secrets import SecretBox
from application.unit_of_work import find
from domain.provisioning import TAG_PREFIX, PppSecret, Provisioning, desired_secret
from domain.router import Router
from domain.subscription import Subscription

PROVISIONER = Actor(ActorKind.SYSTEM, "provisioner")


@dataclass(frozen=True)
class RouterView:
    id: UUID
    name: str
    host: str
    port: int
    tls: bool
    site: str | None
    removed: bool
    updated_at: datetime


@dataclass(frozen=True)
class ProvisioningView:
    subscription_id: UUID
    tenant_id: UUID
    router: str
    username: str
    status: str  # synced, pending, failed
    attempts: int
    last_error: str | None
    updated_at: datetime


class RouterReadModels(Protocol):
    def routers(self, store: EventStore, tenant_id: UUID) -> list[RouterView]: ...

    def router_id(self, store: EventStore, tenant_id: UUID, name: str) -> UUID | None: ...

    def provisioning(
        self, store: EventStore, tenant_id: UUID, status: str | None, limit: int
    ) -> list[ProvisioningView]: ...


@dataclass(frozen=True)
class Outcome:
    subscription_id: UUID
    ok: bool
    changes: list[str]
    error: str | None = None


class ProvisioningService:
    def __init__(
        self,
        stores: Stores,
        read_models: RouterReadModels,
        secrets: SecretBox,
        gateway: RouterGateway,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._secrets = secrets
        self._gateway = gateway

    def provision(self, tenant_id: UUID, subscription_id: UUID) -> Outcome:
        """Make the subscription's router hold what the subscription says now.

        Raises RouterUnreachable (after recording the failure) so a job runner retries it;
        a router's refusal is recorded and returned, since retrying will not change its answer.
        """
        store = self._stores.for_tenant(tenant_id)
        subscription = find(store, Subscription, subscription_id)
        if subscription is None or subscription.tenant_id != tenant_id:
            return Outcome(subscription_id, False, [], "no such subscription")
        record = find(store, Provisioning, Provisioning.id_for(subscription_id))
        record = record or Provisioning.start(tenant_id, subscription_id)
        router = self._router(store, tenant_id, subscription.router)
        if router is None:
            return self._failed(
                store, record, subscription, f"unknown router {subscription.router!r}", False
            )
        desired = desired_secret(subscription, self._password(subscription))
        try:
            changes = self._gateway.sync_secret(router, subscription.username, desired)
        except RouterUnreachable as error:
            self._failed(store, record, subscription, error.message, True)
            raise
        except RouterRefused as error:
            return self._failed(store, record, subscription, error.message, False)
        record.succeed(router.name, subscription.version, changes)
        self._save(store, tenant_id, record)
        return Outcome(subscription_id, True, changes)

    def reconcile(self, tenant_id: UUID, router_name: str, dry_run: bool = False) -> list[str]:
        """Compare the router's tagged PPP secrets with the subscriptions placed on it and
        repair every difference; return one line per difference found."""
        store = self._stores.for_tenant(tenant_id)
        router = self._router(store, tenant_id, router_name)
        if router is None:
            raise RouterRefused(f"unknown router {router_name!r}", field="router")
        have = self._gateway.tagged_secrets(router, TAG_PREFIX)
        want = self._desired_on(store, tenant_id, router_name)
        report = []
        for name in sorted(set(have) | set(want)):
            if have.get(name) == want.get(name):
                continue
            report.append(_difference(name, have.get(name), want.get(name)))
            if not dry_run:
                self._gateway.sync_secret(router, name, want.get(name))
        return report

    def _desired_on(
        self, store: EventStore, tenant_id: UUID, router_name: str
    ) -> dict[str, PppSecret]:
        views = self._read_models.provisioning(store, tenant_id, None, 100_000)
        ids = [v.subscription_id for v in views if v.router == router_name]
        wanted: dict[str, PppSecret] = {}
        for subscription in store.get_many(ids).values():
            secret = desired_secret(subscription, self._password(subscription))
            if secret is not None:
                wanted[secret.name] = secret
        return wanted

    def _router(self, store: EventStore, tenant_id: UUID, name: str) -> RouterAccess | None:
        router_id = self._read_models.router_id(store, tenant_id, name)
        router = find(store, Router, router_id) if router_id else None
        if router is None or router.removed:
            return None
        return access_of(router, self._secrets)

    def _password(self, subscription: Subscription) -> str:
        return self._secrets.open(subscription.secret_sealed) if subscription.secret_sealed else ""

    def _failed(
        self,
        store: EventStore,
        record: Provisioning,
        subscription: Subscription,
        message: str,
        will_retry: bool,
    ) -> Outcome:
        record.fail(subscription.router, subscription.version, message, will_retry)
        self._save(store, subscription.tenant_id, record)
        return Outcome(subscription.id, False, [], message)

    def _save(self, store: EventStore, tenant_id: UUID, record: Provisioning) -> None:
        with recording("Provision", actor=PROVISIONER, tenant_id=tenant_id):
            store.save(record)


def _difference(name: str, have: PppSecret | None, want: PppSecret | None) -> str:
    if have is None:
        return f"{name}: missing on the router"
    if want is None:
        return f"{name}: on the router but not wanted (extra)"
    fields = [
        f
        for f in ("profile", "disabled", "password", "comment")
        if getattr(have, f) != getattr(want, f)
    ]
    return f"{name}: differs in {', '.join(fields)}"
