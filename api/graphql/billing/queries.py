"""Billing queries: plans, subscriptions, invoices, statements and reports."""

from __future__ import annotations

from datetime import date

import strawberry

from api.graphql.billing import types as t
from api.graphql.shared.parsing import found, parse_id
from api.graphql.shared.support import NiagaInfo, query
from application.billing.ports import (
    AgingRow,
    InvoiceFilter,
    InvoiceView,
    SubscriptionFilter,
    SubscriptionView,
)
from application.shared.ports import Page


@strawberry.type
class BillingQuery:
    @strawberry.field(description="Plans of your tenant.")
    async def plans(self, info: NiagaInfo, include_retired: bool = False) -> list[t.Plan]:
        services, who = info.context.services, info.context.principal
        plans = await query(lambda: services.billing_queries.plans(who, include_retired))
        return [t.Plan.from_view(p) for p in plans]

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
        services, who = info.context.services, info.context.principal

        def read() -> Page[SubscriptionView]:
            plan = parse_id(plan_id, "planId") if plan_id else None
            where = SubscriptionFilter(state, plan, router, search)
            return services.billing_queries.subscriptions(who, where, first, after)

        return t.SubscriptionConnection.from_page(await query(read))

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
        services, who = info.context.services, info.context.principal

        def read() -> Page[InvoiceView]:
            customer = parse_id(customer_id, "customerId") if customer_id else None
            where = InvoiceFilter(status, period, customer)
            return services.billing_queries.invoices(who, where, first, after)

        return t.InvoiceConnection.from_page(await query(read))

    @strawberry.field(description="One invoice of your tenant by id.")
    async def invoice(self, info: NiagaInfo, id: strawberry.ID) -> t.Invoice:
        services, who = info.context.services, info.context.principal
        view = await query(
            lambda: found(services.billing_queries.invoice(who, parse_id(id, "id")), "invoice")
        )
        return t.Invoice.from_view(view)

    @strawberry.field(description="A customer's ledger of invoices, payments and credit notes.")
    async def customer_statement(
        self, info: NiagaInfo, customer_id: strawberry.ID
    ) -> t.CustomerStatement:
        services, who = info.context.services, info.context.principal
        statement = await query(
            lambda: services.billing_queries.statement(who, parse_id(customer_id, "customerId"))
        )
        return t.CustomerStatement.from_view(statement)

    @strawberry.field(description="Receivables by days past due (0-30, 31-60, 61-90, over 90).")
    async def ar_aging(self, info: NiagaInfo, as_of: date | None = None) -> t.ArAging:
        services, who = info.context.services, info.context.principal

        def read() -> tuple[date, list[AgingRow]]:
            day = as_of or services.calendar.today(who.tenant_id)
            return day, services.billing_queries.ar_aging(who, day)

        day, rows = await query(read)
        return t.ArAging.from_rows(day, rows)

    @strawberry.field(description="Issued and collected per month of a year.")
    async def revenue_by_month(self, info: NiagaInfo, year: int) -> list[t.RevenueMonth]:
        services, who = info.context.services, info.context.principal
        rows = await query(lambda: services.billing_queries.revenue_by_month(who, year))
        return [t.RevenueMonth(month=r.month, issued=r.issued, collected=r.collected) for r in rows]

    @strawberry.field(description="DPP and PPN of every invoice issued in a month (YYYY-MM).")
    async def ppn_report(self, info: NiagaInfo, month: str) -> t.PpnReport:
        services, who = info.context.services, info.context.principal
        return t.PpnReport.from_view(
            await query(lambda: services.billing_queries.ppn_report(who, month))
        )

    @strawberry.field(
        description="Monthly recurring revenue of active and soft-limited subscriptions."
    )
    async def mrr(self, info: NiagaInfo) -> int:
        services, who = info.context.services, info.context.principal
        return await query(lambda: services.billing_queries.mrr(who))

    @strawberry.field(
        description="Subscriptions terminated in a month against those active at its start."
    )
    async def churn(self, info: NiagaInfo, month: str) -> t.Churn:
        services, who = info.context.services, info.context.principal
        c = await query(lambda: services.billing_queries.churn(who, month))
        return t.Churn(
            month=c.month,
            active_at_start=c.active_at_start,
            terminated=c.terminated,
            rate_percent=c.rate_percent,
        )
