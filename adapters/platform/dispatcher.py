"""Follows `platform_meter_reports` in every store and submits a report job for each usage that
is due, as the shared process-manager policy says (at once when new, with backoff after a
failure, again when a job was lost). Once a day it first has each subscribed tenant's active
subscribers counted, which adds that day's usage row."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from uuid import UUID

from adapters.platform.read_models import PostgresPlatformBillingReadModels
from adapters.shared.stores import PostgresStores
from application.platform.billing_metering import PlatformMetering
from application.platform.billing_ports import PendingReport, StripeUnavailable
from application.shared.clock import Clock
from application.shared.process_manager import (
    Dispatch,
    Pending,
    ProcessManager,
    RetryPolicy,
    SideEffect,
)

log = logging.getLogger(__name__)
# Doubling up to fifteen minutes: Stripe takes meter events up to 35 days late.
RETRIES = RetryPolicy(max_wait=900.0)
PLATFORM_ZONE = "Asia/Jakarta"  # the platform's day, for the daily count
PAGE = 500


def report_effect(metering: PlatformMetering) -> SideEffect[UUID]:
    """Report one usage; Stripe being unavailable is recorded and retried."""
    return SideEffect("platform_metering", metering.report, RETRIES, (StripeUnavailable,))


class MeteringDispatcher:
    def __init__(
        self,
        stores: PostgresStores,
        read_models: PostgresPlatformBillingReadModels,
        metering: PlatformMetering,
        report: Dispatch[UUID],
        clock: Clock,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._metering = metering
        self._clock = clock
        self._counted: date | None = None
        self._manager = ProcessManager(RETRIES, report)

    def dispatch(self) -> int:
        """Count today's active subscribers if not done yet, then submit every report that is
        due; returns how many were submitted."""
        self._count_when_due()
        submitted = 0
        for store in self._stores.open_stores():
            rows = [_pending(row) for row in self._read_models.pending_reports(store, PAGE)]
            submitted += self._manager.submit_due(rows, datetime.now(UTC))
        return submitted

    def wait(self) -> None:
        self._manager.wait()

    def close(self) -> None:
        self._manager.close()

    def _count_when_due(self) -> None:
        today = self._clock.today(PLATFORM_ZONE)
        if self._counted == today:
            return
        counted = self._metering.count_active_subscribers(today)
        log.info("counted the active subscribers of %d tenants for %s", counted, today)
        self._counted = today


def _pending(row: PendingReport) -> Pending:
    return Pending(row.tenant_id, row.id, row.attempts, row.updated_at)
