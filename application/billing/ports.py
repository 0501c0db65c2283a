"""Ports and views of the billing read side: plans, subscriptions, invoices, ledgers, reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.payments.payment import OpenInvoice


@dataclass(frozen=True)
class PlanView:
    id: UUID
    tenant_id: UUID
    name: str
    price: int
    router_profile: str
    service_type: str
    billing_mode: str
    validity_days: int
    taxable: bool
    retired: bool
    promotions: list[dict[str, object]]  # code, kind, value, cycles


@dataclass(frozen=True)
class SubscriptionView:
    id: UUID
    tenant_id: UUID
    customer_id: UUID
    customer_name: str  # as in customer_list; "[forgotten]" once forgotten
    plan_id: UUID
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


@dataclass(frozen=True)
class InvoiceLineView:
    kind: str
    description: str
    quantity: int
    unit_price: int
    amount: int
    taxable: bool


@dataclass(frozen=True)
class InvoiceView:
    id: UUID
    tenant_id: UUID
    customer_id: UUID
    customer_name: str
    subscription_id: UUID | None
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
    lines: list[InvoiceLineView]
    updated_at: datetime


@dataclass(frozen=True)
class LedgerEntry:
    position: int
    on: date
    kind: str  # invoice, payment, credit_note, void
    reference: str
    debit: int
    credit: int
    balance: int  # running: what the customer owes after this entry (negative = credit)


@dataclass(frozen=True)
class Statement:
    customer_id: UUID
    entries: list[LedgerEntry]
    balance: int
    credit_available: int


@dataclass(frozen=True)
class AgingRow:
    customer_id: UUID
    customer_name: str
    current: int  # not yet due
    days_0_30: int
    days_31_60: int
    days_61_90: int
    over_90: int

    @property
    def total(self) -> int:
        return self.current + self.days_0_30 + self.days_31_60 + self.days_61_90 + self.over_90


@dataclass(frozen=True)
class RevenueMonth:
    month: str  # YYYY-MM
    issued: int
    collected: int


@dataclass(frozen=True)
class PpnRow:
    invoice_id: UUID
    number: str
    issued_on: date
    customer_name: str
    dpp: int
    ppn: int
    total: int


@dataclass(frozen=True)
class PpnReport:
    month: str
    rows: list[PpnRow]
    dpp: int
    ppn: int
    total: int


@dataclass(frozen=True)
class Churn:
    month: str
    active_at_start: int
    terminated: int

    @property
    def rate_percent(self) -> float:
        return (
            round(100 * self.terminated / self.active_at_start, 2) if self.active_at_start else 0.0
        )


@dataclass(frozen=True)
class NotificationView:
    id: UUID
    customer_id: UUID | None  # None: for the tenant's staff
    customer_name: str
    template: str
    variables: dict[str, str]
    subject_id: UUID
    requested_at: datetime


@dataclass(frozen=True)
class SubscriptionFilter:
    state: str | None = None
    plan_id: UUID | None = None
    router: str | None = None
    search: str | None = None  # customer name, username


@dataclass(frozen=True)
class InvoiceFilter:
    status: str | None = None
    period: str | None = None  # YYYY-MM of the issue date
    customer_id: UUID | None = None


class BillingReadModels(Protocol):
    """Queries over billing read models; every one is scoped to a tenant."""

    def plans(
        self, store: EventStore, tenant_id: UUID, include_retired: bool
    ) -> list[PlanView]: ...

    def plan(self, store: EventStore, tenant_id: UUID, plan_id: UUID) -> PlanView | None: ...

    def subscriptions(
        self,
        store: EventStore,
        tenant_id: UUID,
        where: SubscriptionFilter,
        first: int,
        after: str | None,
    ) -> Page[SubscriptionView]: ...

    def subscription(
        self, store: EventStore, tenant_id: UUID, subscription_id: UUID
    ) -> SubscriptionView | None: ...

    def due_subscriptions(
        self, store: EventStore, tenant_id: UUID, on: date, limit: int, after: UUID | None
    ) -> list[UUID]:
        """Billable subscriptions (active, soft-limited, suspended) with next_bill_on <= on,
        ordered by id, after the given id (for paging through a billing run)."""
        ...

    def invoices(
        self,
        store: EventStore,
        tenant_id: UUID,
        where: InvoiceFilter,
        first: int,
        after: str | None,
    ) -> Page[InvoiceView]: ...

    def invoice(
        self, store: EventStore, tenant_id: UUID, invoice_id: UUID
    ) -> InvoiceView | None: ...

    def open_invoices(
        self, store: EventStore, tenant_id: UUID, customer_id: UUID
    ) -> list[OpenInvoice]:
        """Issued or partially paid invoices of the customer with their balance due."""
        ...

    def overdue(self, store: EventStore, tenant_id: UUID, due_before: date) -> list[InvoiceView]:
        """Open invoices with due_on < due_before (for reminders and dunning)."""
        ...

    def statement(self, store: EventStore, tenant_id: UUID, customer_id: UUID) -> Statement: ...

    def ar_aging(self, store: EventStore, tenant_id: UUID, as_of: date) -> list[AgingRow]: ...

    def revenue_by_month(
        self, store: EventStore, tenant_id: UUID, year: int
    ) -> list[RevenueMonth]: ...

    def ppn_report(self, store: EventStore, tenant_id: UUID, month: str) -> PpnReport: ...

    def mrr(self, store: EventStore, tenant_id: UUID) -> int:
        """Monthly recurring revenue of active and soft-limited subscriptions (prepaid plans
        normalised to 30 days)."""
        ...

    def churn(self, store: EventStore, tenant_id: UUID, month: str) -> Churn: ...

    def customer_ids_with_credit(self, store: EventStore, tenant_id: UUID) -> set[UUID]: ...

    def notifications(
        self, store: EventStore, tenant_id: UUID, subject_id: UUID | None, limit: int
    ) -> list[NotificationView]:
        """Requested messages, oldest first, optionally about one subject (e.g. an invoice)."""
        ...
