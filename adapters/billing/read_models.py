"""Queries over the billing read models: plans, subscriptions, invoices, statements, reports.

Every query names the tenant in its WHERE clause; customer names come from `customer_list` in
the same schema. The reports live in `billing_reports`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.billing import reports
from adapters.billing.reports import OWING
from adapters.shared.counting import Connect, rows_matching, scalar_later
from adapters.shared.keyset import after_cursor
from adapters.shared.paging import (
    encode_cursor,
    like_pattern,
    month_span,
    one_of,
    table,
)
from adapters.shared.stores import PostgresStores
from application.billing.ports import (
    AgingRow,
    Churn,
    InvoiceFilter,
    InvoiceLineView,
    InvoiceView,
    NotificationView,
    PlanView,
    PpnReport,
    RevenueMonth,
    Statement,
    SubscriptionFilter,
    SubscriptionView,
)
from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.billing.invoice import InvoiceStatus
from domain.billing.subscription import SubscriptionState
from domain.payments.payment import OpenInvoice

_PLAN_COLUMNS = sql.SQL(
    "id, tenant_id, name, price, router_profile, service_type, billing_mode, validity_days, "
    "taxable, retired, promotions"
)
_SUBSCRIPTIONS = sql.SQL(
    "SELECT s.id, s.tenant_id, s.customer_id, coalesce(c.name, ''), s.plan_id, s.plan_name, "
    "s.price, s.state, s.billing_day, s.router, s.username, s.next_bill_on, s.activated_on, "
    "s.terminated_on, s.updated_at, s.subscribed_at "
    "FROM {} s LEFT JOIN {} c ON c.id = s.customer_id AND c.tenant_id = s.tenant_id"
)
_INVOICES = sql.SQL(
    "SELECT i.id, i.tenant_id, i.customer_id, coalesce(c.name, ''), i.subscription_id, i.number, "
    "i.status, i.period, i.issued_on, i.due_on, i.subtotal, i.dpp, i.ppn, i.total, i.paid, "
    "i.credited, i.balance_due, i.lines, i.updated_at, i.drafted_at "
    "FROM {} i LEFT JOIN {} c ON c.id = i.customer_id AND c.tenant_id = i.tenant_id"
)
# Literal, so the planner can use the partial indexes declared with the same lists.
BILLABLE = sql.SQL("('active', 'soft_limited', 'suspended')")

_SUBSCRIPTION_STATES = frozenset(s.value for s in SubscriptionState)
_INVOICE_STATUSES = frozenset(s.value for s in InvoiceStatus)


class PostgresBillingReadModels:
    """Implements BillingReadModels on the read-model tables of each store."""

    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    # -- plans -----------------------------------------------------------------------------

    def plans(self, store: EventStore, tenant_id: UUID, include_retired: bool) -> list[PlanView]:
        retired = sql.SQL("") if include_retired else sql.SQL(" AND NOT retired")
        query = sql.SQL("SELECT {} FROM {} WHERE tenant_id = %s{} ORDER BY name, id").format(
            _PLAN_COLUMNS, table(store, "plan_list"), retired
        )
        return [PlanView(*r) for r in self._all(store, query, [tenant_id])]

    def plan(self, store: EventStore, tenant_id: UUID, plan_id: UUID) -> PlanView | None:
        query = sql.SQL("SELECT {} FROM {} WHERE tenant_id = %s AND id = %s").format(
            _PLAN_COLUMNS, table(store, "plan_list")
        )
        rows = self._all(store, query, [tenant_id, plan_id])
        return PlanView(*rows[0]) if rows else None

    # -- subscriptions ---------------------------------------------------------------------

    def subscriptions(
        self,
        store: EventStore,
        tenant_id: UUID,
        where: SubscriptionFilter,
        first: int,
        after: str | None,
    ) -> Page[SubscriptionView]:
        filters, params = _subscription_filters(tenant_id, where)
        source = _SUBSCRIPTIONS.format(
            table(store, "subscription_list"), table(store, "customer_list")
        )
        rows = self._page(store, source, "s", filters, params, first, after)
        items = [_subscription(r) for r in rows[:first]]
        cursors = [encode_cursor(r[-1], r[0]) for r in rows[:first]]
        counted = sql.SQL("SELECT count(*) FROM ({} WHERE {}) matching").format(
            source, sql.SQL(" AND ").join(filters)
        )
        count = scalar_later(self._connect(store), counted, params)
        return Page(items, cursors, len(rows) > first, count)

    def subscription(
        self, store: EventStore, tenant_id: UUID, subscription_id: UUID
    ) -> SubscriptionView | None:
        source = _SUBSCRIPTIONS.format(
            table(store, "subscription_list"), table(store, "customer_list")
        )
        query = sql.SQL("{} WHERE s.tenant_id = %s AND s.id = %s").format(source)
        rows = self._all(store, query, [tenant_id, subscription_id])
        return _subscription(rows[0]) if rows else None

    def due_subscriptions(
        self, store: EventStore, tenant_id: UUID, on: date, limit: int, after: UUID | None
    ) -> list[UUID]:
        """Billable subscriptions with next_bill_on <= on, by id, after the given id."""
        query = sql.SQL(
            "SELECT id FROM {} WHERE tenant_id = %s AND state IN {} AND next_bill_on <= %s{} "
            "ORDER BY id LIMIT %s"
        ).format(
            table(store, "subscription_list"),
            BILLABLE,
            sql.SQL(" AND id > %s") if after else sql.SQL(""),
        )
        params: list[Any] = [tenant_id, on, *([after] if after else []), limit]
        return [r[0] for r in self._all(store, query, params)]

    # -- invoices --------------------------------------------------------------------------

    def invoices(
        self,
        store: EventStore,
        tenant_id: UUID,
        where: InvoiceFilter,
        first: int,
        after: str | None,
    ) -> Page[InvoiceView]:
        filters, params = _invoice_filters(tenant_id, where)
        source = _INVOICES.format(table(store, "invoice_list"), table(store, "customer_list"))
        rows = self._page(store, source, "i", filters, params, first, after)
        items = [_invoice(r) for r in rows[:first]]
        cursors = [encode_cursor(r[-1], r[0]) for r in rows[:first]]
        return Page(items, cursors, len(rows) > first, self._invoice_count(store, tenant_id, where))

    def invoice(self, store: EventStore, tenant_id: UUID, invoice_id: UUID) -> InvoiceView | None:
        source = _INVOICES.format(table(store, "invoice_list"), table(store, "customer_list"))
        query = sql.SQL("{} WHERE i.tenant_id = %s AND i.id = %s").format(source)
        rows = self._all(store, query, [tenant_id, invoice_id])
        return _invoice(rows[0]) if rows else None

    def open_invoices(
        self, store: EventStore, tenant_id: UUID, customer_id: UUID
    ) -> list[OpenInvoice]:
        """Issued or partially paid invoices of the customer with their balance due."""
        query = sql.SQL(
            "SELECT id, issued_on, number, balance_due FROM {} WHERE tenant_id = %s "
            "AND customer_id = %s AND status IN {} AND balance_due > 0 ORDER BY issued_on, number"
        ).format(table(store, "invoice_list"), OWING)
        return [OpenInvoice(*r) for r in self._all(store, query, [tenant_id, customer_id])]

    def overdue(self, store: EventStore, tenant_id: UUID, due_before: date) -> list[InvoiceView]:
        """Open invoices with due_on < due_before, by due date."""
        source = _INVOICES.format(table(store, "invoice_list"), table(store, "customer_list"))
        query = sql.SQL(
            "{} WHERE i.tenant_id = %s AND i.status IN {} AND i.due_on < %s "
            "AND i.balance_due > 0 ORDER BY i.due_on, i.id"
        ).format(source, OWING)
        return [_invoice(r) for r in self._all(store, query, [tenant_id, due_before])]

    # -- ledgers and reports ---------------------------------------------------------------

    def statement(self, store: EventStore, tenant_id: UUID, customer_id: UUID) -> Statement:
        with self._connection(store) as conn:
            return reports.statement(conn, store, tenant_id, customer_id)

    def ar_aging(self, store: EventStore, tenant_id: UUID, as_of: date) -> list[AgingRow]:
        with self._connection(store) as conn:
            return reports.ar_aging(conn, store, tenant_id, as_of)

    def revenue_by_month(self, store: EventStore, tenant_id: UUID, year: int) -> list[RevenueMonth]:
        with self._connection(store) as conn:
            return reports.revenue_by_month(conn, store, tenant_id, year)

    def ppn_report(self, store: EventStore, tenant_id: UUID, month: str) -> PpnReport:
        span = month_span(month, "month")
        with self._connection(store) as conn:
            return reports.ppn_report(conn, store, tenant_id, month, span)

    def mrr(self, store: EventStore, tenant_id: UUID) -> int:
        """Monthly recurring revenue of active and soft-limited subscriptions (prepaid plans
        normalised to 30 days), rounded down to the rupiah."""
        with self._connection(store) as conn:
            return reports.mrr(conn, store, tenant_id)

    def churn(self, store: EventStore, tenant_id: UUID, month: str) -> Churn:
        span = month_span(month, "month")
        with self._connection(store) as conn:
            return reports.churn(conn, store, tenant_id, month, span)

    def customer_ids_with_credit(self, store: EventStore, tenant_id: UUID) -> set[UUID]:
        query = sql.SQL("SELECT customer_id FROM {} WHERE tenant_id = %s AND credit > 0").format(
            table(store, "customer_credit")
        )
        return {r[0] for r in self._all(store, query, [tenant_id])}

    def notifications(
        self, store: EventStore, tenant_id: UUID, subject_id: UUID | None, limit: int
    ) -> list[NotificationView]:
        where: sql.Composable = sql.SQL("n.tenant_id = %s")
        params: list[Any] = [tenant_id]
        if subject_id:
            where = sql.SQL("{} AND n.subject_id = %s").format(where)
            params.append(subject_id)
        query = sql.SQL(
            "SELECT n.id, n.customer_id, coalesce(c.name, ''), n.template, n.variables, "
            "n.subject_id, n.requested_at FROM {} n LEFT JOIN {} c ON c.id = n.customer_id "
            "WHERE {} ORDER BY n.position LIMIT %s"
        ).format(table(store, "notification_outbox"), table(store, "customer_list"), where)
        return [NotificationView(*r) for r in self._all(store, query, [*params, limit])]

    # -- a day's figures (the CEO digest) ---------------------------------------------------

    def issued_on(self, store: EventStore, tenant_id: UUID, day: date) -> tuple[int, int]:
        """The total and number of the invoices issued on `day`, void ones excluded."""
        query = sql.SQL(
            "SELECT coalesce(sum(total), 0)::bigint, count(*) FROM {} WHERE tenant_id = %s "
            "AND issued_on = %s AND status <> 'void'"
        ).format(table(store, "invoice_list"))
        total, count = self._all(store, query, [tenant_id, day])[0]
        return int(total), int(count)

    def overdue_totals(
        self, store: EventStore, tenant_id: UUID, due_before: date
    ) -> tuple[int, int]:
        """What open invoices due before `due_before` still owe, and how many they are."""
        query = sql.SQL(
            "SELECT coalesce(sum(balance_due), 0)::bigint, count(*) FROM {} WHERE tenant_id = %s "
            "AND status IN {} AND due_on < %s AND balance_due > 0"
        ).format(table(store, "invoice_list"), OWING)
        total, count = self._all(store, query, [tenant_id, due_before])[0]
        return int(total), int(count)

    def subscriptions_changed_on(
        self, store: EventStore, tenant_id: UUID, day: date
    ) -> tuple[int, int]:
        """Subscriptions activated on `day`, and subscriptions terminated on it."""
        query = sql.SQL(
            "SELECT count(*) FILTER (WHERE activated_on = %(day)s), "
            "count(*) FILTER (WHERE terminated_on = %(day)s) FROM {} "
            "WHERE tenant_id = %(tenant)s AND (activated_on = %(day)s OR terminated_on = %(day)s)"
        ).format(table(store, "subscription_list"))
        with self._connection(store) as conn:
            row = conn.execute(query, {"day": day, "tenant": tenant_id}).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    # -- plumbing --------------------------------------------------------------------------

    def _invoice_count(
        self, store: EventStore, tenant_id: UUID, where: InvoiceFilter
    ) -> Callable[[], int]:
        """The invoices matching `where`: one row of `invoice_counts` (kept by the invoices
        projection per tenant and status) when no other filter is set, else counted."""
        if where.period or where.customer_id is not None:
            filters, params = _invoice_filters(tenant_id, where)
            source = sql.SQL("{} i").format(table(store, "invoice_list"))
            return rows_matching(
                self._connect(store), source, sql.SQL(" AND ").join(filters), params
            )
        counts = table(store, "invoice_counts")
        if where.status:
            query = sql.SQL("SELECT counted FROM {} WHERE tenant_id = %s AND status = %s")
            return scalar_later(
                self._connect(store), query.format(counts), [tenant_id, where.status]
            )
        query = sql.SQL("SELECT sum(counted) FROM {} WHERE tenant_id = %s")
        return scalar_later(self._connect(store), query.format(counts), [tenant_id])

    def _page(
        self,
        store: EventStore,
        source: sql.Composed,
        alias: str,
        filters: list[sql.Composable],
        params: list[Any],
        first: int,
        after: str | None,
    ) -> list[tuple[Any, ...]]:
        """One page in (time, id) order, fetching one row more to know if another page
        follows."""
        where = sql.SQL(" AND ").join(filters)
        page_where, page_params = after_cursor(where, params, after, _order_by(alias))
        with self._connection(store) as conn:
            rows = conn.execute(
                sql.SQL("{} WHERE {} ORDER BY {} LIMIT %s").format(
                    source, page_where, _order_by(alias)
                ),
                [*page_params, first + 1],
            ).fetchall()
        return [tuple(r) for r in rows]

    def _all(self, store: EventStore, query: sql.Composed, params: list[Any]) -> list[Any]:
        with self._connection(store) as conn:
            return list(conn.execute(query, params).fetchall())

    def _connection(self, store: EventStore) -> Any:
        return self._stores.database_for(store).connection()

    def _connect(self, store: EventStore) -> Connect:
        return self._stores.database_for(store).connection


_ORDER_COLUMN = {"s": "subscribed_at", "i": "drafted_at"}


def _order_by(alias: str) -> sql.Composed:
    return sql.SQL("{0}.{1}, {0}.id").format(
        sql.Identifier(alias), sql.Identifier(_ORDER_COLUMN[alias])
    )


def _subscription_filters(
    tenant_id: UUID, where: SubscriptionFilter
) -> tuple[list[sql.Composable], list[Any]]:
    filters: list[sql.Composable] = [sql.SQL("s.tenant_id = %s")]
    params: list[Any] = [tenant_id]
    if where.state:
        filters.append(sql.SQL("s.state = %s"))
        params.append(one_of(where.state, _SUBSCRIPTION_STATES, "state"))
    if where.plan_id is not None:
        filters.append(sql.SQL("s.plan_id = %s"))
        params.append(where.plan_id)
    if where.router:
        filters.append(sql.SQL("s.router = %s"))
        params.append(where.router)
    if where.search and where.search.strip():
        filters.append(sql.SQL("(c.search LIKE %s OR lower(s.username) LIKE %s)"))
        pattern = like_pattern(where.search.strip())
        params += [pattern, pattern]
    return filters, params


def _invoice_filters(
    tenant_id: UUID, where: InvoiceFilter
) -> tuple[list[sql.Composable], list[Any]]:
    filters: list[sql.Composable] = [sql.SQL("i.tenant_id = %s")]
    params: list[Any] = [tenant_id]
    if where.status:
        filters.append(sql.SQL("i.status = %s"))
        params.append(one_of(where.status, _INVOICE_STATUSES, "status"))
    if where.period:
        filters.append(sql.SQL("i.issued_on >= %s AND i.issued_on < %s"))
        params += month_span(where.period, "period")
    if where.customer_id is not None:
        filters.append(sql.SQL("i.customer_id = %s"))
        params.append(where.customer_id)
    return filters, params


def _subscription(row: Any) -> SubscriptionView:
    return SubscriptionView(*row[:15])


def _invoice(row: Any) -> InvoiceView:
    values = list(row[:19])  # the trailing drafted_at is only for the cursor
    values[17] = [_line(line) for line in values[17]]
    return InvoiceView(*values)


def _line(line: dict[str, Any]) -> InvoiceLineView:
    return InvoiceLineView(
        str(line["kind"]),
        str(line["description"]),
        int(line["quantity"]),
        int(line["unit_price"]),
        int(line["amount"]),
        bool(line["taxable"]),
    )
