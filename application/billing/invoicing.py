"""Invoice use-cases: draft one-off invoices, issue them with gapless numbers, void and credit.

Issuing also applies any credit the customer has waiting, in the same save.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID, uuid5

from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.errors import ConcurrentModification
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver, find, load, require
from domain.billing.invoice import Invoice, InvoiceNumbering, Line, NumberingReset, new_line
from domain.customers.customer import Customer
from domain.payments.payment import CustomerAccount, PaymentMethod
from domain.platform.tenant import Tenant

NUMBERING_RETRIES = 5


@dataclass(frozen=True)
class LineInput:
    kind: str
    description: str
    quantity: int
    unit_price: int
    taxable: bool = True


@dataclass(frozen=True)
class DraftInvoice:
    customer_id: UUID
    lines: list[LineInput]


def numbering_for(store: EventStore, tenant: Tenant, on: date) -> InvoiceNumbering:
    """The tenant's numbering for the period containing `on`, started if new."""
    period = InvoiceNumbering.period_of(on, NumberingReset(tenant.billing_policy.numbering_reset))
    found = find(store, InvoiceNumbering, InvoiceNumbering.id_for(tenant.id, period))
    return found or InvoiceNumbering.start(tenant.id, tenant.invoice_prefix, period)


def apply_credit(account: CustomerAccount, invoice: Invoice, on: date) -> bool:
    """Use the customer's waiting credit towards a just-issued invoice; True if any was used."""
    if account.credit == 0 or invoice.balance_due == 0:
        return False
    amount = account.apply_credit(invoice.id, invoice.balance_due)
    payment_id = uuid5(account.id, f"credit:{invoice.id}")
    invoice.record_payment(payment_id, amount, on, PaymentMethod.CREDIT.value)
    return True


def due_date(tenant: Tenant, issued_on: date) -> date:
    return issued_on + timedelta(days=tenant.billing_policy.payment_terms_days)


class InvoicingService:
    def __init__(self, stores: Stores, sync: ReadModelSync, clock: Clock) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock

    def draft(self, principal: Principal, command: DraftInvoice) -> UUID:
        authorize(principal, Permission.ISSUE_INVOICES)
        store = self._stores.for_tenant(principal.tenant_id)
        tenant = tenant_of(self._stores, principal.tenant_id)
        require(
            store, Customer, command.customer_id, principal.tenant_id, "customer", "customer_id"
        )
        lines: list[Line] = [
            new_line(i.kind, i.description, i.quantity, i.unit_price, i.taxable)
            for i in command.lines
        ]
        invoice = Invoice.draft(principal.tenant_id, command.customer_id, lines, pkp=tenant.pkp)
        self._saver.save(store, principal, "DraftInvoice", invoice)
        return invoice.id

    def issue(self, principal: Principal, invoice_id: UUID) -> str:
        """Give a drafted invoice the next number and a due date; returns the number."""
        authorize(principal, Permission.ISSUE_INVOICES)
        store = self._stores.for_tenant(principal.tenant_id)
        tenant = tenant_of(self._stores, principal.tenant_id)
        for _ in range(NUMBERING_RETRIES):
            invoice = load(store, Invoice, invoice_id, principal.tenant_id, "invoice")
            today = self._clock.today(tenant.timezone)
            numbering = numbering_for(store, tenant, today)
            (number,) = numbering.take(1)
            invoice.issue(number, today, due_date(tenant, today))
            account = find(store, CustomerAccount, CustomerAccount.id_for(invoice.customer_id))
            if account and not apply_credit(account, invoice, today):
                account = None
            try:
                self._saver.save(
                    store,
                    principal,
                    "IssueInvoice",
                    invoice,
                    numbering,
                    account,
                    conflict=_Retry("the invoice numbering moved on"),
                )
            except _Retry:
                continue  # another invoice took the number first: take the next one
            return number
        raise ConcurrentModification("could not take an invoice number; try again")

    def void(self, principal: Principal, invoice_id: UUID, reason: str) -> None:
        authorize(principal, Permission.VOID_INVOICES)
        store = self._stores.for_tenant(principal.tenant_id)
        invoice = load(store, Invoice, invoice_id, principal.tenant_id, "invoice")
        invoice.void(reason, self._today(principal))
        self._saver.save(store, principal, "VoidInvoice", invoice)

    def credit(self, principal: Principal, invoice_id: UUID, amount: int, reason: str) -> str:
        authorize(principal, Permission.VOID_INVOICES)
        store = self._stores.for_tenant(principal.tenant_id)
        invoice = load(store, Invoice, invoice_id, principal.tenant_id, "invoice")
        note = invoice.credit(amount, reason, self._today(principal))
        self._saver.save(store, principal, "CreditInvoice", invoice)
        return note

    def _today(self, principal: Principal) -> date:
        return self._clock.today(tenant_of(self._stores, principal.tenant_id).timezone)


class _Retry(ConcurrentModification):
    """The numbering (or the invoice) moved on under us."""
