"""Queries over voucher_profiles, voucher_stock, agent_list and agent_ledger.

Every query names the tenant; `agent_scope` (an agent and its downline) narrows what an agent
sees to its own vouchers and agents.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.counting import rows_matching, scalar_later
from adapters.shared.keyset import after_cursor, page_of
from adapters.shared.paging import like_pattern, one_of, table
from adapters.shared.stores import PostgresStores
from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore
from application.shared.ports import Page
from application.vouchers.ports import (
    AgentView,
    CommissionRow,
    LedgerEntry,
    SalesRow,
    StockCount,
    VoucherFilter,
    VoucherProfileView,
    VoucherView,
)
from domain.vouchers.voucher import VoucherStatus
from domain.vouchers.voucher_codes import CodeSpec

_STATUSES = frozenset(s.value for s in VoucherStatus)
_VOUCHERS = sql.SQL(
    "SELECT v.id, v.username, v.password, v.profile_id, coalesce(p.name, ''), v.batch_id, "
    "v.agent_id, v.status, v.price, v.generated_at, v.sold_at, v.activated_at, v.expires_at, "
    "v.ended_at FROM {} v LEFT JOIN {} p ON p.id = v.profile_id"
)
_AGENTS = sql.SQL(
    "SELECT id, name, phone, parent_id, level, balance, credit_limit, enrolled_at, updated_at "
    "FROM {} WHERE tenant_id = %s"
)
_TRUNC = {"day": "day", "week": "week", "month": "month"}


class PostgresVoucherReadModels:
    """Implements VoucherReadModels on the read-model tables of each store."""

    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def profiles(self, store: EventStore, tenant_id: UUID) -> list[VoucherProfileView]:
        query = sql.SQL(
            "SELECT id, name, router_id, terms, updated_at FROM {} WHERE tenant_id = %s "
            "ORDER BY name"
        ).format(table(store, "voucher_profiles"))
        return [_profile(r) for r in self._all(store, query, [tenant_id])]

    def vouchers(
        self,
        store: EventStore,
        tenant_id: UUID,
        where: VoucherFilter,
        first: int,
        after: str | None,
    ) -> Page[VoucherView]:
        filters, params = _voucher_filters(tenant_id, where)
        source = _VOUCHERS.format(table(store, "voucher_stock"), table(store, "voucher_profiles"))
        condition = sql.SQL(" AND ").join(filters)
        page_condition, page_params = after_cursor(
            condition, params, after, sql.SQL("v.generated_at, v.id")
        )
        with self._connection(store) as conn:
            rows = conn.execute(
                sql.SQL("{} WHERE {} ORDER BY v.generated_at, v.id LIMIT %s").format(
                    source, page_condition
                ),
                [*page_params, first + 1],
            ).fetchall()
        source = sql.SQL("{} v").format(table(store, "voucher_stock"))
        count = rows_matching(
            self._stores.database_for(store).connection, source, condition, params
        )
        return page_of(
            rows, first, count, lambda r: VoucherView(*r), lambda v: (v.generated_at, v.id)
        )

    def codes_in_space(self, store: EventStore, tenant_id: UUID, spec: CodeSpec) -> int:
        query = sql.SQL("SELECT count(*) FROM {} WHERE tenant_id = %s AND username ~ %s").format(
            table(store, "voucher_stock")
        )
        # Prefixes and character sets are letters and digits only: nothing to escape.
        shape = f"^{spec.prefix}[{spec.alphabet}]{{{spec.length}}}$"
        return int(self._all(store, query, [tenant_id, shape])[0][0])

    def batch_vouchers(
        self, store: EventStore, tenant_id: UUID, batch_id: UUID
    ) -> list[VoucherView]:
        source = _VOUCHERS.format(table(store, "voucher_stock"), table(store, "voucher_profiles"))
        query = sql.SQL(
            "{} WHERE v.tenant_id = %s AND v.batch_id = %s ORDER BY v.generated_at, v.id"
        ).format(source)
        return [VoucherView(*r) for r in self._all(store, query, [tenant_id, batch_id])]

    def by_ids(self, store: EventStore, tenant_id: UUID, ids: list[UUID]) -> list[VoucherView]:
        source = _VOUCHERS.format(table(store, "voucher_stock"), table(store, "voucher_profiles"))
        query = sql.SQL("{} WHERE v.tenant_id = %s AND v.id = ANY(%s) ORDER BY v.username").format(
            source
        )
        return [VoucherView(*r) for r in self._all(store, query, [tenant_id, ids])]

    def stock(
        self, store: EventStore, tenant_id: UUID, agent_scope: list[UUID] | None
    ) -> list[StockCount]:
        scope, params = _scope("v.agent_id", agent_scope)
        query = sql.SQL(
            "SELECT v.profile_id, coalesce(p.name, ''), v.agent_id, v.status, count(*) "
            "FROM {} v LEFT JOIN {} p ON p.id = v.profile_id WHERE v.tenant_id = %s{} "
            "GROUP BY v.profile_id, p.name, v.agent_id, v.status "
            "ORDER BY p.name, v.agent_id NULLS FIRST, v.status"
        ).format(table(store, "voucher_stock"), table(store, "voucher_profiles"), scope)
        return [StockCount(*r) for r in self._all(store, query, [tenant_id, *params])]

    def due_to_expire(
        self, store: EventStore, tenant_id: UUID, now: datetime, limit: int
    ) -> list[UUID]:
        query = sql.SQL(
            "SELECT id FROM {} WHERE tenant_id = %s AND status = 'active' AND expires_at <= %s "
            "ORDER BY expires_at LIMIT %s"
        ).format(table(store, "voucher_stock"))
        return [r[0] for r in self._all(store, query, [tenant_id, now, limit])]

    def agents(
        self, store: EventStore, tenant_id: UUID, agent_scope: list[UUID] | None
    ) -> list[AgentView]:
        scope, params = _scope("id", agent_scope)
        query = sql.SQL("{}{} ORDER BY level, name, id").format(
            _AGENTS.format(table(store, "agent_list")), scope
        )
        return [AgentView(*r) for r in self._all(store, query, [tenant_id, *params])]

    def downline(self, store: EventStore, tenant_id: UUID, agent_id: UUID) -> list[UUID]:
        query = sql.SQL(
            "SELECT id FROM {} WHERE tenant_id = %s AND (id = %s OR ancestors @> %s::jsonb)"
        ).format(table(store, "agent_list"))
        params = [tenant_id, agent_id, json.dumps([str(agent_id)])]
        found = [r[0] for r in self._all(store, query, params)]
        return found or [agent_id]

    def ledger(
        self, store: EventStore, tenant_id: UUID, agent_id: UUID, first: int, after: str | None
    ) -> Page[LedgerEntry]:
        since = _version_after(after)
        base = sql.SQL("FROM {} WHERE tenant_id = %s AND agent_id = %s").format(
            table(store, "agent_ledger")
        )
        query = sql.SQL(
            "SELECT agent_id, version, kind, amount, balance_before, balance_after, detail, "
            "occurred_at {} AND version > %s ORDER BY version LIMIT %s"
        ).format(base)
        with self._connection(store) as conn:
            rows = conn.execute(query, [tenant_id, agent_id, since, first + 1]).fetchall()
        items = [LedgerEntry(*r) for r in rows[:first]]
        cursors = [_version_cursor(e.version) for e in items]
        count = scalar_later(
            self._stores.database_for(store).connection,
            sql.SQL("SELECT count(*) {}").format(base),
            [tenant_id, agent_id],
        )
        return Page(items, cursors, len(rows) > first, count)

    def sales(
        self,
        store: EventStore,
        tenant_id: UUID,
        period: str,
        since: date,
        until: date,
        agent_scope: list[UUID] | None,
        timezone: str = "UTC",
    ) -> list[SalesRow]:
        unit = sql.Literal(_TRUNC[period])
        scope, params = _scope("v.agent_id", agent_scope)
        query = sql.SQL(
            "SELECT date_trunc({unit}, v.sold_at AT TIME ZONE %s)::date AS period, v.agent_id, "
            "v.profile_id, coalesce(p.name, ''), count(*), coalesce(sum(v.price), 0) "
            "FROM {stock} v LEFT JOIN {profiles} p ON p.id = v.profile_id "
            "WHERE v.tenant_id = %s AND v.sold_at >= (%s::timestamp AT TIME ZONE %s) "
            "AND v.sold_at < (%s::timestamp AT TIME ZONE %s){scope} "
            "GROUP BY 1, v.agent_id, v.profile_id, p.name ORDER BY 1, v.agent_id NULLS FIRST, 4"
        ).format(
            unit=unit,
            stock=table(store, "voucher_stock"),
            profiles=table(store, "voucher_profiles"),
            scope=scope,
        )
        until_next = date.fromordinal(until.toordinal() + 1)
        values = [timezone, tenant_id, since, timezone, until_next, timezone, *params]
        return [SalesRow(*r) for r in self._all(store, query, values)]

    def commissions(
        self,
        store: EventStore,
        tenant_id: UUID,
        month_from: date,
        month_to: date,
        agent_scope: list[UUID] | None,
        timezone: str = "UTC",
    ) -> list[CommissionRow]:
        scope, params = _scope("agent_id", agent_scope)
        end = date(month_to.year + month_to.month // 12, month_to.month % 12 + 1, 1)
        query = sql.SQL(
            "SELECT agent_id, date_trunc('month', occurred_at AT TIME ZONE %s)::date, "
            "(detail->>'from_agent_id')::uuid, (detail->>'profile_id')::uuid, "
            "sum((detail->>'quantity')::int), sum(amount) "
            "FROM {} WHERE tenant_id = %s AND kind = 'commission' "
            "AND occurred_at >= (%s::timestamp AT TIME ZONE %s) "
            "AND occurred_at < (%s::timestamp AT TIME ZONE %s){} "
            "GROUP BY 1, 2, 3, 4 ORDER BY 2, 1, 3, 4"
        ).format(table(store, "agent_ledger"), scope)
        values = [timezone, tenant_id, month_from, timezone, end, timezone, *params]
        return [CommissionRow(*r) for r in self._all(store, query, values)]

    def _all(self, store: EventStore, query: sql.Composed, params: list[Any]) -> list[Any]:
        with self._connection(store) as conn:
            return list(conn.execute(query, params).fetchall())

    def _connection(self, store: EventStore) -> Any:
        return self._stores.database_for(store).connection()


def _profile(row: Any) -> VoucherProfileView:
    profile_id, name, router_id, terms, updated_at = row
    return VoucherProfileView(
        id=profile_id,
        name=name,
        router_id=router_id,
        hotspot_profile=terms["hotspot_profile"],
        rate_limit=terms["rate_limit"],
        validity_seconds=terms["validity_seconds"],
        time_quota_seconds=terms["time_quota_seconds"],
        data_quota_bytes=terms["data_quota_bytes"],
        shared_users=terms["shared_users"],
        cost_price=terms["cost_price"],
        selling_price=terms["selling_price"],
        agent_prices=list(terms["agent_prices"]),
        commission_kind=terms["commission_kind"],
        commission_values=list(terms["commission_values"]),
        updated_at=updated_at,
    )


def _scope(column: str, agent_scope: list[UUID] | None) -> tuple[sql.Composable, list[Any]]:
    if agent_scope is None:
        return sql.SQL(""), []
    return sql.SQL(" AND {} = ANY(%s)").format(sql.SQL(column)), [list(agent_scope)]


def _voucher_filters(
    tenant_id: UUID, where: VoucherFilter
) -> tuple[list[sql.Composable], list[Any]]:
    filters: list[sql.Composable] = [sql.SQL("v.tenant_id = %s")]
    params: list[Any] = [tenant_id]
    if where.status:
        filters.append(sql.SQL("v.status = %s"))
        params.append(one_of(where.status, _STATUSES, "status"))
    for column, value in (
        ("profile_id", where.profile_id),
        ("agent_id", where.agent_id),
        ("batch_id", where.batch_id),
    ):
        if value is not None:
            filters.append(sql.SQL("v.{} = %s").format(sql.Identifier(column)))
            params.append(value)
    if where.agent_scope is not None:
        filters.append(sql.SQL("v.agent_id = ANY(%s)"))
        params.append(list(where.agent_scope))
    if where.search and where.search.strip():
        filters.append(sql.SQL("lower(v.username) LIKE %s"))
        params.append(like_pattern(where.search.strip()))
    return filters, params


def _version_cursor(version: int) -> str:
    return base64.urlsafe_b64encode(f"v{version}".encode()).decode()


def _version_after(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith("v"):
            raise ValueError(cursor)
        return int(text[1:])
    except ValueError as error:
        raise ApplicationError("malformed cursor", field="after") from error
