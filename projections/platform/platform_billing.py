"""`platform_meter_reports`: every usage the platform bills by, waiting to be reported to Stripe or
reported; `platform_subscriptions`: each tenant's platform plan and payment state.

A usage row comes from the event that recorded the usage: an AI outcome carrying `ai_usage`
(the events `projections.ai` lists as metered; the value is the input plus output tokens), a
WhatsApp message the provider took (`OutboundMessage.Sent`, value 1), and a tenant's daily count
of active subscribers. The report job's outcome (`MeterReport`) moves the row on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql

from domain.ai.usage import AiUsage
from domain.messaging.whatsapp import OutboundMessage
from domain.platform.metering import ActiveSubscriberCount, MeterReport, identifier_for, report_id
from domain.platform.plans import Meter
from domain.platform.subscription import PlatformSubscription
from domain.shared.recorded import RecordedEvent
from projections.ai import METERED_EVENTS
from projections.shared import rows as table_rows
from projections.shared.base import table
from projections.shared.rows import Row

REPORTS = "platform_meter_reports"
SUBSCRIPTIONS = "platform_subscriptions"
SUBSCRIPTION_COLUMNS = (
    "id",
    "tenant_id",
    "plan",
    "tier",
    "customer_id",
    "subscription_id",
    "status",
    "failures",
    "started_at",
    "updated_at",
)
_OUTCOMES = (MeterReport.Reported, MeterReport.Failed, MeterReport.Refused)


@dataclass(frozen=True)
class Usage:
    tenant_id: UUID
    meter: Meter
    identifier: str
    value: int
    occurred_at: datetime


class PlatformMeterReportsProjection:
    name: str = "platform_meter_reports"
    event_types: tuple[type, ...] = (
        *METERED_EVENTS,
        OutboundMessage.Sent,
        ActiveSubscriberCount.Counted,
        *_OUTCOMES,
    )
    tables: tuple[str, ...] = (REPORTS,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        usages = [usage for recorded in events for usage in usages_in(recorded)]
        if usages:
            cur.executemany(
                sql.SQL(
                    "INSERT INTO {} (id, tenant_id, meter, identifier, value, occurred_at, "
                    "status, attempts, updated_at) VALUES (%s, %s, %s, %s, %s, %s, 'pending', 0, "
                    "%s) ON CONFLICT (id) DO NOTHING"
                ).format(table(schema, REPORTS)),
                [
                    (
                        report_id(u.identifier),
                        u.tenant_id,
                        u.meter.value,
                        u.identifier,
                        u.value,
                        u.occurred_at,
                        u.occurred_at,
                    )
                    for u in usages
                ],
            )
        outcomes = [_outcome(r) for r in events if isinstance(r.event, _OUTCOMES)]
        if outcomes:
            cur.executemany(
                sql.SQL(
                    "UPDATE {} SET status = %s, attempts = %s, error = %s, updated_at = %s "
                    "WHERE id = %s"
                ).format(table(schema, REPORTS)),
                outcomes,
            )


def usages_in(recorded: RecordedEvent) -> Iterator[Usage]:
    """The billable usage one event records (none for an AI call that used no tokens, or a
    message whose tenant the log does not name)."""
    event, at = recorded.event, recorded.timestamp
    if isinstance(event, ActiveSubscriberCount.Counted):
        meter = Meter.ACTIVE_SUBSCRIBERS
        identifier = identifier_for(meter, recorded.aggregate_id, recorded.version)
        yield Usage(event.tenant_id, meter, identifier, event.count, at)
    elif isinstance(event, OutboundMessage.Sent):
        if recorded.meta.tenant_id:
            meter = Meter.WHATSAPP_MESSAGES
            identifier = identifier_for(meter, recorded.aggregate_id, recorded.version)
            yield Usage(UUID(recorded.meta.tenant_id), meter, identifier, 1, at)
    else:
        calls = list(_ai_usages(event))
        tokens = sum(u.input_tokens + u.output_tokens for u in calls)
        if tokens > 0:
            meter = Meter.AI_TOKENS
            identifier = identifier_for(meter, recorded.aggregate_id, recorded.version)
            yield Usage(calls[0].tenant_id, meter, identifier, tokens, at)


def _ai_usages(event: object) -> Iterator[AiUsage]:
    one = getattr(event, "ai_usage", None)
    if isinstance(one, AiUsage):
        yield one
    yield from (u for u in getattr(event, "ai_usages", ()) if isinstance(u, AiUsage))


def _outcome(recorded: RecordedEvent) -> tuple[Any, ...]:
    event, at = recorded.event, recorded.timestamp
    if isinstance(event, MeterReport.Reported):
        return ("reported", event.attempt, None, at, recorded.aggregate_id)
    if isinstance(event, MeterReport.Failed):
        return ("retrying", event.attempt, event.error, at, recorded.aggregate_id)
    # Refused: attempts stay as they were; the reason is kept as the error.
    return ("refused", 0, event.reason, at, recorded.aggregate_id)


class PlatformSubscriptionsProjection:
    name: str = "platform_subscriptions"
    event_types: tuple[type, ...] = (
        PlatformSubscription.Started,
        PlatformSubscription.PlanChanged,
        PlatformSubscription.StatusReported,
        PlatformSubscription.PaymentFailed,
        PlatformSubscription.PaymentSucceeded,
    )
    tables: tuple[str, ...] = (SUBSCRIPTIONS,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(
            cur,
            schema,
            SUBSCRIPTIONS,
            SUBSCRIPTION_COLUMNS,
            events,
            PlatformSubscription.Started,
            _apply_subscription,
        )


def _apply_subscription(rows: dict[Any, Row], recorded: RecordedEvent) -> None:
    event, at = recorded.event, recorded.timestamp
    if isinstance(event, PlatformSubscription.Started):
        rows[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": event.tenant_id,
            "plan": event.plan,
            "tier": event.tier,
            "customer_id": event.customer_id,
            "subscription_id": event.subscription_id,
            "status": "active",
            "failures": 0,
            "started_at": at,
            "updated_at": at,
        }
        return
    row = rows[recorded.aggregate_id]
    row["updated_at"] = at
    if isinstance(event, PlatformSubscription.PlanChanged):
        row["plan"], row["tier"] = event.plan, event.tier
    elif isinstance(event, PlatformSubscription.StatusReported):
        row["status"] = event.status
    elif isinstance(event, PlatformSubscription.PaymentFailed):
        row["failures"] = event.failures
    elif isinstance(event, PlatformSubscription.PaymentSucceeded):
        row["failures"] = 0
