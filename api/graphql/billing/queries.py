"""Billing queries: plans, subscriptions, invoices, statements and reports."""

from __future__ import annotations

from datetime import date

import strawberry

from api.graphql.billing import types as t
from api.graphql.billing.support import parse_id
from api.graphql.shared.support import NiagaInfo, query
from application.billing.ports import InvoiceFilter, SubscriptionFilter


@strawberry.type
class BillingQuery:
    @strawberry.field(description="Plans of your tenant.")
    async def plans(self, info: NiagaInfo, include_retired: bool = False) -> list[t.Plan]:
        niaga, who = info.context.niaga, info.context.principal
        found = await query(lambda: niaga.billing_queries.plans(who, include_retired))
        return [t.Plan.from_view(p) for p in found]

    @strawberry.field(
        description="Subscriptions by state, plan or router; search customer or username."
    )
    async def subscriptions(
        self,
        info: NiagaInfo,
        state: str | None = None,
        plan_id: strawberry.ID | None = None,
        router: str | None = None,
        search: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> t.SubscriptionConnection:
        niaga, who = info.context.niaga, info.context.principal
        where = SubscriptionFilter(
            state, parse_id(plan_id, "planId") if plan_id else None, router, search
        )
        page = await query(lambda: niaga.billing_queries.subscriptions(who, where, first, after))
        return t.SubscriptionConnection.from_page(page)

    @strawberry.field(
        description="Invoices, filtered by status, issue month (YYYY-MM) or customer."
    )
    async def invoices(
        self,
        info: NiagaInfo,
        status: str | None = None,
        period: str | None = None,
        customer_id: strawberry.ID | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> t.InvoiceConnection:
        niaga, who = info.context.niaga, info.context.principal
        where = InvoiceFilter(
            status, period, parse_id(customer_id, "customerId") if customer_id else None
        )
        page = await query(lambda: niaga.billing_queries.invoices(who, where, first, after))
        return t.InvoiceConnection.from_page(page)

    @strawberry.field(description="One invoice; null when your tenant has none with this id.")
    async def invoice(self, info: NiagaInfo, id: strawberry.ID) -> t.Invoice | None:
        niaga, who = info.context.niaga, info.context.principal
        invoice_id = parse_id(id, "id")
        found = await query(lambda: niaga.billing_queries.invoice(who, invoice_id))
        return t.Invoice.from_view(found) if found else None

    @strawberry.field(description="A customer's ledger of invoices, payments and credit notes.")
    async def customer_statement(
        self, info: NiagaInfo, customer_id: strawberry.ID
    ) -> t.CustomerStatement:
        niaga, who = info.context.niaga, info.context.principal
        cid = parse_id(customer_id, "customerId")
        return t.CustomerStatement.from_view(
            await query(lambda: niaga.billing_queries.statement(who, cid))
        )

    @strawberry.field(description="Receivables by days past due (0-30, 31-60, 61-90, over 90).")
    async def ar_aging(self, info: NiagaInfo, as_of: date | None = None) -> t.ArAging:
        niaga, who = info.context.niaga, info.context.principal
        day = as_of or niaga.today(who.tenant_id)
        rows = await query(lambda: niaga.billing_queries.ar_aging(who, day))
        return t.ArAging.from_rows(day, rows)

    @strawberry.field(description="Issued and collected per month of a year.")
    async def revenue_by_month(self, info: NiagaInfo, year: int) -> list[t.RevenueMonth]:
        niaga, who = info.context.niaga, info.context.principal
        rows = await query(lambda: niaga.billing_queries.revenue_by_month(who, year))
        return [t.RevenueMonth(month=r.month, issued=r.issued, collected=r.collected) for r in rows]

    @strawberry.field(description="DPP and PPN of every invoice issued in a month (YYYY-MM).")
    async def ppn_report(self, info: NiagaInfo, month: str) -> t.PpnReport:
        niaga, who = info.context.niaga, info.context.principal
        return t.PpnReport.from_view(
            await query(lambda: niaga.billing_queries.ppn_report(who, month))
        )

    @strawberry.field(
        description="Monthly recurring revenue of active and soft-limited subscriptions."
    )
    async def mrr(self, info: NiagaInfo) -> int:
        niaga, who = info.context.niaga, info.context.principal
        return await query(lambda: niaga.billing_queries.mrr(who))

    @strawberry.field(
        description="Subscriptions terminated in a month against those active at its start."
    )
    async def churn(self, info: NiagaInfo, month: str) -> t.Churn:
        niaga, who = info.context.niaga, info.context.principal
        c = await query(lambda: niaga.billing_queries.churn(who, month))
        return t.Churn(
            month=c.month,
            active_at_start=c.active_at_start,
            terminated=c.terminated,
            rate_percent=c.rate_percent,
        )
