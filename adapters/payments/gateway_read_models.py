"""Queries over payment_link_list, payment_callback_log and gateway_account_list."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.counting import rows_matching
from adapters.shared.keyset import after_cursor, page_of
from adapters.shared.paging import one_of, table
from adapters.shared.stores import PostgresStores
from application.payments.ports import (
    CallbackFilter,
    CallbackView,
    GatewayAccountView,
    PaymentLinkView,
)
from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.payments.gateway import Gateway, LinkStatus, Verdict

_LINK = sql.SQL(
    "SELECT id, tenant_id, invoice_id, customer_id, gateway, order_id, reference, url, amount, "
    "currency, expires_at, CASE WHEN status = 'active' AND expires_at <= %s THEN 'expired' "
    "ELSE status END AS status, payment_id, review_reason, created_at, updated_at FROM {}"
)
_CALLBACK = sql.SQL(
    "SELECT id, tenant_id, tenant_ref, gateway, order_id, reference, claimed_status, amount, "
    "currency, verdict, reason, http_status, headers, body, payment_id, attempts, received_at, "
    "updated_at FROM {}"
)
LINK_STATUSES = frozenset(s.value for s in LinkStatus)
VERDICTS = frozenset(v.value for v in Verdict)
GATEWAYS = frozenset(g.value for g in Gateway)


class PostgresGatewayReadModels:
    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def links(
        self,
        store: EventStore,
        tenant_id: UUID,
        invoice_id: UUID | None,
        status: str | None,
        now: datetime,
    ) -> list[PaymentLinkView]:
        """Newest first; `status` as reported (a link past its expiry reads as expired)."""
        filters: list[str] = ["tenant_id = %s"]
        params: list[Any] = [tenant_id]
        if invoice_id:
            filters.append("invoice_id = %s")
            params.append(invoice_id)
        query = sql.SQL("SELECT * FROM ({}) links WHERE {}{} ORDER BY created_at DESC, id").format(
            _LINK.format(table(store, "payment_link_list")),
            sql.SQL(" AND ".join(filters)),
            sql.SQL(" AND status = %s") if status else sql.SQL(""),
        )
        if status:
            params.append(one_of(status, LINK_STATUSES, "status"))
        rows = self._all(store, query, [now, *params])
        return [PaymentLinkView(*r) for r in rows]

    def callbacks(
        self,
        store: EventStore,
        tenant_id: UUID,
        where: CallbackFilter,
        first: int,
        after: str | None,
    ) -> Page[CallbackView]:
        filters: list[sql.Composable] = [sql.SQL("tenant_id = %s")]
        params: list[Any] = [tenant_id]
        for column, value, allowed in (
            ("gateway", where.gateway, GATEWAYS),
            ("verdict", where.verdict, VERDICTS),
            ("order_id", where.order_id, None),
        ):
            if value:
                filters.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
                params.append(one_of(value, allowed, column) if allowed else value)
        base = sql.SQL(" AND ").join(filters)
        page_where, page_params = after_cursor(base, params, after, sql.SQL("received_at, id"))
        source = _CALLBACK.format(table(store, "payment_callback_log"))
        rows = self._all(
            store,
            sql.SQL("{} WHERE {} ORDER BY received_at, id LIMIT %s").format(source, page_where),
            [*page_params, first + 1],
        )
        count = rows_matching(
            self._stores.database_for(store).connection,
            table(store, "payment_callback_log"),
            base,
            params,
        )
        return page_of(
            rows,
            first,
            count,
            lambda r: CallbackView(*r),
            lambda v: (v.received_at, v.id),
        )

    def pending_rechecks(self, store: EventStore, limit: int) -> list[CallbackView]:
        query = sql.SQL(
            "{} WHERE verdict = 'pending_recheck' AND tenant_id IS NOT NULL "
            "ORDER BY updated_at LIMIT %s"
        ).format(_CALLBACK.format(table(store, "payment_callback_log")))
        return [CallbackView(*r) for r in self._all(store, query, [limit])]

    def accounts(self, store: EventStore, tenant_id: UUID) -> list[GatewayAccountView]:
        query = sql.SQL(
            "SELECT gateway, credentials_set, endpoints, link_minutes, updated_at FROM {} "
            "WHERE tenant_id = %s ORDER BY gateway"
        ).format(table(store, "gateway_account_list"))
        return [GatewayAccountView(*r) for r in self._all(store, query, [tenant_id])]

    def _all(self, store: EventStore, query: sql.Composed, params: list[Any]) -> list[Any]:
        with self._stores.database_for(store).connection() as conn:
            return [tuple(r) for r in conn.execute(query, params).fetchall()]
