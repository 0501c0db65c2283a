"""`webhook_endpoints` and `webhook_deliveries`: a tenant's endpoints (never their secrets), and
every delivery with its attempts, last status code, latency, response excerpt and next attempt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from domain.integrations.webhook import WebhookEndpoint
from domain.integrations.webhook_delivery import WebhookDelivery
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.rows import Row

ENDPOINTS = "webhook_endpoints"
ENDPOINT_COLUMNS = (
    "id",
    "tenant_id",
    "url",
    "event_types",
    "description",
    "enabled",
    "disabled_reason",
    "deleted",
    "secret_rotated_at",
    "created_position",
    "created_at",
    "updated_at",
)
DELIVERIES = "webhook_deliveries"
DELIVERY_COLUMNS = (
    "id",
    "tenant_id",
    "endpoint_id",
    "message_id",
    "event_type",
    "position",
    "status",
    "attempts",
    "last_status_code",
    "last_latency_ms",
    "last_response_excerpt",
    "last_error",
    "last_attempt_at",
    "next_attempt_at",
    "delivered_at",
    "created_at",
    "updated_at",
)


class WebhookEndpointsProjection:
    name: str = "webhook_endpoints"
    event_types: tuple[type, ...] = (
        WebhookEndpoint.Created,
        WebhookEndpoint.Updated,
        WebhookEndpoint.SecretRotated,
        WebhookEndpoint.Disabled,
        WebhookEndpoint.Enabled,
        WebhookEndpoint.Deleted,
    )
    tables: tuple[str, ...] = (ENDPOINTS,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(
            cur,
            schema,
            ENDPOINTS,
            ENDPOINT_COLUMNS,
            events,
            WebhookEndpoint.Created,
            _endpoint,
            frozenset({"event_types"}),
        )


def _endpoint(rows: dict[Any, Row], r: RecordedEvent) -> None:
    e = r.event
    if isinstance(e, WebhookEndpoint.Created):
        rows[r.aggregate_id] = {
            "id": r.aggregate_id,
            "tenant_id": e.tenant_id,
            "url": e.url,
            "event_types": list(e.event_types),
            "description": e.description,
            "enabled": True,
            "disabled_reason": None,
            "deleted": False,
            "secret_rotated_at": None,
            "created_position": r.position,
            "created_at": r.timestamp,
        }
    row = rows.get(r.aggregate_id)
    if row is None:
        return
    if isinstance(e, WebhookEndpoint.Updated):
        row.update(url=e.url, event_types=list(e.event_types), description=e.description)
    elif isinstance(e, WebhookEndpoint.SecretRotated):
        row["secret_rotated_at"] = r.timestamp
    elif isinstance(e, WebhookEndpoint.Disabled):
        row.update(enabled=False, disabled_reason=e.reason)
    elif isinstance(e, WebhookEndpoint.Enabled):
        row.update(enabled=True, disabled_reason=None)
    elif isinstance(e, WebhookEndpoint.Deleted):
        row.update(enabled=False, deleted=True)
    row["updated_at"] = r.timestamp


class WebhookDeliveriesProjection:
    name: str = "webhook_deliveries"
    event_types: tuple[type, ...] = (
        WebhookDelivery.Scheduled,
        WebhookDelivery.AttemptFailed,
        WebhookDelivery.Delivered,
        WebhookDelivery.Cancelled,
        WebhookDelivery.Requeued,
    )
    tables: tuple[str, ...] = (DELIVERIES,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(
            cur, schema, DELIVERIES, DELIVERY_COLUMNS, events, WebhookDelivery.Scheduled, _delivery
        )


def _delivery(rows: dict[Any, Row], r: RecordedEvent) -> None:
    e = r.event
    if isinstance(e, WebhookDelivery.Scheduled):
        rows[r.aggregate_id] = {
            "id": r.aggregate_id,
            "tenant_id": e.tenant_id,
            "endpoint_id": e.endpoint_id,
            "message_id": e.message_id,
            "event_type": e.event_type,
            "position": e.position,
            "status": "pending",
            "attempts": 0,
            "last_status_code": None,
            "last_latency_ms": None,
            "last_response_excerpt": None,
            "last_error": None,
            "last_attempt_at": None,
            "next_attempt_at": e.due_at,
            "delivered_at": None,
            "created_at": r.timestamp,
        }
    row = rows.get(r.aggregate_id)
    if row is None:
        return
    if isinstance(e, WebhookDelivery.AttemptFailed | WebhookDelivery.Delivered):
        row.update(
            attempts=e.attempt,
            last_status_code=e.status_code,
            last_latency_ms=e.latency_ms,
            last_response_excerpt=e.response_excerpt,
            last_attempt_at=e.at,
        )
    if isinstance(e, WebhookDelivery.AttemptFailed):
        row.update(
            last_error=e.error,
            next_attempt_at=e.next_attempt_at,
            status="pending" if e.next_attempt_at else "failed",
        )
    elif isinstance(e, WebhookDelivery.Delivered):
        row.update(last_error=None, next_attempt_at=None, status="delivered", delivered_at=e.at)
    elif isinstance(e, WebhookDelivery.Cancelled):
        row.update(status="cancelled", next_attempt_at=None, last_error=e.reason)
    elif isinstance(e, WebhookDelivery.Requeued):
        row.update(status="pending", next_attempt_at=e.due_at)
    row["updated_at"] = r.timestamp
