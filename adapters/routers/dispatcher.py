"""The provisioning process manager.

It follows each store's log (with a tracking position, like a projection) for voucher events,
records the hotspot users the vouchers' routers should hold and submits one batch job per router
and page of events. Then it turns unsynced provisioning rows (subscriptions, and vouchers whose
push failed or whose job was lost) into jobs: at once for new state, with exponential backoff
and jitter after failures. Jobs run in a small pool in-process, or on dramatiq workers (which
push vouchers one job each)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from psycopg import Cursor

from adapters.bootstrap import Niaga
from adapters.routers.read_models import PostgresRouterReadModels
from adapters.shared.event_log import PostgresEventLog
from adapters.shared.stores import PostgresEventStore, PostgresStores
from application.routers.provisioning import ProvisioningService, ProvisioningView
from application.routers.routers import RouterUnreachable
from application.vouchers.voucher_provisioning import HotspotBatch, VoucherProvisioning
from domain.shared.recorded import RecordedEvent
from domain.vouchers.voucher import Voucher
from projections.shared.runner import DEFAULT_PAGE_SIZE, ProjectionRunner

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0
Submit = Callable[[UUID, UUID], None]
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


def backoff(attempts: int) -> float:
    """Seconds to wait after `attempts` failures: doubling up to five minutes, with jitter."""
    if attempts == 0:
        return 0.0
    return min(2.0**attempts, MAX_BACKOFF) + random.uniform(0, 1)


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
    def __init__(
        self,
        stores: PostgresStores,
        read_models: PostgresRouterReadModels,
        provisioning: ProvisioningService,
        submit: Submit | None = None,
        workers: int = 4,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._provisioning = provisioning
        self._vouchers = VoucherProvisioning(provisioning)
        self._page_size = page_size
        self._pool = (
            ThreadPoolExecutor(workers, thread_name_prefix="provision") if submit is None else None
        )
        self._submit = submit or self._run_here
        self._sent: dict[UUID, tuple[datetime, float]] = {}
        self._batched: dict[UUID, float] = {}
        self._jobs: list[Future[None]] = []

    def follow(self) -> int:
        """Record the hotspot users of vouchers changed since last time, in every store, and
        submit their push jobs; returns how many voucher events were handled."""
        handled = 0
        for store in self._stores.open_stores():
            runner = ProjectionRunner(
                PostgresEventLog(store, store.ref.schema),
                self._stores.database_for(store).connection,
                store.ref.schema,
                self._page_size,
            )
            handled += runner.catch_up(_VoucherFollower(store, self._vouchers, self._send_batch))
        return handled

    def _send_batch(self, batch: HotspotBatch) -> None:
        now = time.monotonic()
        for target_id in batch.target_ids:
            self._batched[target_id] = now  # the sweep leaves it to this job for a while
        if self._pool is None:  # jobs go to workers, one per voucher
            for target_id in batch.target_ids:
                self._submit(batch.tenant_id, target_id)
            return
        self._jobs.append(self._pool.submit(self._push_batch, batch))

    def _push_batch(self, batch: HotspotBatch) -> None:
        try:
            self._vouchers.push(batch)
        except Exception:
            log.exception("provisioning vouchers on router %s failed", batch.router_id)

    def dispatch(self) -> int:
        """Follow the log for vouchers, then submit every row that is due; returns how many
        rows were submitted."""
        self.follow()
        self._forget_batched()
        sent = 0
        for store in self._stores.open_stores():
            for row in self._read_models.unsynced(store, 500):
                if self._due(row):
                    self._sent[row.subscription_id] = (row.updated_at, time.monotonic())
                    self._submit(row.tenant_id, row.subscription_id)
                    sent += 1
        return sent

    def wait(self) -> None:
        """Wait for the jobs submitted to the in-process pool so far."""
        jobs, self._jobs = self._jobs, []
        wait_for(jobs)

    def close(self) -> None:
        if self._pool:
            self._pool.shutdown(wait=True)

    def _forget_batched(self) -> None:
        now = time.monotonic()
        self._batched = {t: at for t, at in self._batched.items() if now - at < BATCH_GRACE}
        self._jobs = [job for job in self._jobs if not job.done()]

    def _due(self, row: ProvisioningView) -> bool:
        batched = self._batched.get(row.subscription_id)
        if batched is not None and row.attempts == 0:
            return False  # its batch job is still pushing it
        last = self._sent.get(row.subscription_id)
        if last is None or last[0] != row.updated_at:
            # Never sent, or something happened since: wait out the backoff from that moment.
            age = (datetime.now(UTC) - row.updated_at).total_seconds()
            return age >= backoff(row.attempts)
        return time.monotonic() - last[1] >= max(backoff(row.attempts), 60.0)

    def _run_here(self, tenant_id: UUID, subscription_id: UUID) -> None:
        if self._pool is None:
            raise RuntimeError("jobs are submitted elsewhere; there is no local pool")
        self._pool.submit(self._provision, tenant_id, subscription_id)

    def _provision(self, tenant_id: UUID, subscription_id: UUID) -> None:
        try:
            self._provisioning.provision(tenant_id, subscription_id)
        except RouterUnreachable as error:
            log.info("provisioning %s will be retried: %s", subscription_id, error.message)
        except Exception:
            log.exception("provisioning %s failed", subscription_id)


def provisioning_dispatcher(niaga: Niaga, submit: Submit | None = None) -> ProvisioningDispatcher:
    return ProvisioningDispatcher(
        niaga.stores,
        niaga.router_read_models,
        niaga.provisioning,
        submit,
        page_size=niaga.settings.niaga_projection_page_size,
    )
