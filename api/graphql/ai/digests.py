"""The CEO digest in GraphQL: one day's digest, the list newest first, and the WhatsApp numbers
it goes to (owners and admins)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.shared.errors import Errors
from api.graphql.shared.parsing import found
from api.graphql.shared.support import NiagaInfo, query, run_command
from api.graphql.shared.types import Connection, connection_parts
from application.ai.digest_ports import CeoDigestView
from application.ai.digest_text import name_of
from application.shared.ports import Page
from domain.ai.digest import AgentSales, CustomerSpend, DigestFigures, DigestInsight


@strawberry.type(description="A customer who paid on the digest's day.")
class CeoDigestCustomer:
    customer_id: strawberry.ID
    name: str = strawberry.field(description="As the customer list holds it now")
    amount: int
    payments: int

    @classmethod
    def of(cls, spend: CustomerSpend, names: Mapping[UUID, str]) -> CeoDigestCustomer:
        return cls(
            customer_id=strawberry.ID(str(spend.customer_id)),
            name=name_of(names, spend.customer_id),
            amount=spend.amount,
            payments=spend.payments,
        )


@strawberry.type(description="Vouchers an agent sold on the digest's day.")
class CeoDigestAgentSales:
    agent_id: strawberry.ID | None = strawberry.field(description="None: your own sales")
    name: str
    vouchers: int
    revenue: int

    @classmethod
    def of(cls, sales: AgentSales, names: Mapping[UUID, str]) -> CeoDigestAgentSales:
        return cls(
            agent_id=strawberry.ID(str(sales.agent_id)) if sales.agent_id else None,
            name=name_of(names, sales.agent_id),
            vouchers=sales.vouchers,
            revenue=sales.revenue,
        )


@strawberry.type(description="An item below its reorder point when the digest was compiled.")
class CeoDigestLowStock:
    sku: str
    name: str
    available: int
    reorder_point: int


@strawberry.type(
    description="The day's figures (invoices, payments, subscriptions, voucher sales on that "
    "day) and the state when compiled (overdue invoices, open repair jobs, low stock)."
)
class CeoDigestFigures:
    revenue_issued: int
    invoices_issued: int
    revenue_collected: int
    payments_received: int
    top_customers: list[CeoDigestCustomer]
    overdue_total: int
    overdue_count: int
    new_subscriptions: int
    churned_subscriptions: int
    vouchers_sold: int
    voucher_revenue: int
    voucher_sales: list[CeoDigestAgentSales]
    repairs_pending: int
    repairs_past_sla: int
    low_stock: list[CeoDigestLowStock]

    @classmethod
    def of(cls, f: DigestFigures, names: Mapping[UUID, str]) -> CeoDigestFigures:
        return cls(
            revenue_issued=f.revenue_issued,
            invoices_issued=f.invoices_issued,
            revenue_collected=f.revenue_collected,
            payments_received=f.payments_received,
            top_customers=[CeoDigestCustomer.of(c, names) for c in f.top_customers],
            overdue_total=f.overdue_total,
            overdue_count=f.overdue_count,
            new_subscriptions=f.new_subscriptions,
            churned_subscriptions=f.churned_subscriptions,
            vouchers_sold=f.vouchers_sold,
            voucher_revenue=f.voucher_revenue,
            voucher_sales=[CeoDigestAgentSales.of(s, names) for s in f.voucher_sales],
            repairs_pending=f.repairs_pending,
            repairs_past_sla=f.repairs_past_sla,
            low_stock=[
                CeoDigestLowStock(
                    sku=i.sku, name=i.name, available=i.available, reorder_point=i.reorder_point
                )
                for i in f.low_stock
            ],
        )


@strawberry.type
class CeoDigestInsight:
    title: str
    detail: str

    @classmethod
    def of(cls, insight: DigestInsight) -> CeoDigestInsight:
        return cls(title=insight.title, detail=insight.detail)


@strawberry.type(description="The owner's morning digest of one day: figures and 3 insights.")
class CeoDigest:
    id: strawberry.ID
    date: dt.date = strawberry.field(description="The day the figures are of")
    mode: str = strawberry.field(description="ai (the model wrote the insights) or template")
    ai_status: str = strawberry.field(
        description="ok, or why AI could not answer: off, no_key, quota, timeout, "
        "invalid_answer, breaker_open, provider_error, budget"
    )
    figures: CeoDigestFigures
    insights: list[CeoDigestInsight]
    whatsapp: list[str] = strawberry.field(
        description="The status of each WhatsApp message it was sent as (queued, sent, ...)"
    )
    compiled_at: dt.datetime

    @classmethod
    def from_view(cls, view: CeoDigestView) -> CeoDigest:
        return cls(
            id=strawberry.ID(str(view.id)),
            date=view.day,
            mode=view.mode,
            ai_status=view.ai_status,
            figures=CeoDigestFigures.of(view.figures, view.names),
            insights=[CeoDigestInsight.of(i) for i in view.insights],
            whatsapp=view.whatsapp,
            compiled_at=view.compiled_at,
        )


@strawberry.type
class CeoDigestEdge:
    cursor: str
    node: CeoDigest


@strawberry.type
class CeoDigestConnection(Connection[CeoDigestEdge]):
    @classmethod
    def from_page(cls, page: Page[CeoDigestView]) -> CeoDigestConnection:
        return cls(**connection_parts(page, CeoDigest.from_view, CeoDigestEdge))


@strawberry.type
class CeoDigestRecipientsSuccess:
    recipients: list[str] = strawberry.field(description="The numbers, as +62...")


CeoDigestRecipientsResult = Annotated[
    CeoDigestRecipientsSuccess | Errors, strawberry.union("CeoDigestRecipientsResult")
]


@strawberry.type
class CeoDigestEmailRecipientsSuccess:
    recipients: list[str] = strawberry.field(description="The addresses, lower-cased")


CeoDigestEmailRecipientsResult = Annotated[
    CeoDigestEmailRecipientsSuccess | Errors, strawberry.union("CeoDigestEmailRecipientsResult")
]


@strawberry.type
class CeoDigestQuery:
    @strawberry.field(description="The CEO digest of one day (the day its figures are of).")
    async def ceo_digest(self, info: NiagaInfo, date: dt.date) -> CeoDigest:
        services, who = info.context.services, info.context.principal
        view = await query(
            lambda: found(services.ceo_digest_queries.digest(who, date), "CEO digest", "date")
        )
        return CeoDigest.from_view(view)

    @strawberry.field(description="CEO digests, newest day first.")
    async def ceo_digests(
        self, info: NiagaInfo, first: int = 20, after: str | None = None
    ) -> CeoDigestConnection:
        services, who = info.context.services, info.context.principal
        page = await query(lambda: services.ceo_digest_queries.digests(who, first, after))
        return CeoDigestConnection.from_page(page)

    @strawberry.field(
        description="The WhatsApp numbers the digest goes to, each with its middle hidden."
    )
    async def ceo_digest_recipients(self, info: NiagaInfo) -> list[str]:
        services, who = info.context.services, info.context.principal
        return await query(lambda: services.ceo_digests.recipients(who))

    @strawberry.field(
        description="The e-mail addresses the digest (and the platform's warnings about the "
        "plan) go to, each with its mailbox hidden."
    )
    async def ceo_digest_email_recipients(self, info: NiagaInfo) -> list[str]:
        services, who = info.context.services, info.context.principal
        return await query(lambda: services.ceo_digests.email_recipients(who))


@strawberry.type
class CeoDigestMutation:
    @strawberry.mutation(
        description="Send the CEO digest to these WhatsApp numbers (at most 3; none: to nobody)."
    )
    async def set_ceo_digest_recipients(
        self, info: NiagaInfo, phones: list[str]
    ) -> CeoDigestRecipientsResult:
        services, who = info.context.services, info.context.principal

        def change() -> CeoDigestRecipientsSuccess:
            return CeoDigestRecipientsSuccess(
                recipients=services.ceo_digests.set_recipients(who, phones)
            )

        return await run_command(change)

    @strawberry.mutation(
        description="Send the CEO digest, and the platform's warnings about the plan, to these "
        "e-mail addresses too (at most 3; none: to nobody)."
    )
    async def set_ceo_digest_email_recipients(
        self, info: NiagaInfo, emails: list[str]
    ) -> CeoDigestEmailRecipientsResult:
        services, who = info.context.services, info.context.principal

        def change() -> CeoDigestEmailRecipientsSuccess:
            return CeoDigestEmailRecipientsSuccess(
                recipients=services.ceo_digests.set_email_recipients(who, emails)
            )

        return await run_command(change)
