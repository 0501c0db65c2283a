"""GraphQL types of the billing read side."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from api.graphql.shared.types import Connection, connection_parts
from application.billing import ports as views
from application.shared.ports import Page


@strawberry.type
class Promotion:
    code: str
    kind: str
    value: int
    cycles: int


@strawberry.type(description="An internet plan: price in rupiah, router profile, billing mode.")
class Plan:
    id: strawberry.ID
    name: str
    price: int
    router_profile: str
    service_type: str
    billing_mode: str
    validity_days: int
    taxable: bool
    retired: bool
    promotions: list[Promotion]

    @classmethod
    def from_view(cls, v: views.PlanView) -> Plan:
        return cls(
            id=strawberry.ID(str(v.id)),
            name=v.name,
            price=v.price,
            router_profile=v.router_profile,
            service_type=v.service_type,
            billing_mode=v.billing_mode,
            validity_days=v.validity_days,
            taxable=v.taxable,
            retired=v.retired,
            promotions=[
                Promotion(
                    code=str(p["code"]),
                    kind=str(p["kind"]),
                    value=int(str(p["value"])),
                    cycles=int(str(p["cycles"])),
                )
                for p in v.promotions
            ],
        )


@strawberry.type
class Subscription:
    id: strawberry.ID
    customer_id: strawberry.ID
    customer_name: str
    plan_id: strawberry.ID
    plan_name: str
    price: int
    state: str
    billing_day: int
    router: str
    username: str
    next_bill_on: date | None
    activated_on: date | None
    terminated_on: date | None
    updated_at: datetime

    @classmethod
    def from_view(cls, v: views.SubscriptionView) -> Subscription:
        return cls(
            id=strawberry.ID(str(v.id)),
            customer_id=strawberry.ID(str(v.customer_id)),
            customer_name=v.customer_name,
            plan_id=strawberry.ID(str(v.plan_id)),
            plan_name=v.plan_name,
            price=v.price,
            state=v.state,
            billing_day=v.billing_day,
            router=v.router,
            username=v.username,
            next_bill_on=v.next_bill_on,
            activated_on=v.activated_on,
            terminated_on=v.terminated_on,
            updated_at=v.updated_at,
        )


@strawberry.type
class SubscriptionEdge:
    cursor: str
    node: Subscription


@strawberry.type
class SubscriptionConnection(Connection[SubscriptionEdge]):
    @classmethod
    def from_page(cls, page: Page[views.SubscriptionView]) -> SubscriptionConnection:
        return cls(**connection_parts(page, Subscription.from_view, SubscriptionEdge))


@strawberry.type
class InvoiceLine:
    kind: str
    description: str
    quantity: int
    unit_price: int
    amount: int
    taxable: bool


@strawberry.type(description="An invoice; amounts in whole rupiah. PPN per PMK 131/2024.")
class Invoice:
    id: strawberry.ID
    customer_id: strawberry.ID
    customer_name: str
    subscription_id: strawberry.ID | None
    number: str | None
    status: str
    period: str | None
    issued_on: date | None
    due_on: date | None
    subtotal: int
    dpp: int
    ppn: int
    total: int
    paid: int
    credited: int
    balance_due: int
    lines: list[InvoiceLine]
    pdf_url: str | None = strawberry.field(
        description="Download with the same Authorization header; null until issued."
    )

    @classmethod
    def from_view(cls, v: views.InvoiceView) -> Invoice:
        return cls(
            id=strawberry.ID(str(v.id)),
            customer_id=strawberry.ID(str(v.customer_id)),
            customer_name=v.customer_name,
            subscription_id=strawberry.ID(str(v.subscription_id)) if v.subscription_id else None,
            number=v.number,
            status=v.status,
            period=v.period,
            issued_on=v.issued_on,
            due_on=v.due_on,
            subtotal=v.subtotal,
            dpp=v.dpp,
            ppn=v.ppn,
            total=v.total,
            paid=v.paid,
            credited=v.credited,
            balance_due=v.balance_due,
            lines=[
                InvoiceLine(
                    kind=line.kind,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    amount=line.amount,
                    taxable=line.taxable,
                )
                for line in v.lines
            ],
            pdf_url=f"/invoices/{v.id}.pdf" if v.number else None,
        )


@strawberry.type
class InvoiceEdge:
    cursor: str
    node: Invoice


@strawberry.type
class InvoiceConnection(Connection[InvoiceEdge]):
    @classmethod
    def from_page(cls, page: Page[views.InvoiceView]) -> InvoiceConnection:
        return cls(**connection_parts(page, Invoice.from_view, InvoiceEdge))


@strawberry.type
class LedgerEntry:
    on: date
    kind: str
    reference: str
    debit: int
    credit: int
    balance: int


@strawberry.type(description="A customer's ledger; balance is what they owe (negative = credit).")
class CustomerStatement:
    customer_id: strawberry.ID
    entries: list[LedgerEntry]
    balance: int
    credit_available: int

    @classmethod
    def from_view(cls, v: views.Statement) -> CustomerStatement:
        return cls(
            customer_id=strawberry.ID(str(v.customer_id)),
            entries=[
                LedgerEntry(
                    on=e.on,
                    kind=e.kind,
                    reference=e.reference,
                    debit=e.debit,
                    credit=e.credit,
                    balance=e.balance,
                )
                for e in v.entries
            ],
            balance=v.balance,
            credit_available=v.credit_available,
        )


@strawberry.type
class AgingRow:
    customer_id: strawberry.ID
    customer_name: str
    current: int
    days_0_30: int
    days_31_60: int
    days_61_90: int
    over_90: int
    total: int


@strawberry.type
class ArAging:
    as_of: date
    rows: list[AgingRow]
    current: int
    days_0_30: int
    days_31_60: int
    days_61_90: int
    over_90: int
    total: int

    @classmethod
    def from_rows(cls, as_of: date, rows: list[views.AgingRow]) -> ArAging:
        return cls(
            as_of=as_of,
            rows=[
                AgingRow(
                    customer_id=strawberry.ID(str(r.customer_id)),
                    customer_name=r.customer_name,
                    current=r.current,
                    days_0_30=r.days_0_30,
                    days_31_60=r.days_31_60,
                    days_61_90=r.days_61_90,
                    over_90=r.over_90,
                    total=r.total,
                )
                for r in rows
            ],
            current=sum(r.current for r in rows),
            days_0_30=sum(r.days_0_30 for r in rows),
            days_31_60=sum(r.days_31_60 for r in rows),
            days_61_90=sum(r.days_61_90 for r in rows),
            over_90=sum(r.over_90 for r in rows),
            total=sum(r.total for r in rows),
        )


@strawberry.type
class RevenueMonth:
    month: str
    issued: int
    collected: int


@strawberry.type
class PpnRow:
    invoice_id: strawberry.ID
    number: str
    issued_on: date
    customer_name: str
    dpp: int
    ppn: int
    total: int


@strawberry.type(description="PPN per invoice issued in a month, with totals (for SPT Masa PPN).")
class PpnReport:
    month: str
    rows: list[PpnRow]
    dpp: int
    ppn: int
    total: int

    @classmethod
    def from_view(cls, v: views.PpnReport) -> PpnReport:
        return cls(
            month=v.month,
            rows=[
                PpnRow(
                    invoice_id=strawberry.ID(str(r.invoice_id)),
                    number=r.number,
                    issued_on=r.issued_on,
                    customer_name=r.customer_name,
                    dpp=r.dpp,
                    ppn=r.ppn,
                    total=r.total,
                )
                for r in v.rows
            ],
            dpp=v.dpp,
            ppn=v.ppn,
            total=v.total,
        )


@strawberry.type
class Churn:
    month: str
    active_at_start: int
    terminated: int
    rate_percent: float
