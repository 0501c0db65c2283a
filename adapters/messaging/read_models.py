"""Queries over message_log, whatsapp_channels and campaign_list, and campaign audiences over the
billing read models."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.counting import rows_matching
from adapters.shared.keyset import after_cursor, page_of
from adapters.shared.paging import one_of, table
from adapters.shared.stores import PostgresStores
from application.messaging.ports import (
    Audience,
    CampaignView,
    ChannelView,
    MessageLogEntry,
    PendingMessage,
)
from application.shared.event_store import EventStore
from application.shared.ports import Page

_PENDING = (
    "id, tenant_id, customer_id, template, variables, source_id, campaign_id, status, attempts, "
    "updated_at, requested_at"
)
_ENTRY = (
    "id, customer_id, template, campaign_id, status, provider_message_id, error, attempts, "
    "replied, timeline, requested_at, updated_at"
)
STATUSES = frozenset(
    {
        "queued",
        "retrying",
        "sent",
        "delivered",
        "read",
        "failed",
        "skipped_opted_out",
        "skipped_no_phone",
        "skipped_no_channel",
        "skipped_campaign_stopped",
    }
)
_STATES = frozenset({"pending", "active", "soft_limited", "suspended", "terminated"})


class PostgresWhatsAppReadModels:
    def __init__(self, stores: PostgresStores, max_age: timedelta) -> None:
        self._stores = stores
        # Notices older than this are not worth sending any more (and a read model built for
        # the first time must not send years of old invoices).
        self._max_age = max_age

    def pending(self, store: EventStore, limit: int) -> list[PendingMessage]:
        query = sql.SQL(
            "SELECT {} FROM {} m WHERE status IN ('queued', 'retrying') "
            "AND requested_at > now() - %s "
            "AND EXISTS (SELECT 1 FROM {} w WHERE w.tenant_id = m.tenant_id) "
            "ORDER BY updated_at LIMIT %s"
        ).format(sql.SQL(_PENDING), table(store, "message_log"), table(store, "whatsapp_channels"))
        return [PendingMessage(*r) for r in self._all(store, query, [self._max_age, limit])]

    def message(self, store: EventStore, message_id: UUID) -> PendingMessage | None:
        query = sql.SQL("SELECT {} FROM {} WHERE id = %s").format(
            sql.SQL(_PENDING), table(store, "message_log")
        )
        rows = self._all(store, query, [message_id])
        return PendingMessage(*rows[0]) if rows else None

    def by_provider_id(self, store: EventStore, tenant_id: UUID, provider_id: str) -> UUID | None:
        query = sql.SQL(
            "SELECT id FROM {} WHERE tenant_id = %s AND provider_message_id = %s"
        ).format(table(store, "message_log"))
        rows = self._all(store, query, [tenant_id, provider_id])
        return UUID(str(rows[0][0])) if rows else None

    def last_campaign_message(
        self, store: EventStore, tenant_id: UUID, customer_id: UUID
    ) -> UUID | None:
        query = sql.SQL(
            "SELECT id FROM {} WHERE tenant_id = %s AND customer_id = %s "
            "AND campaign_id IS NOT NULL AND provider_message_id IS NOT NULL "
            "ORDER BY requested_at DESC LIMIT 1"
        ).format(table(store, "message_log"))
        rows = self._all(store, query, [tenant_id, customer_id])
        return UUID(str(rows[0][0])) if rows else None

    def message_log(
        self,
        store: EventStore,
        tenant_id: UUID,
        status: str | None,
        campaign_id: UUID | None,
        customer_id: UUID | None,
        first: int,
        after: str | None,
    ) -> Page[MessageLogEntry]:
        filters: list[sql.Composable] = [sql.SQL("tenant_id = %s")]
        params: list[Any] = [tenant_id]
        for column, value in (
            ("status", one_of(status, STATUSES, "status") if status else None),
            ("campaign_id", campaign_id),
            ("customer_id", customer_id),
        ):
            if value is not None:
                filters.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
                params.append(value)
        where = sql.SQL(" AND ").join(filters)
        page_where, page_params = after_cursor(where, params, after, sql.SQL("requested_at, id"))
        source = table(store, "message_log")
        rows = self._all(
            store,
            sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY requested_at, id LIMIT %s").format(
                sql.SQL(_ENTRY), source, page_where
            ),
            [*page_params, first + 1],
        )
        count = rows_matching(self._stores.database_for(store).connection, source, where, params)
        return page_of(
            rows,
            first,
            count,
            lambda r: MessageLogEntry(*r),
            lambda e: (e.requested_at, e.id),
        )

    def channel(self, store: EventStore, tenant_id: UUID) -> ChannelView | None:
        query = sql.SQL(
            "SELECT tenant_id, provider, sender, configured_at FROM {} WHERE tenant_id = %s"
        ).format(table(store, "whatsapp_channels"))
        rows = self._all(store, query, [tenant_id])
        return ChannelView(*rows[0]) if rows else None

    def plan_of(self, store: EventStore, tenant_id: UUID, customer_id: UUID) -> str | None:
        query = sql.SQL(
            "SELECT plan_name FROM {} WHERE tenant_id = %s AND customer_id = %s "
            "AND state <> 'terminated' ORDER BY subscribed_at, id LIMIT 1"
        ).format(table(store, "subscription_list"))
        rows = self._all(store, query, [tenant_id, customer_id])
        return str(rows[0][0]) if rows else None

    def audience(self, store: EventStore, tenant_id: UUID, audience: Audience) -> list[UUID]:
        filters: list[sql.Composable] = [
            sql.SQL("s.tenant_id = %s"),
            sql.SQL("NOT c.forgotten"),
        ]
        params: list[Any] = [tenant_id]
        if audience.states:
            filters.append(sql.SQL("s.state = ANY(%s)"))
            params.append([one_of(s, _STATES, "states") for s in audience.states])
        if audience.plan:
            filters.append(sql.SQL("(s.plan_id::text = %s OR lower(s.plan_name) = lower(%s))"))
            params += [audience.plan, audience.plan]
        if audience.area:
            filters.append(sql.SQL("s.router = %s"))
            params.append(audience.area)
        if audience.tags:
            filters.append(
                sql.SQL(
                    "EXISTS (SELECT 1 FROM {} t WHERE t.customer_id = c.id AND t.tag = ANY(%s))"
                ).format(table(store, "customer_tags"))
            )
            params.append(list(audience.tags))
        last_paid = sql.SQL(
            "(SELECT max(p.received_on) FROM {} p WHERE p.tenant_id = s.tenant_id "
            "AND p.customer_id = s.customer_id)"
        ).format(table(store, "payment_list"))
        if audience.last_payment_before:
            filters.append(sql.SQL("coalesce({} < %s, true)").format(last_paid))
            params.append(audience.last_payment_before)
        if audience.last_payment_after:
            filters.append(sql.SQL("{} > %s").format(last_paid))
            params.append(audience.last_payment_after)
        query = sql.SQL(
            "SELECT c.id FROM {} s JOIN {} c ON c.id = s.customer_id WHERE {} "
            "GROUP BY c.id, c.registered_at ORDER BY c.registered_at, c.id"
        ).format(
            table(store, "subscription_list"),
            table(store, "customer_list"),
            sql.SQL(" AND ").join(filters),
        )
        return [UUID(str(r[0])) for r in self._all(store, query, params)]

    def campaigns(self, store: EventStore, tenant_id: UUID) -> list[CampaignView]:
        query = sql.SQL(
            "SELECT c.id, c.name, c.template, c.state, c.start_at, c.recipients, c.guardrails, "
            "c.audience, c.created_at, "
            "count(m.id), count(m.id) FILTER (WHERE m.provider_message_id IS NOT NULL), "
            "count(m.id) FILTER (WHERE m.status IN ('delivered', 'read')), "
            "count(m.id) FILTER (WHERE m.status = 'read'), "
            "count(m.id) FILTER (WHERE m.status = 'failed'), "
            "count(m.id) FILTER (WHERE m.replied), "
            "count(m.id) FILTER (WHERE m.opted_out OR m.status = 'skipped_opted_out'), "
            "count(m.id) FILTER (WHERE m.status IN ('queued', 'retrying')) "
            "FROM {} c LEFT JOIN {} m ON m.campaign_id = c.id "
            "WHERE c.tenant_id = %s GROUP BY c.id ORDER BY c.created_at, c.id"
        ).format(table(store, "campaign_list"), table(store, "message_log"))
        return [_campaign(r) for r in self._all(store, query, [tenant_id])]

    def running_campaigns(self, store: EventStore) -> list[tuple[UUID, UUID]]:
        query = sql.SQL(
            "SELECT tenant_id, id FROM {} WHERE state = 'scheduled' ORDER BY created_at, id"
        ).format(table(store, "campaign_list"))
        return [(UUID(str(r[0])), UUID(str(r[1]))) for r in self._all(store, query, [])]

    def campaign_messaged(self, store: EventStore, campaign_id: UUID) -> set[UUID]:
        query = sql.SQL("SELECT customer_id FROM {} WHERE campaign_id = %s").format(
            table(store, "message_log")
        )
        return {UUID(str(r[0])) for r in self._all(store, query, [campaign_id])}

    def _all(self, store: EventStore, query: sql.Composed, params: list[Any]) -> list[Any]:
        with self._stores.database_for(store).connection() as conn:
            return [tuple(r) for r in conn.execute(query, params).fetchall()]


def _campaign(row: tuple[Any, ...]) -> CampaignView:
    names = ("queued", "sent", "delivered", "read", "failed", "replied", "opted_out", "waiting")
    stats = dict(zip(names, (int(v) for v in row[9:]), strict=True))
    id_, name, template, state, start_at, recipients, guardrails, audience, created_at = row[:9]
    return CampaignView(
        id_, name, template, state, start_at, recipients, guardrails, audience, created_at, stats
    )
