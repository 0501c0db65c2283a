"""The webhook process manager: follows each store's log (with a tracking position, like a
projection) to schedule a delivery per message and endpoint, submits new deliveries at once,
and sweeps the read model for due retries, so none is lost when a process dies.

When a failed delivery is due again is the delivery's own schedule (recorded with each attempt);
the shared process-manager policy decides only when a submitted batch counts as lost. Jobs run
on dramatiq workers, or in a small pool in-process (the embedded default).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Cursor

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
from application.shared.process_manager import Dispatch, RetryPolicy, SideEffect, Submissions
from domain.shared.recorded import RecordedEvent
from projections.shared.runner import ProjectionRunner

Attempt = tuple[UUID, datetime | None]  # a delivery and when its attempt is due
BATCH = 100
# A submitted delivery that still looks due is sent again after five minutes: longer than a
# batch can take against slow receivers, so only a lost job is sent twice. No backoff here: the
# read model returns only deliveries whose own schedule says they are due.
RETRIES = RetryPolicy(max_wait=0.0, jitter=0.0, grace=300.0)
FAN_OUT = "webhook_fan_out"


def delivery_effect(deliverer: WebhookDeliverer) -> SideEffect[list[UUID]]:
    """Deliver a batch of one tenant's deliveries; each outcome is recorded as an event."""
    return SideEffect("webhooks", deliverer.deliver, RETRIES)


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
    """Fans out new events to deliveries and sweeps `webhook_deliveries` for due retries,
    submitting one tenant's deliveries in batches of `BATCH`."""

    def __init__(
        self,
        stores: PostgresStores,
        read_models: PostgresWebhookReadModels,
        clock: Clock,
        deliver: Dispatch[list[UUID]],
        page_size: int = 1000,
        locked: Callable[[], frozenset[UUID]] = frozenset,
    ) -> None:
        self._stores = stores
        self._locked = locked
        self._read_models = read_models
        self._clock = clock
        self._deliver = deliver
        self._page_size = page_size
        self._submissions = Submissions(RETRIES)

    def run_once(self) -> int:
        """Fan out what the logs recorded since last time, then submit due retries."""
        return self.fan_out() + self.dispatch_due()

    def fan_out(self) -> int:
        """Schedule deliveries for new events in every store; returns how many were submitted.
        A locked tenant's deliveries are scheduled but wait, due, until it is unlocked."""
        submitted = 0
        locked = self._locked()

        def scheduled(tenant_id: UUID, attempts: list[Attempt]) -> None:
            nonlocal submitted
            if tenant_id not in locked:
                submitted += self._send(tenant_id, attempts)

        for store in self._stores.open_stores():
            fan_out = _FanOut(store, self._read_models, self._clock, scheduled)
            self._runner(store).catch_up(fan_out)
        return submitted

    def dispatch_due(self) -> int:
        """Submit every pending delivery whose next attempt is due (found in the read model,
        so retries survive a restart), except a locked tenant's."""
        submitted = 0
        now, locked = self._clock.now(), self._locked()
        for store in self._stores.open_stores():
            by_tenant: dict[UUID, list[Attempt]] = {}
            for due in self._read_models.due(store, now, 5000):
                if due.tenant_id in locked:
                    continue  # paused, not failed: sent on the first sweep after the unlock
                by_tenant.setdefault(due.tenant_id, []).append((due.delivery_id, due.due_at))
            for tenant_id, attempts in by_tenant.items():
                submitted += self._send(tenant_id, attempts)
        return submitted

    def forget_submissions(self) -> None:
        """The broker lost what it held (it restarted): every due delivery is submitted again."""
        self._submissions.forget()

    def close(self) -> None:
        self._deliver.close()

    def _send(self, tenant_id: UUID, attempts: list[Attempt]) -> int:
        """Submit attempts not submitted yet (an attempt is a delivery at its due time); one
        still looking due after the grace period was lost and is submitted again."""
        now = self._clock.now()
        fresh = [
            (delivery_id, due_at)
            for delivery_id, due_at in attempts
            if self._submissions.due(delivery_id, due_at, 0, None, now)
        ]
        for start in range(0, len(fresh), BATCH):
            batch = fresh[start : start + BATCH]
            self._deliver.submit(tenant_id, [delivery_id for delivery_id, _ in batch])
            # Remembered only once handed over: a batch the broker refused is due again.
            for delivery_id, due_at in batch:
                self._submissions.submitted(delivery_id, due_at)
        return len(fresh)

    def _runner(self, store: PostgresEventStore) -> ProjectionRunner:
        return ProjectionRunner(
            PostgresEventLog(store, store.ref.schema),
            self._stores.database_for(store).connection,
            store.ref.schema,
            self._page_size,
        )
