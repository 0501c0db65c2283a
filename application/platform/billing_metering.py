"""Usage metering: each usage the platform bills by is reported to Stripe as a meter event, by a
job the shared process-manager policy submits (adapters/platform/dispatcher.py).

`report` is the job: it does its work once and records the outcome as a `MeterReport` in the
tenant's store. The meter event's identifier derives from the event that recorded the usage,
so a job that runs twice (a lost answer, a worker that died) never counts twice.

- A tenant without a platform subscription: the report is refused (recorded) and logged; the
  platform has no Stripe customer to bill.
- A locked tenant: reported all the same; the usage happened.
- Usage older than Stripe takes (35 days): refused and logged.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.platform.billing_ports import (
    PendingReport,
    PlatformBillingReadModels,
    StripeBilling,
    StripeRefused,
    StripeUnavailable,
)
from application.shared.clock import Clock
from application.shared.context import SYSTEM, recording
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import find
from domain.platform.metering import ActiveSubscriberCount, MeterReport
from domain.platform.subscription import PlatformSubscription

log = logging.getLogger(__name__)
STRIPE_TAKES = timedelta(days=35)  # how old a meter event Stripe still accepts


class PlatformMetering:
    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        read_models: PlatformBillingReadModels,
        stripe: StripeBilling,
        clock: Clock,
    ) -> None:
        self._stores = stores
        self._sync = sync
        self._read_models = read_models
        self._stripe = stripe
        self._clock = clock

    def report(self, tenant_id: UUID, report_id: UUID) -> None:
        """Report one usage row to Stripe and record the outcome; a row already finished is
        left alone. Raises StripeUnavailable (recorded first) for the process manager to retry."""
        store = self._stores.for_tenant(tenant_id)
        row = self._read_models.report(store, report_id)
        if row is None or row.tenant_id != tenant_id:
            return
        outcome = find(store, MeterReport, report_id) or MeterReport.start(
            tenant_id, row.meter, row.identifier, row.value
        )
        if outcome.finished:
            return
        subscription = find(
            self._stores.platform(), PlatformSubscription, PlatformSubscription.id_for(tenant_id)
        )
        refusal = self._refusal(row, subscription)
        if refusal is not None or subscription is None:
            log.warning(
                "meter report %s of tenant %s refused: %s", row.identifier, tenant_id, refusal
            )
            outcome.refuse(refusal or "the tenant has no platform subscription")
            self._save_outcome(store, outcome)
            return
        self._send(store, row, outcome, subscription.customer_id)

    def count_active_subscribers(self, day: date) -> int:
        """Count each subscribed tenant's active subscribers for `day`, once; returns how many
        tenants were counted now. The count becomes a usage row in the tenant's store."""
        counted = 0
        for subscription in self._read_models.subscriptions():
            tenant_id = subscription.tenant_id
            store = self._stores.for_tenant(tenant_id)
            if find(store, ActiveSubscriberCount, ActiveSubscriberCount.id_for(tenant_id, day)):
                continue
            count = self._read_models.active_subscribers(store, tenant_id)
            try:
                self._save(store, ActiveSubscriberCount.record(tenant_id, day, count))
            except IntegrityError:
                continue  # another process counted it first
            counted += 1
        return counted

    def _refusal(self, row: PendingReport, subscription: PlatformSubscription | None) -> str | None:
        if subscription is None:
            return "the tenant has no platform subscription"
        if self._clock.now() - row.occurred_at > STRIPE_TAKES:
            return "older than Stripe accepts (35 days)"
        return None

    def _send(
        self, store: EventStore, row: PendingReport, outcome: MeterReport, customer_id: str
    ) -> None:
        try:
            self._stripe.report_usage(
                row.meter, customer_id, row.value, row.identifier, row.occurred_at
            )
        except StripeUnavailable as error:
            outcome.failed(error.message)
            self._save_outcome(store, outcome)
            raise
        except StripeRefused as error:
            log.warning("Stripe refused meter report %s: %s", row.identifier, error.message)
            outcome.refuse(f"Stripe refused it: {error.message}")
            self._save_outcome(store, outcome)
            return
        outcome.reported()
        self._save_outcome(store, outcome)

    def _save(self, store: EventStore, aggregate: MeterReport | ActiveSubscriberCount) -> None:
        with recording("ReportPlatformUsage", actor=SYSTEM, tenant_id=aggregate.tenant_id):
            position = store.save_and_locate(aggregate)
        self._sync.wait(store, position)

    def _save_outcome(self, store: EventStore, outcome: MeterReport) -> None:
        """Record the outcome; when another run of the same job recorded it first (a job
        submitted twice), that record stands, and the read models are waited for all the same so
        the caller reads the outcome either way."""
        try:
            self._save(store, outcome)
        except IntegrityError:
            log.info("meter report %s was recorded by another run meanwhile", outcome.id)
            self._sync.wait(store, store.head())
