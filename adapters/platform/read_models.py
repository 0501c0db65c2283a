"""Queries over `platform_meter_reports` (every store), `platform_subscriptions` (the platform
store) and, for the daily count of active subscribers, the billing area's `subscription_list`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.paging import table
from adapters.shared.stores import PostgresStores
from application.platform.billing_ports import PendingReport, PlatformSubscriptionView
from application.shared.event_store import EventStore
from domain.platform.plans import Meter

_REPORT = "id, tenant_id, meter, identifier, value, occurred_at, attempts, updated_at"
_SUBSCRIPTION = "tenant_id, plan, tier, customer_id, subscription_id, status, failures"
# Subscribers the tenant serves: a soft-limited one is still connected (and still billed).
SERVED_STATES = ("active", "soft_limited")


class PostgresPlatformBillingReadModels:
    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def pending_reports(self, store: EventStore, limit: int) -> list[PendingReport]:
        query = sql.SQL(
            "SELECT {} FROM {} WHERE status IN ('pending', 'retrying') ORDER BY updated_at LIMIT %s"
        ).format(sql.SQL(_REPORT), table(store, "platform_meter_reports"))
        return [_report(r) for r in self._all(store, query, [limit])]

    def report(self, store: EventStore, report_id: UUID) -> PendingReport | None:
        query = sql.SQL(
            "SELECT {} FROM {} WHERE id = %s AND status IN ('pending', 'retrying')"
        ).format(sql.SQL(_REPORT), table(store, "platform_meter_reports"))
        rows = self._all(store, query, [report_id])
        return _report(rows[0]) if rows else None

    def subscription_of_customer(self, customer_id: str) -> PlatformSubscriptionView | None:
        rows = self._subscriptions(sql.SQL("WHERE customer_id = %s"), [customer_id])
        return rows[0] if rows else None

    def subscriptions(self) -> list[PlatformSubscriptionView]:
        return self._subscriptions(sql.SQL("ORDER BY started_at"), [])

    def active_subscribers(self, store: EventStore, tenant_id: UUID) -> int:
        query = sql.SQL("SELECT count(*) FROM {} WHERE tenant_id = %s AND state = ANY(%s)").format(
            table(store, "subscription_list")
        )
        return int(self._all(store, query, [tenant_id, list(SERVED_STATES)])[0][0])

    def _subscriptions(
        self, where: sql.Composable, params: list[Any]
    ) -> list[PlatformSubscriptionView]:
        platform = self._stores.platform()
        query = sql.SQL("SELECT {} FROM {} {}").format(
            sql.SQL(_SUBSCRIPTION), table(platform, "platform_subscriptions"), where
        )
        return [PlatformSubscriptionView(*r) for r in self._all(platform, query, params)]

    def _all(self, store: EventStore, query: sql.Composed, params: list[Any]) -> list[Any]:
        with self._stores.database_for(store).connection() as conn:
            return [tuple(r) for r in conn.execute(query, params).fetchall()]


def _report(row: tuple[Any, ...]) -> PendingReport:
    id_, tenant_id, meter, identifier, value, occurred_at, attempts, updated_at = row
    return PendingReport(
        id_, tenant_id, Meter(meter), identifier, int(value), occurred_at, attempts, updated_at
    )
