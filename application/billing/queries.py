"""The billing read side for clients: authorised, tenant-scoped, validated."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.billing.ports import (
    AgingRow,
    BillingReadModels,
    Churn,
    InvoiceFilter,
    InvoiceView,
    PlanView,
    PpnReport,
    RevenueMonth,
    Statement,
    SubscriptionFilter,
    SubscriptionView,
)
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound
from application.shared.event_store import EventStore
from application.shared.paging import MAX_PAGE, filter_text
from application.shared.ports import Page, ReadModels, Stores
from application.shared.tenancy import tenant_of
from domain.platform.legal_details import LegalDetails

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
SUBSCRIPTION_STATES = frozenset({"pending", "active", "soft_limited", "suspended", "terminated"})
INVOICE_STATUSES = frozenset({"drafted", "issued", "partially_paid", "paid", "void"})


def month(raw: str, field: str = "month") -> str:
    if not _MONTH.match(raw or ""):
        raise ApplicationError(f"{field} must look like 2026-01, got {raw!r}", field=field)
    return raw


@dataclass(frozen=True)
class PrintableInvoice:
    """An issued invoice with what its printed copy says about the seller."""

    invoice: InvoiceView
    seller_name: str
    seller_pkp: bool
    seller_details: LegalDetails


class BillingQueries:
    """Billing reads for clients: each checks a permission, then reads the caller's tenant."""

    def __init__(
        self, stores: Stores, read_models: BillingReadModels, customers: ReadModels
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        # Only to tell an unknown customer from one without billing history.
        self._customers = customers

    def plans(self, principal: Principal, include_retired: bool = False) -> list[PlanView]:
        authorize(principal, Permission.READ_BILLING)
        return self._read_models.plans(self._store(principal), principal.tenant_id, include_retired)

    def plan(self, principal: Principal, plan_id: UUID) -> PlanView | None:
        authorize(principal, Permission.READ_BILLING)
        return self._read_models.plan(self._store(principal), principal.tenant_id, plan_id)

    def subscriptions(
        self, principal: Principal, where: SubscriptionFilter, first: int, after: str | None
    ) -> Page[SubscriptionView]:
        authorize(principal, Permission.READ_BILLING)
        if where.state and where.state not in SUBSCRIPTION_STATES:
            raise ApplicationError(f"unknown state {where.state!r}", field="state")
        filter_text(where.router, "router")
        filter_text(where.search, "search")
        return self._read_models.subscriptions(
            self._store(principal), principal.tenant_id, where, _first(first), after
        )

    def subscription(self, principal: Principal, subscription_id: UUID) -> SubscriptionView | None:
        authorize(principal, Permission.READ_BILLING)
        return self._read_models.subscription(
            self._store(principal), principal.tenant_id, subscription_id
        )

    def invoices(
        self, principal: Principal, where: InvoiceFilter, first: int, after: str | None
    ) -> Page[InvoiceView]:
        authorize(principal, Permission.READ_BILLING)
        if where.status and where.status not in INVOICE_STATUSES:
            raise ApplicationError(f"unknown status {where.status!r}", field="status")
        if where.period:
            month(where.period, "period")
        return self._read_models.invoices(
            self._store(principal), principal.tenant_id, where, _first(first), after
        )

    def invoice(self, principal: Principal, invoice_id: UUID) -> InvoiceView | None:
        authorize(principal, Permission.READ_BILLING)
        return self._read_models.invoice(self._store(principal), principal.tenant_id, invoice_id)

    def required_invoice(self, principal: Principal, invoice_id: UUID) -> InvoiceView:
        found = self.invoice(principal, invoice_id)
        if found is None:
            raise NotFound(f"no invoice {invoice_id}", field="id")
        return found

    def printable_invoice(self, principal: Principal, invoice_id: UUID) -> PrintableInvoice:
        """An issued invoice and its seller, for a PDF; a draft has no number to print yet."""
        invoice = self.required_invoice(principal, invoice_id)
        if invoice.number is None:
            raise ApplicationError("a drafted invoice has no PDF yet; issue it first", field="id")
        tenant = tenant_of(self._stores, principal.tenant_id)
        return PrintableInvoice(invoice, tenant.name, tenant.pkp, tenant.legal_details)

    def statement(self, principal: Principal, customer_id: UUID) -> Statement:
        """A customer's ledger; a customer the tenant does not have is NotFound, not empty."""
        authorize(principal, Permission.READ_BILLING)
        store = self._store(principal)
        if self._customers.customer(store, principal.tenant_id, customer_id) is None:
            raise NotFound(f"no customer {customer_id}", field="customerId")
        return self._read_models.statement(store, principal.tenant_id, customer_id)

    def ar_aging(self, principal: Principal, as_of: date) -> list[AgingRow]:
        authorize(principal, Permission.READ_REPORTS)
        return self._read_models.ar_aging(self._store(principal), principal.tenant_id, as_of)

    def revenue_by_month(self, principal: Principal, year: int) -> list[RevenueMonth]:
        authorize(principal, Permission.READ_REPORTS)
        if not 2000 <= year <= 2100:
            raise ApplicationError("year must be 2000-2100", field="year")
        return self._read_models.revenue_by_month(self._store(principal), principal.tenant_id, year)

    def ppn_report(self, principal: Principal, of_month: str) -> PpnReport:
        authorize(principal, Permission.READ_REPORTS)
        return self._read_models.ppn_report(
            self._store(principal), principal.tenant_id, month(of_month)
        )

    def mrr(self, principal: Principal) -> int:
        authorize(principal, Permission.READ_REPORTS)
        return self._read_models.mrr(self._store(principal), principal.tenant_id)

    def churn(self, principal: Principal, of_month: str) -> Churn:
        authorize(principal, Permission.READ_REPORTS)
        return self._read_models.churn(self._store(principal), principal.tenant_id, month(of_month))

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)


def _first(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise ApplicationError(f"first must be between 1 and {MAX_PAGE}", field="first")
    return first
