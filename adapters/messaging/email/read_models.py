"""Queries over `email_log`: what is waiting to be sent, and a tenant's e-mails."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.messaging.read_models import PostgresWhatsAppReadModels
from adapters.shared.paging import table
from adapters.shared.stores import PostgresStores
from application.messaging.email_ports import EmailLogEntry, PendingEmail
from application.shared.event_store import EventStore

_PENDING = (
    "id, tenant_id, customer_id, template, variables, source_id, status, attempts, "
    "updated_at, requested_at"
)
_ENTRY = "id, customer_id, template, status, error, attempts, timeline, requested_at"


class PostgresEmailReadModels:
    def __init__(
        self, stores: PostgresStores, whatsapp: PostgresWhatsAppReadModels, max_age: timedelta
    ) -> None:
        self._stores = stores
        self._whatsapp = whatsapp
        # Notices older than this are not worth sending any more (and a read model built for
        # the first time must not send years of old invoices).
        self._max_age = max_age

    def pending(self, store: EventStore, limit: int) -> list[PendingEmail]:
        # A customer's notice waits only while the customer has an address: most have none,
        # and recording a skip for each would double the log's notices for nothing. The send
        # job checks the customer's record again (this read model may lag behind it).
        query = sql.SQL(
            "SELECT {} FROM {} m WHERE status IN ('queued', 'retrying') "
            "AND requested_at > now() - %s "
            "AND (m.customer_id IS NULL OR EXISTS (SELECT 1 FROM {} c WHERE c.id = m.customer_id "
            "AND c.email IS NOT NULL AND NOT c.forgotten)) "
            "ORDER BY updated_at LIMIT %s"
        ).format(
            sql.SQL(", ".join(f"m.{c.strip()}" for c in _PENDING.split(","))),
            table(store, "email_log"),
            table(store, "customer_list"),
        )
        return [PendingEmail(*r) for r in self._all(store, query, [self._max_age, limit])]

    def email(self, store: EventStore, email_id: UUID) -> PendingEmail | None:
        query = sql.SQL("SELECT {} FROM {} WHERE id = %s").format(
            sql.SQL(_PENDING), table(store, "email_log")
        )
        rows = self._all(store, query, [email_id])
        return PendingEmail(*rows[0]) if rows else None

    def email_log(self, store: EventStore, tenant_id: UUID, limit: int) -> list[EmailLogEntry]:
        query = sql.SQL(
            "SELECT {} FROM {} WHERE tenant_id = %s ORDER BY requested_at, id LIMIT %s"
        ).format(sql.SQL(_ENTRY), table(store, "email_log"))
        return [EmailLogEntry(*r) for r in self._all(store, query, [tenant_id, limit])]

    def plan_of(self, store: EventStore, tenant_id: UUID, customer_id: UUID) -> str | None:
        return self._whatsapp.plan_of(store, tenant_id, customer_id)

    def _all(self, store: EventStore, query: sql.Composed, params: list[Any]) -> list[Any]:
        with self._stores.database_for(store).connection() as conn:
            return [tuple(r) for r in conn.execute(query, params).fetchall()]
