"""Quotations: an estimate frozen for a customer under the tenant's next number, then sent,
accepted or declined, and an accepted one turned into an invoice of the billing core.

The invoice is billing's own: drafted with the tenant's PKP setting (so PPN is billing's),
numbered by the tenant's invoice numbering (`numbering_for`), due after its payment terms
(`due_date`), and saved in one transaction with the quotation's `Invoiced` event. Its id derives
from the quotation's, so a quotation becomes an invoice once: a second call is refused and
changes nothing, and two racing calls collide in the event store. Payment links and the PDF
then work as for any issued invoice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from uuid import UUID

from application.agency.estimates import QuoteRequest
from application.agency.quote_text import line_description, management_description
from application.agency.rate_cards import rate_card_of
from application.billing import due_date, numbering_for
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.errors import ConcurrentModification
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver, find, load, require
from domain.agency.estimate import estimate
from domain.agency.quotation import (
    DEFAULT_VALID_DAYS,
    Quotation,
    QuotationNumbering,
    quotation_text,
    valid_until,
)
from domain.billing.invoice import Invoice, Line, new_line
from domain.customers.customer import Customer

RETRIES = 5  # another writer took the number first: take the next one
T = TypeVar("T")


@dataclass(frozen=True)
class CreateQuotation:
    customer_id: UUID
    request: QuoteRequest
    summary: str | None = None  # the scope summary, as the estimate gave it or as edited
    valid_days: int = DEFAULT_VALID_DAYS


@dataclass(frozen=True)
class InvoicedQuotation:
    invoice_id: UUID
    invoice_number: str


class Quotations:
    """Creating, sending, accepting and declining need `quotes:manage`; invoicing needs
    `invoices:issue`, as issuing any invoice does."""

    def __init__(self, stores: Stores, sync: ReadModelSync, clock: Clock) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock

    def create(self, principal: Principal, command: CreateQuotation) -> UUID:
        """Price the request on today's rate card and record it under the next number."""
        authorize(principal, Permission.MANAGE_QUOTES)
        store, tenant = self._store(principal), tenant_of(self._stores, principal.tenant_id)
        require(store, Customer, command.customer_id, tenant.id, "customer", "customer_id")
        request = command.request.checked()
        priced = estimate(
            rate_card_of(store, principal), request.features, request.complexity, pkp=tenant.pkp
        )
        text = quotation_text(request.notes, command.summary)
        today = self._clock.today(tenant.timezone)
        until = valid_until(today, command.valid_days)

        def attempt() -> UUID:
            numbering = _numbering(store, tenant.id, today.year)
            quotation = Quotation.create(
                tenant.id, command.customer_id, numbering.take(), priced, until, text
            )
            self._saver.save(store, principal, "CreateQuotation", quotation, numbering)
            return quotation.id

        return _retrying(attempt)

    def send(self, principal: Principal, quotation_id: UUID) -> None:
        """Mark it as sent to the client."""
        self._change(principal, quotation_id, "SendQuotation", Quotation.send)

    def accept(self, principal: Principal, quotation_id: UUID) -> None:
        """The client accepted it (while it is valid, by the tenant's calendar)."""
        self._change(principal, quotation_id, "AcceptQuotation", Quotation.accept)

    def decline(self, principal: Principal, quotation_id: UUID, reason: str | None) -> None:
        self._change(
            principal,
            quotation_id,
            "DeclineQuotation",
            lambda quotation, today: quotation.decline(today, reason),
        )

    def invoice(self, principal: Principal, quotation_id: UUID) -> InvoicedQuotation:
        """Turn an accepted quotation into an issued invoice, once."""
        authorize(principal, Permission.ISSUE_INVOICES)
        store, tenant = self._store(principal), tenant_of(self._stores, principal.tenant_id)

        def attempt() -> InvoicedQuotation:
            quotation = load(store, Quotation, quotation_id, tenant.id, "quotation")
            invoice = Invoice.draft(
                tenant.id,
                quotation.customer_id,
                invoice_lines(quotation),
                pkp=tenant.pkp,
                invoice_id=Quotation.invoice_id_for(quotation.id),
            )
            today = self._clock.today(tenant.timezone)
            numbering = numbering_for(store, tenant, today)
            (number,) = numbering.take(1)
            quotation.mark_invoiced(invoice.id, number)
            invoice.issue(number, today, due_date(tenant, today))
            self._saver.save(store, principal, "InvoiceQuotation", quotation, invoice, numbering)
            return InvoicedQuotation(invoice.id, number)

        return _retrying(attempt)

    def _change(
        self,
        principal: Principal,
        quotation_id: UUID,
        command: str,
        change: Callable[[Quotation, date], None],
    ) -> None:
        authorize(principal, Permission.MANAGE_QUOTES)
        store, tenant = self._store(principal), tenant_of(self._stores, principal.tenant_id)
        quotation = load(store, Quotation, quotation_id, tenant.id, "quotation")
        change(quotation, self._clock.today(tenant.timezone))
        if quotation.pending_events:
            self._saver.save(store, principal, command, quotation)

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)


def invoice_lines(quotation: Quotation) -> list[Line]:
    """The quotation's lines as billing lines (services, taxable); a line that charges nothing
    is left out."""
    complexity = quotation.complexity
    lines = [
        new_line("service", line_description(line, complexity), 1, line.amount, True)
        for line in quotation.lines
        if line.amount > 0
    ]
    if quotation.management > 0:
        description = management_description(quotation.management_percent)
        lines.append(new_line("service", description, 1, quotation.management, True))
    return lines


def _numbering(store: EventStore, tenant_id: UUID, year: int) -> QuotationNumbering:
    found = find(store, QuotationNumbering, QuotationNumbering.id_for(tenant_id, year))
    return found or QuotationNumbering.start(tenant_id, year)


def _retrying(attempt: Callable[[], T]) -> T:
    """Run again, from fresh state, when a concurrent writer took the number (or changed the
    quotation) first; each attempt checks every rule anew."""
    for _ in range(RETRIES - 1):
        try:
            return attempt()
        except ConcurrentModification:
            continue
    return attempt()
