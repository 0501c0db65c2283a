"""Quotations: an estimate frozen for a customer under the tenant's next number, then sent,
accepted or declined, and an accepted one turned into an invoice of the billing core.

Invoicing goes through `WorkInvoicing` (`application/agency/invoicing.py`), as a project's
milestones do: billing's own invoice, PPN and numbering, saved with the quotation's `Invoiced`
event; its id derives from the quotation's, so a quotation becomes an invoice once. Payment
links and the PDF then work as for any issued invoice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.agency.estimates import QuoteRequest
from application.agency.invoicing import Billable, Invoiced, WorkInvoicing, retrying
from application.agency.quote_text import line_description, management_description
from application.agency.rate_cards import rate_card_of
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
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
from domain.billing.invoice import Line, new_line
from domain.customers.customer import Customer


@dataclass(frozen=True)
class CreateQuotation:
    customer_id: UUID
    request: QuoteRequest
    summary: str | None = None  # the scope summary, as the estimate gave it or as edited
    valid_days: int = DEFAULT_VALID_DAYS


class Quotations:
    """Creating, sending, accepting and declining need `quotes:manage`; invoicing needs
    `invoices:issue`, as issuing any invoice does."""

    def __init__(self, stores: Stores, sync: ReadModelSync, clock: Clock) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock
        self._invoicing = WorkInvoicing(stores, self._saver, clock)

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

        return retrying(attempt)

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

    def invoice(self, principal: Principal, quotation_id: UUID) -> Invoiced:
        """Turn an accepted quotation into an issued invoice, once."""
        authorize(principal, Permission.ISSUE_INVOICES)

        def billable(store: EventStore, tenant_id: UUID) -> Billable:
            quotation = load(store, Quotation, quotation_id, tenant_id, "quotation")
            return Billable(
                quotation,
                quotation.customer_id,
                invoice_lines(quotation),
                Quotation.invoice_id_for(quotation.id),
                lambda invoice_id, number, _: quotation.mark_invoiced(invoice_id, number),
            )

        return self._invoicing.invoice(principal, "InvoiceQuotation", billable)

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
