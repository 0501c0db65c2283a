"""Turning domain events into deliveries, and delivering them: POST, record the outcome as an
event, schedule the retry, and disable an endpoint whose every attempt over the retry window
failed (telling the tenant through the notification outbox)."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.integrations.ports import (
    OutgoingWebhook,
    WebhookEndpointView,
    WebhookReadModels,
    WebhookResponse,
    WebhookSender,
)
from application.integrations.public_events import PublicMessage, needs_aggregate, to_public
from application.integrations.webhook_targets import TargetPolicy
from application.shared.clock import Clock
from application.shared.context import Actor, ActorKind, recording
from application.shared.event_store import EventStore
from application.shared.ports import Stores
from application.shared.secrets import SecretBox
from application.shared.tenancy import TenantCalendar
from domain.integrations.webhook import WebhookEndpoint
from domain.integrations.webhook_delivery import WebhookDelivery
from domain.messaging.notification import NotificationRequest
from domain.shared.errors import DomainError
from domain.shared.recorded import RecordedEvent

log = logging.getLogger(__name__)
WEBHOOKS = Actor(ActorKind.SYSTEM, "webhooks")
DISABLED_TEMPLATE = "webhook_endpoint_disabled"


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    gave_up: int = 0
    cancelled: int = 0
    disabled_endpoints: list[UUID] = field(default_factory=list)


def messages_for(store: EventStore, events: Sequence[RecordedEvent]) -> list[PublicMessage]:
    """The public messages of a page of events, loading the aggregates some of them need."""
    wanted = list({r.aggregate_id for r in events if needs_aggregate(r)})
    aggregates = store.get_many(wanted) if wanted else {}
    return [m for m in (to_public(r, aggregates) for r in events) if m is not None]


def deliveries_for(
    messages: Iterable[PublicMessage],
    endpoints: Iterable[WebhookEndpointView],
    due_at: datetime,
    batch: str = "live",
) -> list[WebhookDelivery]:
    """One delivery per message and endpoint of its tenant that wants its type."""
    by_tenant: dict[UUID, list[WebhookEndpointView]] = {}
    for endpoint in endpoints:
        by_tenant.setdefault(endpoint.tenant_id, []).append(endpoint)
    return [
        WebhookDelivery.schedule(
            WebhookDelivery.id_for(endpoint.id, message.id, batch),
            message.tenant_id,
            endpoint.id,
            message.id,
            message.type,
            message.position,
            message.body(),
            due_at,
        )
        for message in messages
        for endpoint in by_tenant.get(message.tenant_id, [])
        if message.position > endpoint.created_position
        and (not endpoint.event_types or message.type in endpoint.event_types)
    ]


def save_new(store: EventStore, deliveries: list[WebhookDelivery], command: str) -> int:
    """Save the deliveries not recorded yet (ids are derived, so a repeat finds them); returns
    how many were new."""
    if not deliveries:
        return 0
    existing = store.get_many([d.id for d in deliveries])
    by_tenant: dict[UUID, list[WebhookDelivery]] = {}
    for delivery in deliveries:
        if delivery.id not in existing:
            by_tenant.setdefault(delivery.tenant_id, []).append(delivery)
    for tenant_id, new in by_tenant.items():
        # Saved per tenant, so each tenant's audit log shows its own deliveries.
        with recording(command, actor=WEBHOOKS, tenant_id=tenant_id):
            store.save(*new)
    return sum(len(new) for new in by_tenant.values())


class WebhookDeliverer:
    """Delivers due deliveries of one tenant in a batch: one concurrent round of POSTs, one
    save of every outcome."""

    def __init__(
        self,
        stores: Stores,
        read_models: WebhookReadModels,
        sender: WebhookSender,
        secrets: SecretBox,
        clock: Clock,
        policy: TargetPolicy,
    ) -> None:
        self._policy = policy
        self._stores = stores
        self._read_models = read_models
        self._sender = sender
        self._secrets = secrets
        self._clock = clock
        self._calendar = TenantCalendar(stores, clock)

    def deliver(self, tenant_id: UUID, delivery_ids: Sequence[UUID]) -> DeliveryReport:
        store = self._stores.for_tenant(tenant_id)
        now = self._clock.now()
        found = store.get_many(list(delivery_ids))
        due = [
            d
            for d in found.values()
            if isinstance(d, WebhookDelivery) and d.tenant_id == tenant_id and d.is_due(now)
        ]
        report = DeliveryReport()
        if not due:
            return report
        endpoints = _endpoints(store, {d.endpoint_id for d in due})
        sendable = self._cancel_unsendable(due, endpoints, report)
        refused = self._refused_targets({endpoints[d.endpoint_id].url for d in sendable})
        responses = self._sender.send(
            [
                self._outgoing(d, endpoints[d.endpoint_id], now)
                for d in sendable
                if endpoints[d.endpoint_id].url not in refused
            ]
        ) + [
            WebhookResponse(d.id, None, 0, "", refused[endpoints[d.endpoint_id].url])
            for d in sendable
            if endpoints[d.endpoint_id].url in refused
        ]
        self._record(sendable, responses, report)
        groups: list[list[Any]] = [[d] for d in due]
        groups += self._disable_failing(store, sendable, endpoints, report)
        save_outcomes(store, tenant_id, groups)
        return report

    def _cancel_unsendable(
        self,
        due: list[WebhookDelivery],
        endpoints: dict[UUID, WebhookEndpoint],
        report: DeliveryReport,
    ) -> list[WebhookDelivery]:
        sendable = []
        for delivery in due:
            endpoint = endpoints.get(delivery.endpoint_id)
            if endpoint is None or endpoint.deleted:
                delivery.cancel("endpoint_deleted")
            elif not endpoint.enabled:
                delivery.cancel("endpoint_disabled")
            else:
                sendable.append(delivery)
                continue
            report.cancelled += 1
        return sendable

    def _refused_targets(self, urls: set[str]) -> dict[str, str]:
        """URLs whose host now resolves somewhere webhooks may not go (its DNS may have changed
        since the endpoint was checked), with the reason; those attempts fail unsent."""
        refused = {}
        for url in urls:
            try:
                self._policy.check(url)
            except DomainError as error:
                refused[url] = error.message
        return refused

    def _outgoing(
        self, delivery: WebhookDelivery, endpoint: WebhookEndpoint, now: datetime
    ) -> OutgoingWebhook:
        return OutgoingWebhook(
            delivery.id,
            endpoint.url,
            delivery.message_id,
            delivery.payload,
            [self._secrets.open(s) for s in endpoint.signing_secrets(now)],
        )

    def _record(
        self,
        deliveries: list[WebhookDelivery],
        responses: list[WebhookResponse],
        report: DeliveryReport,
    ) -> None:
        by_id = {r.delivery_id: r for r in responses}
        for delivery in deliveries:
            response = by_id[delivery.id]
            at = self._clock.now()
            if response.ok and response.status_code is not None:
                delivery.record_success(
                    at, response.status_code, response.latency_ms, response.excerpt
                )
                report.delivered += 1
                continue
            delivery.record_failure(
                at,
                response.status_code,
                response.latency_ms,
                response.excerpt,
                response.error or f"HTTP {response.status_code}",
                random.uniform(0.9, 1.1),
            )
            report.failed += 1
            report.gave_up += int(delivery.gave_up)

    def _disable_failing(
        self,
        store: EventStore,
        deliveries: list[WebhookDelivery],
        endpoints: dict[UUID, WebhookEndpoint],
        report: DeliveryReport,
    ) -> list[list[Any]]:
        """Endpoints with a delivery that exhausted its schedule and no success since that
        delivery's first attempt: every attempt over the whole window failed."""
        succeeded = {d.endpoint_id for d in deliveries if d.status == "delivered"}
        changed: list[list[Any]] = []
        for delivery in deliveries:
            endpoint = endpoints[delivery.endpoint_id]
            if not delivery.gave_up or not endpoint.enabled or endpoint.id in succeeded:
                continue
            since = delivery.first_attempt_at or delivery.due_at or self._clock.now()
            if self._read_models.delivered_since(store, endpoint.id, since):
                continue
            endpoint.disable("persistent_failure")
            since_shown = self._calendar.shown(endpoint.tenant_id, since)
            changed.append([endpoint, _disabled_notice(endpoint, since_shown)])
            report.disabled_endpoints.append(endpoint.id)
        return changed


def save_outcomes(store: EventStore, tenant_id: UUID, groups: list[list[Any]]) -> None:
    """Everything in one save; if another worker recorded an outcome of one of these first
    (a job submitted twice), save group by group, and its record stands for that one."""
    everything = [obj for group in groups for obj in group]
    # A failed save has already collected the pending events; keep them to try again.
    pending = [list(obj.pending_events) for obj in everything]
    with recording("DeliverWebhooks", actor=WEBHOOKS, tenant_id=tenant_id):
        try:
            store.save(*everything)
            return
        except IntegrityError:
            log.info("webhook outcomes for %s were recorded concurrently", tenant_id)
        for obj, events in zip(everything, pending, strict=True):
            obj.pending_events[:] = events
        for group in groups:
            try:
                store.save(*group)
            except IntegrityError:
                continue


def _disabled_notice(endpoint: WebhookEndpoint, since: str) -> NotificationRequest:
    return NotificationRequest.request(
        endpoint.tenant_id,
        None,
        DISABLED_TEMPLATE,
        {"url": endpoint.url, "sejak": since},
        endpoint.id,
        f"webhook-disabled:{endpoint.version}",
    )


def _endpoints(store: EventStore, ids: set[UUID]) -> dict[UUID, WebhookEndpoint]:
    found = store.get_many(list(ids))
    return {i: e for i, e in found.items() if isinstance(e, WebhookEndpoint)}
