"""Turns unsynced provisioning rows into jobs: at once for new state, with exponential backoff
and jitter after failures. Jobs run on dramatiq workers, or in a small pool in-process."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from uuid import UUID

from adapters.bootstrap import Niaga
from adapters.postgres.router_read_models import PostgresRouterReadModels
from adapters.postgres.stores import PostgresStores
from application.provisioning import ProvisioningService, ProvisioningView
from application.routers import RouterUnreachable

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0
Submit = Callable[[UUID, UUID], None]


def backoff(attempts: int) -> float:
    """Seconds to wait after `attempts` failures: doubling up to five minutes, with jitter."""
    if attempts == 0:
        return 0.0
    return min(2.0**attempts, MAX_BACKOFF) + random.uniform(0, 1)


class ProvisioningDispatcher:
    def __init__(
        self,
        stores: PostgresStores,
        read_models: PostgresRouterReadModels,
        provisioning: ProvisioningService,
        submit: Submit | None = None,
        workers: int = 4,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._provisioning = provisioning
        self._pool = (
            ThreadPoolExecutor(workers, thread_name_prefix="provision") if submit is None else None
        )
        self._submit = submit or self._run_here
        self._sent: dict[UUID, tuple[datetime, float]] = {}

    def dispatch(self) -> int:
        """Submit every row that is due; returns how many were submitted."""
        sent = 0
        for store in self._stores.open_stores():
            for row in self._read_models.unsynced(store, 500):
                if self._due(row):
                    self._sent[row.subscription_id] = (row.updated_at, time.monotonic())
                    self._submit(row.tenant_id, row.subscription_id)
                    sent += 1
        return sent

    def close(self) -> None:
        if self._pool:
            self._pool.shutdown(wait=True)

    def _due(self, row: ProvisioningView) -> bool:
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
        niaga.stores, niaga.router_read_models, niaga.provisioning, submit
    )
