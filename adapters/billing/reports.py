"""Billing reports over the read models: statements, AR aging, revenue, PPN, MRR and churn.

Each runs on the caller's connection and names the tenant in every WHERE clause.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from psycopg import Connection, sql

from adapters.shared.paging import table
from application.billing.ports import (
    AgingRow,
    Churn,
    LedgerEntry,
    PpnReport,
    PpnRow,
    RevenueMonth,
    Statement,
)
from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore

OWING = sql.SQL("('issued', 'partially_paid')")
SERVING = sql.SQL("('active', 'soft_limited')")


def statement(
    conn: Connection[Any], store: EventStore, tenant_id: UUID, customer_id: UUID
) -> Statement:
    """The customer's ledger in the order it was recorded, each entry with what they owe after
    it. Not by date: credit notes and voids carry only the day they were recorded, while
    invoices and payments carry their business dates, so only the log orders all of them."""
    rows = conn.execute(
        sql.SQL(
            'SELECT position, "on", kind, reference, debit, credit, '
            "sum(debit - credit) OVER (ORDER BY position)::bigint "
            "FROM {} WHERE tenant_id = %s AND customer_id = %s ORDER BY position"
        ).format(table(store, "customer_ledger")),
        (tenant_id, customer_id),
    ).fetchall()
    credit = conn.execute(
        sql.SQL("SELECT credit FROM {} WHERE tenant_id = %s AND customer_id = %s").format(
            table(store, "customer_credit")
        ),
        (tenant_id, customer_id),
    ).fetchone()
    entries = [LedgerEntry(*r) for r in rows]
    return Statement(
        customer_id,
        entries,
        entries[-1].balance if entries else 0,
        int(credit[0]) if credit else 0,
    )


def ar_aging(
    conn: Connection[Any], store: EventStore, tenant_id: UUID, as_of: date
) -> list[AgingRow]:
    """What each customer owes, by days past the due date as of `as_of`: not yet due, 0-30
    (due that day up to 30 days late), 31-60, 61-90 and over 90."""
    buckets = sql.SQL(
        "coalesce(sum(o.balance_due) FILTER (WHERE o.days < 0), 0)::bigint, "
        "coalesce(sum(o.balance_due) FILTER (WHERE o.days BETWEEN 0 AND 30), 0)::bigint, "
        "coalesce(sum(o.balance_due) FILTER (WHERE o.days BETWEEN 31 AND 60), 0)::bigint, "
        "coalesce(sum(o.balance_due) FILTER (WHERE o.days BETWEEN 61 AND 90), 0)::bigint, "
        "coalesce(sum(o.balance_due) FILTER (WHERE o.days > 90), 0)::bigint"
    )
    rows = conn.execute(
        sql.SQL(
            "SELECT o.customer_id, coalesce(c.name, ''), {} FROM ("
            "SELECT customer_id, balance_due, %s::date - due_on AS days FROM {} "
            "WHERE tenant_id = %s AND status IN {} AND balance_due > 0) o "
            "LEFT JOIN {} c ON c.id = o.customer_id AND c.tenant_id = %s "
            "GROUP BY o.customer_id, c.name ORDER BY c.name, o.customer_id"
        ).format(buckets, table(store, "invoice_list"), OWING, table(store, "customer_list")),
        (as_of, tenant_id, tenant_id),
    ).fetchall()
    return [AgingRow(*r) for r in rows]


def revenue_by_month(
    conn: Connection[Any], store: EventStore, tenant_id: UUID, year: int
) -> list[RevenueMonth]:
    """Every month of the year: the totals of invoices issued in it (void ones excluded) and the
    payments received in it."""
    try:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    except (ValueError, OverflowError) as error:
        raise ApplicationError(f"no such year {year}", field="year") from error
    issued = _by_month(
        conn,
        sql.SQL(
            "SELECT to_char(issued_on, 'YYYY-MM'), sum(total)::bigint FROM {} WHERE tenant_id = %s "
            "AND issued_on >= %s AND issued_on < %s AND status <> 'void' GROUP BY 1"
        ).format(table(store, "invoice_list")),
        (tenant_id, start, end),
    )
    collected = _by_month(
        conn,
        sql.SQL(
            "SELECT to_char(received_on, 'YYYY-MM'), sum(amount)::bigint FROM {} "
            "WHERE tenant_id = %s AND received_on >= %s AND received_on < %s GROUP BY 1"
        ).format(table(store, "payment_list")),
        (tenant_id, start, end),
    )
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    return [RevenueMonth(m, issued.get(m, 0), collected.get(m, 0)) for m in months]


def ppn_report(
    conn: Connection[Any],
    store: EventStore,
    tenant_id: UUID,
    month: str,
    span: tuple[date, date],
) -> PpnReport:
    """The invoices issued in the month and not void, with their DPP, PPN and totals."""
    rows = conn.execute(
        sql.SQL(
            "SELECT i.id, i.number, i.issued_on, coalesce(c.name, ''), i.dpp, i.ppn, i.total "
            "FROM {} i LEFT JOIN {} c ON c.id = i.customer_id AND c.tenant_id = i.tenant_id "
            "WHERE i.tenant_id = %s AND i.issued_on >= %s AND i.issued_on < %s "
            "AND i.status <> 'void' ORDER BY i.issued_on, i.number"
        ).format(table(store, "invoice_list"), table(store, "customer_list")),
        (tenant_id, *span),
    ).fetchall()
    lines = [PpnRow(*r) for r in rows]
    return PpnReport(
        month,
        lines,
        sum(r.dpp for r in lines),
        sum(r.ppn for r in lines),
        sum(r.total for r in lines),
    )


def mrr(conn: Connection[Any], store: EventStore, tenant_id: UUID) -> int:
    """Monthly recurring revenue of the subscriptions being served; a prepaid plan counts its
    price per 30 days. Rounded down to the rupiah."""
    row = conn.execute(
        sql.SQL(
            "SELECT coalesce(floor(sum(CASE WHEN billing_mode = 'prepaid' "
            "THEN price * 30.0 / nullif(validity_days, 0) ELSE price END)), 0)::bigint "
            "FROM {} WHERE tenant_id = %s AND state IN {}"
        ).format(table(store, "subscription_list"), SERVING),
        (tenant_id,),
    ).fetchone()
    return int(row[0]) if row else 0


def churn(
    conn: Connection[Any],
    store: EventStore,
    tenant_id: UUID,
    month: str,
    span: tuple[date, date],
) -> Churn:
    """Subscriptions live when the month began (activated before it, not yet terminated), and
    subscriptions that had been activated and were terminated during it."""
    start, end = span
    row = conn.execute(
        sql.SQL(
            "SELECT count(*) FILTER (WHERE activated_on < %(start)s "
            "AND (terminated_on IS NULL OR terminated_on >= %(start)s)), "
            "count(*) FILTER (WHERE terminated_on >= %(start)s AND terminated_on < %(end)s) "
            "FROM {} WHERE tenant_id = %(tenant)s AND activated_on IS NOT NULL"
        ).format(table(store, "subscription_list")),
        {"start": start, "end": end, "tenant": tenant_id},
    ).fetchone()
    return Churn(month, int(row[0]), int(row[1])) if row else Churn(month, 0, 0)


def _by_month(
    conn: Connection[Any], query: sql.Composed, params: tuple[Any, ...]
) -> dict[str, int]:
    return {str(r[0]): int(r[1]) for r in conn.execute(query, params).fetchall()}
