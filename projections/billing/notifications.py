"""`notification_outbox`: every message requested, for channel adapters to deliver."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from domain.messaging.notification import NotificationRequest
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.rows import Row

TABLE = "notification_outbox"
COLUMNS = (
    "id",
    "tenant_id",
    "customer_id",
    "template",
    "variables",
    "subject_id",
    "requested_at",
    "position",
)


class NotificationOutboxProjection:
    name: str = "notification_outbox"
    event_types: tuple[type, ...] = (NotificationRequest.Requested,)
    tables: tuple[str, ...] = (TABLE,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        requested: dict[Any, Row] = {}
        for r in events:
            # A request is made once per id; should the log hold two, the first stays.
            requested.setdefault(r.aggregate_id, _row(r))
        table_rows.insert_absent(
            cur, schema, TABLE, COLUMNS, "id", requested.values(), frozenset({"variables"})
        )


def _row(r: RecordedEvent) -> Row:
    return {
        "id": r.aggregate_id,
        "tenant_id": r.event.tenant_id,
        "customer_id": r.event.customer_id,
        "template": r.event.template,
        "variables": r.event.variables,
        "subject_id": r.event.subject_id,
        "requested_at": r.timestamp,
        "position": r.position,
    }
