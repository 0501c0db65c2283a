"""Pushing state to routers: one idempotent job per target (a subscription's PPP secret, or a
hotspot user such as a voucher's), its outcome recorded as an event, retried while the router
is unreachable. Reconciliation repairs whatever drifted on a router since."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Protocol
from uuid import UUID

from application.routers.outcomes import InFlight, OutcomeRecorder
from application.routers.routers import (
    AddressEntry,
    AddressUnknown,
    HotspotUsage,
    RouterAccess,
    RouterGateway,
    RouterRefused,
    RouterUnreachable,
    access_of,
)
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal, recording
from application.shared.errors import ApplicationError, NotFound
from application.shared.event_store import EventStore
from application.shared.ports import Stores
from application.shared.secrets import SecretBox
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import find
from domain.billing.subscription import Subscription
from domain.platform.tenant import IsolirPolicy
from domain.routers.provisioning import (
    SUBSCRIPTION,
    TAG_PREFIX,
    VOUCHER,
    HotspotUser,
    PppSecret,
    Provisioning,
    desired_secret,
    hotspot_differences,
    isolir_list_of,
    tag_of,
)
from domain.routers.router import Router

UNDER_WAY = "another job is pushing it right now"


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
    subscription_id: UUID  # the target's id: a subscription's, or a voucher's
    tenant_id: UUID
    router: str
    username: str
    status: str  # synced, pending, failed
    attempts: int
    last_error: str | None
    updated_at: datetime
    kind: str = SUBSCRIPTION  # subscription or voucher
    will_retry: bool = True  # false: refused, waiting for a change or a manual retry


@dataclass(frozen=True)
class HotspotTarget:
    """One hotspot user to provision: what target `target_id` wants at its `version`."""

    target_id: UUID
    desired: HotspotUser | None
    version: int


@dataclass(frozen=True)
class WantedHotspotUser:
    """A hotspot user a router should hold; its password sealed with the platform key."""

    target_id: UUID
    router: str
    user: HotspotUser


class DesiredHotspotUsers(Protocol):
    """Port: every hotspot user that should be on a router, for reconciliation."""

    def hotspot_users(
        self, store: EventStore, tenant_id: UUID, router: str
    ) -> list[WantedHotspotUser]: ...


class RouterReadModels(DesiredHotspotUsers, Protocol):
    def routers(self, store: EventStore, tenant_id: UUID) -> list[RouterView]: ...

    def router_id(self, store: EventStore, tenant_id: UUID, name: str) -> UUID | None: ...

    def provisioning(
        self,
        store: EventStore,
        tenant_id: UUID,
        status: str | None,
        limit: int,
        kind: str | None = None,
    ) -> list[ProvisioningView]: ...


@dataclass(frozen=True)
class Outcome:
    subscription_id: UUID  # the target's id
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
        hotspot_users: DesiredHotspotUsers | None = None,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._secrets = secrets
        self._gateway = gateway
        # Whatever provision_hotspot_user last recorded, unless another source is given.
        self._hotspot_users = hotspot_users or read_models
        self._outcomes = OutcomeRecorder()
        self._in_flight = InFlight()

    def provision(self, tenant_id: UUID, subscription_id: UUID) -> Outcome:
        """Make the target's router hold what the target says now: a subscription's PPP secret
        (and isolir address-list entry), or the hotspot user last recorded for a voucher.

        Raises RouterUnreachable (after recording the failure) so a job runner retries it;
        a router's refusal is recorded and returned, since retrying will not change its answer
        (the dispatcher waits for a change that could, or `retry`). A subscriber without an
        address for the isolir list is a failure to retry: they may come online. While
        another job of this process pushes the same target, this one stands back (not ok,
        nothing recorded).
        """
        with self._in_flight.claim([subscription_id]) as claimed:
            if not claimed:
                return Outcome(subscription_id, False, [], UNDER_WAY)
            return self._provision(tenant_id, subscription_id)

    def _provision(self, tenant_id: UUID, subscription_id: UUID) -> Outcome:
        store = self._stores.for_tenant(tenant_id)
        record_id = Provisioning.id_for(subscription_id)
        found = store.get_many([record_id, subscription_id])  # one round trip for both
        record, subscription = found.get(record_id), found.get(subscription_id)
        if isinstance(record, Provisioning) and (record.kind, record.tenant_id) == (
            VOUCHER,
            tenant_id,
        ):
            return self._push_hotspot_user(store, record)
        if not isinstance(subscription, Subscription) or subscription.tenant_id != tenant_id:
            return Outcome(subscription_id, False, [], "no such subscription")
        if not isinstance(record, Provisioning):
            record = Provisioning.start(tenant_id, subscription_id)
        router = self._router(store, tenant_id, subscription.router)
        if router is None:
            return self._failed(
                store, record, subscription, f"unknown router {subscription.router!r}", False
            )
        isolir = self._isolir(tenant_id)
        desired = desired_secret(subscription, self._password(subscription), isolir)
        try:
            changes = self._gateway.sync_subscriber(
                router,
                subscription.username,
                desired,
                tag_of(subscription.id),
                isolir_list_of(subscription, isolir),
            )
        except RouterUnreachable as error:
            self._failed(store, record, subscription, error.message, True)
            raise
        except AddressUnknown as error:
            return self._failed(store, record, subscription, error.message, True)
        except RouterRefused as error:
            return self._failed(store, record, subscription, error.message, False)
        self._outcomes.succeeded(record, router.name, subscription.version, changes)
        self._save(store, tenant_id, record)
        return Outcome(subscription_id, True, changes)

    def retry(self, principal: Principal, target_id: UUID) -> None:
        """Ask for a failed push, a refused one included, to be tried again now (after the
        profile was created on the router, say): the dispatcher submits it at once."""
        authorize(principal, Permission.MANAGE_ROUTERS)
        store = self._stores.for_tenant(principal.tenant_id)
        record = find(store, Provisioning, Provisioning.id_for(target_id))
        if not isinstance(record, Provisioning) or record.tenant_id != principal.tenant_id:
            raise NotFound(f"nothing was provisioned for {target_id}", field="target_id")
        record.request_retry()
        with recording(
            "RetryProvisioning",
            actor=principal.actor,
            tenant_id=principal.tenant_id,
            correlation_id=principal.correlation_id,
        ):
            store.save(record)

    def provision_hotspot_user(
        self,
        tenant_id: UUID,
        target_id: UUID,
        router_id: UUID,
        desired: HotspotUser | None,
        version: int,
    ) -> Outcome:
        """Record what router `router_id` should hold for target `target_id` (a voucher, say):
        `desired`, or no hotspot user at all when None; then push it.

        `version` orders the calls: one older than the last recorded is not recorded, and the
        newer state already recorded is pushed instead. The comment is given Niaga's tag when it
        lacks one, so reconciliation knows the user as ours. Raises RouterUnreachable like
        `provision`."""
        target = HotspotTarget(target_id, desired, version)
        (outcome,) = self.provision_hotspot_users(tenant_id, router_id, [target])
        return outcome

    def provision_hotspot_users(
        self, tenant_id: UUID, router_id: UUID, targets: Sequence[HotspotTarget]
    ) -> list[Outcome]:
        """`provision_hotspot_user` for many targets on one router (a voucher batch): their
        records read together, the users written over one kept connection, every outcome saved
        in one transaction. Bad input refuses the whole batch before anything is recorded."""
        store, router, records = self._wanted(tenant_id, router_id, targets)
        return self._push_records(store, router, records)

    def want_hotspot_users(
        self, tenant_id: UUID, router_id: UUID, targets: Sequence[HotspotTarget]
    ) -> list[UUID]:
        """Only record what the router should hold for these targets, in one transaction, and
        return the targets whose state is newer than the router's: `push_hotspot_users` (a job)
        pushes them. Until then their rows are pending, so should that job be lost, the
        dispatcher's sweep pushes them one by one."""
        store, _, records = self._wanted(tenant_id, router_id, targets)
        changed = [record for record, _ in records if record.pending_events]
        if changed:
            self._save(store, tenant_id, *changed)
        return [r.target_id for r, _ in records if r.synced_version < r.wanted_version]

    def push_hotspot_users(
        self, tenant_id: UUID, router_id: UUID, target_ids: Sequence[UUID]
    ) -> list[Outcome]:
        """Push the states `want_hotspot_users` recorded for these targets over one connection;
        targets already synced meanwhile are skipped. Raises RouterUnreachable like `provision`
        (after recording every target's failure)."""
        store = self._stores.for_tenant(tenant_id)
        router = self._router_of(store, tenant_id, router_id)
        found = store.get_many([Provisioning.id_for(t) for t in target_ids])
        records = [
            (record, self._opened_record(record.wanted_user))
            for record in found.values()
            if isinstance(record, Provisioning)
            and (record.kind, record.tenant_id) == (VOUCHER, tenant_id)
            and record.synced_version < record.wanted_version
        ]
        return self._push_records(store, router, records)

    def _wanted(
        self, tenant_id: UUID, router_id: UUID, targets: Sequence[HotspotTarget]
    ) -> tuple[EventStore, Router, list[tuple[Provisioning, HotspotUser | None]]]:
        """The targets' records with their new desired state applied (not saved yet), each with
        the user to push: the one given, or a newer one recorded before."""
        store = self._stores.for_tenant(tenant_id)
        router = self._router_of(store, tenant_id, router_id)
        if len({t.target_id for t in targets}) < len(targets):
            raise ApplicationError("a target appears twice in the batch", field="targets")
        users = [self._tagged(t) for t in targets]
        ids = [Provisioning.id_for(t.target_id) for t in targets]
        found = store.get_many(ids) if ids else {}
        records = []
        for target, record_id, user in zip(targets, ids, users, strict=True):
            record = found.get(record_id) or Provisioning.start(
                tenant_id, target.target_id, VOUCHER
            )
            if record.tenant_id != tenant_id:
                raise NotFound(f"no target {target.target_id}", field="target_id")
            if record.kind != VOUCHER:
                raise ApplicationError(f"{target.target_id} is a subscription", field="target_id")
            sealed = (
                None if user is None else replace(user, password=self._secrets.seal(user.password))
            )
            if not record.want_hotspot_user(router_id, router.name, sealed, target.version):
                user = self._opened_record(record.wanted_user)  # a newer state was recorded
            records.append((record, user))
        return store, router, records

    def _router_of(self, store: EventStore, tenant_id: UUID, router_id: UUID) -> Router:
        router = find(store, Router, router_id)
        if router is None or router.tenant_id != tenant_id or router.removed:
            raise NotFound(f"no router {router_id}", field="router_id")
        return router

    def _push_records(
        self,
        store: EventStore,
        router: Router,
        records: list[tuple[Provisioning, HotspotUser | None]],
    ) -> list[Outcome]:
        with self._in_flight.claim(record.target_id for record, _ in records) as claimed:
            mine = [(record, user) for record, user in records if record.target_id in claimed]
            busy = [record for record, _ in records if record.target_id not in claimed]
            self._save(store, router.tenant_id, *busy)  # their new desired states, if any
            outcomes = {o.subscription_id: o for o in self._push_claimed(store, router, mine)}
        return [
            outcomes.get(record.target_id) or Outcome(record.target_id, False, [], UNDER_WAY)
            for record, _ in records
        ]

    def _push_claimed(
        self,
        store: EventStore,
        router: Router,
        records: list[tuple[Provisioning, HotspotUser | None]],
    ) -> list[Outcome]:
        if not records:
            return []
        if any(record.router_id != router.id for record, _ in records):
            # Late calls for targets since moved to another router: pushed one by one.
            return [self._push_hotspot_user(store, record) for record, _ in records]
        return self._push_hotspot_users(store, access_of(router, self._secrets), records)

    def _fail_all(
        self,
        store: EventStore,
        router: RouterAccess,
        records: list[tuple[Provisioning, HotspotUser | None]],
        message: str,
        will_retry: bool,
    ) -> list[Outcome]:
        for record, _ in records:
            self._outcomes.failed(record, router.name, record.wanted_version, message, will_retry)
        if records:
            self._save(store, records[0][0].tenant_id, *(r for r, _ in records))
        return [Outcome(r.target_id, False, [], message) for r, _ in records]

    def _tagged(self, target: HotspotTarget) -> HotspotUser | None:
        if target.desired is None:
            return None
        user = target.desired.validated()
        if user.comment.startswith(TAG_PREFIX):
            return user
        return replace(user, comment=f"{tag_of(target.target_id)} {user.comment}".strip())

    def _push_hotspot_users(
        self,
        store: EventStore,
        router: RouterAccess,
        records: list[tuple[Provisioning, HotspotUser | None]],
    ) -> list[Outcome]:
        work = [
            (record, name, user)
            for record, user in records
            if (name := user.name if user else record.hotspot_name)
        ]
        try:
            results = self._gateway.sync_hotspot_users(
                router, [(name, user) for _, name, user in work]
            )
        except RouterUnreachable as error:
            self._fail_all(store, router, records, error.message, True)
            raise
        except RouterRefused as error:  # e.g. the login: the same answer for every user
            return self._fail_all(store, router, records, error.message, False)
        outcomes = {record.id: Outcome(record.target_id, True, []) for record, _ in records}
        for (record, _, _), result in zip(work, results, strict=True):
            if isinstance(result, RouterRefused):
                message = f"{router.name}: {result.message}"
                outcomes[record.id] = Outcome(record.target_id, False, [], message)
            else:
                outcomes[record.id] = Outcome(record.target_id, True, result)
        for record, _ in records:
            outcome = outcomes[record.id]
            if outcome.ok:
                self._outcomes.succeeded(
                    record, router.name, record.wanted_version, outcome.changes
                )
            else:
                self._outcomes.failed(
                    record, router.name, record.wanted_version, outcome.error or "", False
                )
        if records:
            self._save(store, records[0][0].tenant_id, *(r for r, _ in records))
        return [outcomes[record.id] for record, _ in records]

    def reconcile(self, tenant_id: UUID, router_name: str, dry_run: bool = False) -> list[str]:
        """Compare the router's tagged PPP secrets, isolir address-list entries and hotspot
        users with what Niaga wants there and repair every difference; return one line per
        difference found."""
        store = self._stores.for_tenant(tenant_id)
        router = self._router(store, tenant_id, router_name)
        if router is None:
            raise RouterRefused(f"unknown router {router_name!r}", field="router")
        subscriptions = self._subscriptions_on(store, tenant_id, router_name)
        isolir = self._isolir(tenant_id)
        return [
            *self._reconcile_secrets(router, subscriptions, isolir, dry_run),
            *self._reconcile_addresses(router, subscriptions, isolir, dry_run),
            *self._reconcile_hotspot_users(store, tenant_id, router, dry_run),
        ]

    def routers_in_service(self, tenant_id: UUID) -> list[str]:
        """The names of a tenant's routers not removed: what reconciling all of them covers."""
        store = self._stores.for_tenant(tenant_id)
        return [r.name for r in self._read_models.routers(store, tenant_id) if not r.removed]

    def hotspot_usage(self, tenant_id: UUID, router_name: str) -> list[HotspotUsage]:
        """What the router counted (uptime, traffic) for each hotspot user Niaga tagged."""
        store = self._stores.for_tenant(tenant_id)
        router = self._router(store, tenant_id, router_name)
        if router is None:
            raise RouterRefused(f"unknown router {router_name!r}", field="router")
        return self._gateway.hotspot_usage(router, TAG_PREFIX)

    # --- reconciliation ---------------------------------------------------------------------

    def _reconcile_secrets(
        self,
        router: RouterAccess,
        subscriptions: list[Subscription],
        isolir: IsolirPolicy,
        dry_run: bool,
    ) -> list[str]:
        have = self._gateway.tagged_secrets(router, TAG_PREFIX)
        want: dict[str, PppSecret] = {}
        for subscription in subscriptions:
            secret = desired_secret(subscription, self._password(subscription), isolir)
            if secret is not None:
                want[secret.name] = secret
        report = []
        for name in sorted(set(have) | set(want)):
            if have.get(name) == want.get(name):
                continue
            line = _difference(name, have.get(name), want.get(name))
            if not dry_run:
                line += _repaired(partial(self._gateway.sync_secret, router, name, want.get(name)))
            report.append(line)
        return report

    def _reconcile_addresses(
        self,
        router: RouterAccess,
        subscriptions: list[Subscription],
        isolir: IsolirPolicy,
        dry_run: bool,
    ) -> list[str]:
        names = {tag_of(s.id): s.username for s in subscriptions}
        want = {
            tag_of(s.id): wanted
            for s in subscriptions
            if (wanted := isolir_list_of(s, isolir)) is not None
        }
        have: dict[str, list[AddressEntry]] = {}
        for entry in self._gateway.tagged_addresses(router, TAG_PREFIX):
            have.setdefault(entry.comment, []).append(entry)
        report = []
        for tag in sorted(set(have) | set(want)):
            lists = sorted(e.list for e in have.get(tag, []))
            wanted = want.get(tag)
            if lists == ([wanted] if wanted else []):
                continue
            who = names.get(tag, tag)
            if not lists:
                line = f"address-list {wanted}: {who} missing on the router"
            elif wanted is None:
                line = f"address-list {', '.join(lists)}: {who} not wanted (extra)"
            else:
                line = f"address-list {wanted}: {who} is on {', '.join(lists)}"
            if not dry_run:
                repair = partial(
                    self._gateway.sync_isolir_address, router, names.get(tag), tag, wanted
                )
                line += _repaired(repair)
            report.append(line)
        return report

    def _reconcile_hotspot_users(
        self, store: EventStore, tenant_id: UUID, router: RouterAccess, dry_run: bool
    ) -> list[str]:
        have = self._gateway.tagged_hotspot_users(router, TAG_PREFIX)
        want = {
            wanted.user.name: self._opened(wanted.user)
            for wanted in self._hotspot_users.hotspot_users(store, tenant_id, router.name)
        }
        report = []
        for name in sorted(set(have) | set(want)):
            found, wanted = have.get(name), want.get(name)
            if found is None:
                line = f"hotspot user {name}: missing on the router"
            elif wanted is None:
                line = f"hotspot user {name}: on the router but not wanted (extra)"
            elif fields := hotspot_differences(found, wanted):
                line = f"hotspot user {name}: differs in {', '.join(fields)}"
            else:
                continue
            if not dry_run:
                line += _repaired(partial(self._gateway.sync_hotspot_user, router, name, wanted))
            report.append(line)
        return report

    def _subscriptions_on(
        self, store: EventStore, tenant_id: UUID, router_name: str
    ) -> list[Subscription]:
        views = self._read_models.provisioning(store, tenant_id, None, 100_000, SUBSCRIPTION)
        ids = [v.subscription_id for v in views if v.router == router_name]
        return list(store.get_many(ids).values())

    # --- hotspot users ----------------------------------------------------------------------

    def _push_hotspot_user(self, store: EventStore, record: Provisioning) -> Outcome:
        router_name = record.router or ""
        router_agg = find(store, Router, record.router_id) if record.router_id else None
        if router_agg is None or router_agg.removed:
            return self._record_failure(
                store, record, router_name, f"unknown router {router_name!r}", False
            )
        router = access_of(router_agg, self._secrets)
        user = self._opened_record(record.wanted_user)
        name = user.name if user else record.hotspot_name
        changes: list[str] = []
        try:
            if name:
                changes = self._gateway.sync_hotspot_user(router, name, user)
        except RouterUnreachable as error:
            self._record_failure(store, record, router.name, error.message, True)
            raise
        except RouterRefused as error:
            return self._record_failure(store, record, router.name, error.message, False)
        self._outcomes.succeeded(record, router.name, record.wanted_version, changes)
        self._save(store, record.tenant_id, record)
        return Outcome(record.target_id, True, changes)

    def _opened_record(self, sealed: HotspotUser | None) -> HotspotUser | None:
        return None if sealed is None else self._opened(sealed)

    def _opened(self, user: HotspotUser) -> HotspotUser:
        return replace(user, password=self._secrets.open(user.password))

    def _record_failure(
        self,
        store: EventStore,
        record: Provisioning,
        router: str,
        message: str,
        will_retry: bool,
    ) -> Outcome:
        self._outcomes.failed(record, router, record.wanted_version, message, will_retry)
        self._save(store, record.tenant_id, record)
        return Outcome(record.target_id, False, [], message)

    # --- shared -----------------------------------------------------------------------------

    def _isolir(self, tenant_id: UUID) -> IsolirPolicy:
        return tenant_of(self._stores, tenant_id).isolir_policy

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
        self._outcomes.failed(
            record, subscription.router, subscription.version, message, will_retry
        )
        self._save(store, subscription.tenant_id, record)
        return Outcome(subscription.id, False, [], message)

    def _save(self, store: EventStore, tenant_id: UUID, *records: Provisioning) -> None:
        self._outcomes.save(store, tenant_id, records)


def _repaired(repair: Callable[[], object]) -> str:
    """Run one repair; a refusal (say, a profile missing on the router) is reported on the
    difference's line instead of stopping the repair of the others."""
    try:
        repair()
    except RouterRefused as error:
        return f" (not repaired: {error.message})"
    return ""


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
