"""`notification_outbox`: every message requested, for channel adapters to deliver."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor, sql
from psycopg.types.json import Jsonb

from domain.messaging.notification import NotificationRequest
from domain.shared.recorded import RecordedEvent
from projections.shared.base import table


class NotificationOutboxProjection:
    name: str = "notification_outbox"
    event_types: tuple[type, ...] = (NotificationRequest.Requested,)
    tables: tuple[str, ...] = ("notification_outbox",)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        cur.executemany(
            sql.SQL(
                "INSERT INTO {} (id, tenant_id, customer_id, template, variables, subject_id, "
                "requested_at, position) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (id) DO NOTHING"
            ).format(table(schema, "notification_outbox")),
            [
                (
                    r.aggregate_id,
                    r.event.tenant_id,
                    r.event.customer_id,
                    r.event.template,
                    Jsonb(r.event.variables),
                    r.event.subject_id,
                    r.timestamp,
                    r.position,
                )
                for r in events
            ],
        )
