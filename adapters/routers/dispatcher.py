"""The provisioning process manager.

It follows each store's log (with a tracking position, like a projection) for voucher events,
records the hotspot users the vouchers' routers should hold and submits one batch job per router
and page of events. Then it turns unsynced provisioning rows (subscriptions, and vouchers whose
push failed or whose job was lost) into jobs, as the shared process-manager policy says: at once
for new state, with backoff after failures, again when a job was lost. Jobs run in a small pool
in-process, or on dramatiq workers (which push vouchers one job each).

Rows are read router by router (at most `PER_ROUTER` of each per pass) and submitted in turns,
one router's row after another's, so a long backlog never queues ahead of another router's
change. A router that is down is probed with one row at a time while its backlog, new voucher
batches included, waits (application/routers/router_gate.py). A refused row is not read again
until its router was added or changed, its desired state changed, or a retry was asked for."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from psycopg import Cursor

from adapters.routers.read_models import PostgresRouterReadModels
from adapters.shared.event_log import PostgresEventLog
from adapters.shared.stores import PostgresEventStore, PostgresStores
from application.routers.provisioning import ProvisioningService, ProvisioningView
from application.routers.router_gate import Backlog, RouterGate, RouterKey, round_robin
from application.routers.routers import RouterUnreachable
from application.shared.event_store import EventStore
from application.shared.process_manager import (
    Dispatch,
    Monotonic,
    Pending,
    ProcessManager,
    RetryPolicy,
    SideEffect,
)
from application.vouchers.voucher_provisioning import HotspotBatch, VoucherProvisioning
from domain.shared.recorded import RecordedEvent
from domain.vouchers.voucher import Voucher
from projections.shared.runner import DEFAULT_PAGE_SIZE, ProjectionRunner

# Doubling up to five minutes: a router back from an outage is in sync soon after.
RETRIES = RetryPolicy(max_wait=300.0)
# A router that is down is probed after 2 s, then doubling up to a minute between probes.
PROBES = RetryPolicy(max_wait=60.0)
# Seconds a probe has to show an outcome (a connection attempt times out after 10 s).
PROBE_WINDOW = 15.0
# Rows of one router considered per pass: the in-flight limit of one router's backlog.
PER_ROUTER = 100
FOLLOWER = "voucher_provisioning"
# Seconds the sweep leaves a voucher to the batch job that was submitted for it.
BATCH_GRACE = 60.0
# Voucher events that change what its router should hold (a sale or a first login does not).
VOUCHER_CHANGES: tuple[type, ...] = (
    Voucher.Generated,
    Voucher.Expired,
    Voucher.UsedUp,
    Voucher.Revoked,
)


def provisioning_effect(provisioning: ProvisioningService) -> SideEffect[UUID]:
    """Bring one subscription's or voucher's state onto its router; an unreachable router is
    recorded as a failed attempt and retried."""
    return SideEffect("provision", provisioning.provision, RETRIES, (RouterUnreachable,))


def voucher_push_effect(vouchers: VoucherProvisioning) -> SideEffect[HotspotBatch]:
    """Push one router's page of vouchers in one go (the in-process pool only)."""
    return SideEffect("vouchers", lambda _tenant, batch: vouchers.push(batch), RETRIES)


class _VoucherFollower:
    """Looks like a projection to the runner: its position moves only after a page's vouchers
    had their desired users recorded, so a crash in between records them again (a version
    already recorded changes nothing). A push job lost after that leaves its rows pending, and
    the sweep pushes them."""

    name = FOLLOWER
    event_types: tuple[type, ...] = VOUCHER_CHANGES
    tables: tuple[str, ...] = ()

    def __init__(
        self,
        store: PostgresEventStore,
        vouchers: VoucherProvisioning,
        wanted: Callable[[HotspotBatch], None],
    ) -> None:
        self._store = store
        self._vouchers = vouchers
        self._wanted = wanted

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        for batch in self._vouchers.want(self._store, [r.aggregate_id for r in events]):
            self._wanted(batch)


class ProvisioningDispatcher:
    """Follows the log for vouchers and sweeps `provisioning_status` for rows waiting a push.

    `provision` takes one subscription or voucher per job. `push_batches`, when given (the
    in-process pool), takes a router's page of vouchers per job; without it (dramatiq workers)
    each voucher goes to `provision` on its own."""

    def __init__(
        self,
        stores: PostgresStores,
        read_models: PostgresRouterReadModels,
        vouchers: VoucherProvisioning,
        provision: Dispatch[UUID],
        push_batches: Dispatch[HotspotBatch] | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        *,
        monotonic: Monotonic = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._vouchers = vouchers
        self._provision = provision
        self._push_batches = push_batches
        self._manager = ProcessManager(RETRIES, provision, monotonic)
        self._gate = RouterGate(PROBES, PROBE_WINDOW, monotonic)
        self._monotonic, self._wall = monotonic, wall
        self._page_size = page_size
        self._batched: dict[UUID, float] = {}
        self._router_names: dict[UUID, str] = {}

    def follow(self) -> int:
        """Record the hotspot users of vouchers changed since last time, in every store, and
        submit their push jobs (unless their router is down); returns how many voucher events
        were handled."""
        handled = 0
        for store in self._stores.open_stores():
            self._router_names = self._read_models.router_names(store)
            runner = ProjectionRunner(
                PostgresEventLog(store, store.ref.schema),
                self._stores.database_for(store).connection,
                store.ref.schema,
                self._page_size,
            )
            handled += runner.catch_up(_VoucherFollower(store, self._vouchers, self._send_batch))
        return handled

    def dispatch(self) -> int:
        """Follow the log for vouchers, then submit the rows that are due, router by router in
        turns; returns how many rows were submitted."""
        self.follow()
        self._forget_batched()
        now = self._wall()
        self._observe_probes(now)
        queues: list[list[Pending]] = []
        sent = 0
        for store in self._stores.open_stores():
            for backlog in self._backlogs(store):
                offered = self._gate.offer(backlog)
                if offered and self._gate.holds(backlog.key):
                    sent += self._probe(backlog.key, offered, now)
                elif offered:
                    queues.append(offered)
        in_turns: list[Pending] = []
        round_robin(queues, in_turns.append)
        for row in in_turns:
            sent += self._manager.submit_due([row], now)
        return sent

    def forget_submissions(self) -> None:
        """The broker lost what it held (it restarted): every due row is submitted again."""
        self._manager.forget_submissions()

    def wait(self) -> None:
        """Wait for the jobs submitted to the in-process pools so far."""
        self._manager.wait()
        if self._push_batches is not None:
            self._push_batches.wait()

    def close(self) -> None:
        self._provision.close()
        if self._push_batches is not None:
            self._push_batches.close()

    def _backlogs(self, store: EventStore) -> list[Backlog]:
        grouped: dict[RouterKey, Backlog] = {}
        for row, last_failure in self._read_models.waiting(store, PER_ROUTER):
            if self._left_to_batch(row):
                continue
            key = (row.tenant_id, row.router)
            backlog = grouped.setdefault(key, Backlog(*key, [], last_failure))
            backlog.rows.append(_pending(row))
        return list(grouped.values())

    def _probe(self, key: RouterKey, candidates: list[Pending], now: datetime) -> int:
        """Submit the first candidate that is due as the probe of a router that is down."""
        for row in candidates:
            if self._manager.submit_due([row], now):
                self._gate.probed(key, row)
                return 1
        return 0

    def _observe_probes(self, now: datetime) -> None:
        for (tenant_id, router), target_id in self._gate.probes().items():
            store = self._stores.for_tenant(tenant_id)
            rows = self._read_models.statuses(store, [target_id])
            self._gate.observe((tenant_id, router), rows.get(target_id), now)

    def _send_batch(self, batch: HotspotBatch) -> None:
        router = self._router_names.get(batch.router_id, "")
        if self._gate.holds((batch.tenant_id, router)):
            return  # the router is down: the vouchers join its backlog, pending
        now = self._monotonic()
        for target_id in batch.target_ids:
            self._batched[target_id] = now  # the sweep leaves it to this job for a while
        if self._push_batches is None:  # jobs go to workers, one per voucher
            for target_id in batch.target_ids:
                self._provision.submit(batch.tenant_id, target_id)
            return
        self._push_batches.submit(batch.tenant_id, batch)

    def _forget_batched(self) -> None:
        now = self._monotonic()
        self._batched = {t: at for t, at in self._batched.items() if now - at < BATCH_GRACE}

    def _left_to_batch(self, row: ProvisioningView) -> bool:
        """A voucher's batch job is still pushing it (and has not failed yet)."""
        return row.attempts == 0 and row.subscription_id in self._batched


def _pending(row: ProvisioningView) -> Pending:
    return Pending(row.tenant_id, row.subscription_id, row.attempts, row.updated_at)
