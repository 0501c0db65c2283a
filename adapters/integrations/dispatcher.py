"""The webhook process manager: follows each store's log (with a tracking position, like a
projection) to schedule a delivery per message and endpoint, submits new deliveries at once,
and sweeps the read model for due retries, so none is lost when a process dies.

Jobs run on dramatiq workers, or in a small pool in-process (the embedded default).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Cursor

from adapters.bootstrap import Niaga
from adapters.integrations.read_models import PostgresWebhookReadModels
from adapters.shared.event_log import PostgresEventLog
from adapters.shared.stores import PostgresEventStore, PostgresStores
from application.integrations.public_events import CATALOGUE
from application.integrations.webhook_delivery import (
    WebhookDeliverer,
    deliveries_for,
    messages_for,
    save_new,
)
from application.shared.clock import Clock
from domain.shared.recorded import RecordedEvent
from projections.shared.runner import ProjectionRunner

log = logging.getLogger(__name__)
Submit = Callable[[UUID, list[UUID]], None]
Attempt = tuple[UUID, datetime | None]  # a delivery and when its attempt is due
BATCH = 100
# Seconds before a submitted delivery that still looks due is sent again: longer than a batch
# can take against slow receivers, so only a lost job is sent twice.
RESUBMIT_AFTER = 300.0
FAN_OUT = "webhook_fan_out"


class _FanOut:
    """Looks like a projection to the runner: one page of the log at a time, then its
    position moves. Deliveries have derived ids, so a page applied twice schedules nothing
    twice."""

    name = FAN_OUT
    event_types: tuple[type, ...] = tuple(t.source for t in CATALOGUE)
    tables: tuple[str, ...] = ()

    def __init__(
        self,
        store: PostgresEventStore,
        read_models: PostgresWebhookReadModels,
        clock: Clock,
        scheduled: Callable[[UUID, list[Attempt]], None],
    ) -> None:
        self._store = store
        self._read_models = read_models
        self._clock = clock
        self._scheduled = scheduled

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        endpoints = self._read_models.active_endpoints(self._store)
        if not endpoints:
            return
        deliveries = deliveries_for(messages_for(self._store, events), endpoints, self._clock.now())
        save_new(self._store, deliveries, "ScheduleWebhookDeliveries")
        by_tenant: dict[UUID, list[Attempt]] = {}
        for delivery in deliveries:
            by_tenant.setdefault(delivery.tenant_id, []).append((delivery.id, delivery.due_at))
        for tenant_id, attempts in by_tenant.items():
            self._scheduled(tenant_id, attempts)


class WebhookDispatcher:
    def __init__(
        self,
        stores: PostgresStores,
        read_models: PostgresWebhookReadModels,
        deliverer: WebhookDeliverer,
        clock: Clock,
        submit: Submit | None = None,
        workers: int = 4,
        page_size: int = 1000,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._deliverer = deliverer
        self._clock = clock
        self._page_size = page_size
        self._pool = (
            ThreadPoolExecutor(workers, thread_name_prefix="webhooks") if submit is None else None
        )
        self._submit = submit or self._run_here
        self._sent: dict[UUID, tuple[datetime | None, float]] = {}

    def run_once(self) -> int:
        """Fan out what the logs recorded since last time, then submit due retries."""
        return self.fan_out() + self.dispatch_due()

    def fan_out(self) -> int:
        """Schedule deliveries for new events in every store; returns how many were submitted."""
        submitted = 0

        def scheduled(tenant_id: UUID, attempts: list[Attempt]) -> None:
            nonlocal submitted
            submitted += self._send(tenant_id, attempts)

        for store in self._stores.open_stores():
            fan_out = _FanOut(store, self._read_models, self._clock, scheduled)
            self._runner(store).catch_up(fan_out)
        return submitted

    def dispatch_due(self) -> int:
        """Submit every pending delivery whose next attempt is due (found in the read model,
        so retries survive a restart)."""
        submitted = 0
        now = self._clock.now()
        for store in self._stores.open_stores():
            by_tenant: dict[UUID, list[Attempt]] = {}
            for due in self._read_models.due(store, now, 5000):
                by_tenant.setdefault(due.tenant_id, []).append((due.delivery_id, due.due_at))
            for tenant_id, attempts in by_tenant.items():
                submitted += self._send(tenant_id, attempts)
        return submitted

    def close(self) -> None:
        if self._pool:
            self._pool.shutdown(wait=True)

    def _send(self, tenant_id: UUID, attempts: list[Attempt]) -> int:
        """Submit attempts not submitted yet; one that still looks due five minutes after it was
        submitted (a lost job) is submitted again."""
        now = time.monotonic()
        fresh = [(i, due_at) for i, due_at in attempts if self._fresh(i, due_at, now)]
        for delivery_id, due_at in fresh:
            self._sent[delivery_id] = (due_at, now)
        ids = [delivery_id for delivery_id, _ in fresh]
        for start in range(0, len(ids), BATCH):
            self._submit(tenant_id, ids[start : start + BATCH])
        self._forget_old(now)
        return len(fresh)

    def _fresh(self, delivery_id: UUID, due_at: datetime | None, now: float) -> bool:
        sent = self._sent.get(delivery_id)
        return sent is None or sent[0] != due_at or now - sent[1] >= RESUBMIT_AFTER

    def _forget_old(self, now: float) -> None:
        if len(self._sent) > 100_000:
            self._sent = {k: v for k, v in self._sent.items() if now - v[1] < RESUBMIT_AFTER}

    def _runner(self, store: PostgresEventStore) -> ProjectionRunner:
        return ProjectionRunner(
            PostgresEventLog(store, store.ref.schema),
            self._stores.database_for(store).connection,
            store.ref.schema,
            self._page_size,
        )

    def _run_here(self, tenant_id: UUID, ids: list[UUID]) -> None:
        if self._pool is None:
            raise RuntimeError("jobs are submitted elsewhere; there is no local pool")
        self._pool.submit(self._deliver, tenant_id, ids)

    def _deliver(self, tenant_id: UUID, ids: list[UUID]) -> None:
        try:
            self._deliverer.deliver(tenant_id, ids)
        except Exception:
            log.exception("delivering webhooks of %s failed", tenant_id)


def webhook_dispatcher(niaga: Niaga, submit: Submit | None = None) -> WebhookDispatcher:
    return WebhookDispatcher(
        niaga.stores,
        niaga.webhook_read_models,
        niaga.webhook_deliverer,
        niaga.clock,
        submit,
        page_size=niaga.settings.niaga_projection_page_size,
    )
