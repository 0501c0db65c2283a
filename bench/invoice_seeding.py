"""Seeds one tenant with N invoices quickly, as the application records them: customers, then a
monthly invoice each (drafted and issued with gapless numbers, many per save, as the billing run
saves them), the older months paid in cash (a Payment allocated to the invoice, as
`receive_payment` records every payment). The read models are caught up afterwards, once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from adapters.bootstrap import Niaga
from adapters.shared.stores import PostgresEventStore
from application.billing.invoicing import due_date, numbering_for
from application.payments.payments import RecordPayment, open_invoice, receive_payment
from application.shared.tenancy import tenant_of
from bench.seeding import WAVE, _create_keys, _save, chunks, new_customer
from domain.billing.billing_cycle import add_months
from domain.billing.invoice import Invoice, InvoiceNumbering, new_line
from domain.customers.customer import CustomerPhone
from domain.payments.payment import PaymentMethod
from domain.platform.tenant import Tenant

PLAN = ("Paket 20 Mbps", 150_000)
PAID_AFTER_DAYS = 6


@dataclass(frozen=True)
class SeededInvoices:
    customers: list[UUID]
    invoices: int
    events: int
    seconds: float


@dataclass(frozen=True)
class Months:
    """Invoices are issued on the first of `count` months ending with this one; all but the
    latest `open` months are paid."""

    count: int
    open: int

    def issue_dates(self, today: date) -> list[date]:
        latest = today.replace(day=1)
        return [add_months(latest, offset - self.count + 1, 1) for offset in range(self.count)]

    def paid(self, index: int) -> bool:
        return index < self.count - self.open


def seed_invoices(
    niaga: Niaga,
    store: PostgresEventStore,
    tenant_id: UUID,
    invoices: int,
    months: Months,
    batch: int,
) -> SeededInvoices:
    """ceil(invoices / months) customers, each with one invoice a month (the last customer
    possibly fewer), in waves of customers. Prints progress with rates."""
    tenant = tenant_of(niaga.stores, tenant_id)
    customers_needed = -(-invoices // months.count)
    dates = months.issue_dates(date.today())
    customers: list[UUID] = []
    issued = events = 0
    started = time.perf_counter()
    for wave_start in range(0, customers_needed, WAVE):
        wave = range(wave_start, min(wave_start + WAVE, customers_needed))
        ids, saved_events = _register(niaga, store, tenant_id, wave, batch)
        events += saved_events
        customers += ids
        for index, on in enumerate(dates):
            billed = [
                c for n, c in zip(wave, ids, strict=True) if n * months.count + index < invoices
            ]
            # Found afresh: months of one year may share a numbering (yearly reset).
            numbering = numbering_for(store, tenant, on)
            saved, saved_events = _issue(store, tenant, numbering, billed, on, batch)
            issued += len(saved)
            events += saved_events
            if months.paid(index):
                events += _pay(store, tenant_id, saved, on, batch)
        elapsed = time.perf_counter() - started
        print(
            f"    {len(customers):,} customers, {issued:,} invoices, {events:,} events "
            f"({issued / elapsed:,.0f} invoices/s, {events / elapsed:,.0f} events/s)",
            flush=True,
        )
    return SeededInvoices(customers, issued, events, time.perf_counter() - started)


def _register(
    niaga: Niaga, store: PostgresEventStore, tenant_id: UUID, wave: range, batch: int
) -> tuple[list[UUID], int]:
    """The wave's customers with their phone claims; (their ids, events saved)."""
    people = [new_customer(tenant_id, i) for i in wave]
    _create_keys(niaga, store, [c.id for c in people])
    claims = [CustomerPhone.claim_new(tenant_id, c.phone, c.id) for c in people]
    events = 0
    for part in chunks(list(zip(people, claims, strict=True)), batch):
        events += _save(store, tenant_id, "RegisterCustomer", [a for pair in part for a in pair])
    return [c.id for c in people], events


def _issue(
    store: PostgresEventStore,
    tenant: Tenant,
    numbering: InvoiceNumbering,
    customers: Sequence[UUID],
    on: date,
    batch: int,
) -> tuple[list[Invoice], int]:
    """Draft and issue one invoice per customer, numbered, `batch` invoices per save;
    (the invoices, events saved)."""
    name, price = PLAN
    issued: list[Invoice] = []
    events = 0
    for part in chunks(customers, batch):
        drafts = [
            Invoice.draft(
                tenant.id, customer, [new_line("plan", name, 1, price, True)], pkp=tenant.pkp
            )
            for customer in part
        ]
        for invoice, number in zip(drafts, numbering.take(len(drafts)), strict=True):
            invoice.issue(number, on, due_date(tenant, on))
        events += _save(store, tenant.id, "IssueInvoice", [numbering, *drafts])
        issued += drafts
    return issued, events


def _pay(
    store: PostgresEventStore, tenant_id: UUID, invoices: list[Invoice], on: date, batch: int
) -> int:
    """Each invoice paid in full in cash a few days after issue; returns the events saved."""
    paid_on = date.fromordinal(on.toordinal() + PAID_AFTER_DAYS)
    events = 0
    for part in chunks(invoices, batch):
        changed: list[object] = []
        for invoice in part:
            command = RecordPayment(
                invoice.customer_id, invoice.total, PaymentMethod.CASH, f"kasir {invoice.number}"
            )
            received = receive_payment(
                store, tenant_id, command, paid_on, [open_invoice(invoice)], _only(invoice)
            )
            changed += received.changed
        events += _save(store, tenant_id, "RecordPayment", changed)
    return events


def _only(invoice: Invoice) -> Callable[[UUID], Invoice]:
    def invoice_of(invoice_id: UUID) -> Invoice:
        if invoice_id != invoice.id:
            raise LookupError(f"payment allocated to {invoice_id}, not to {invoice.id}")
        return invoice

    return invoice_of


def catch_up(niaga: Niaga, store: PostgresEventStore) -> tuple[int, float]:
    """Every read model of the store brought up to date; (events applied, seconds)."""
    last = [0.0]

    def progress(position: int, head: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 10:
            last[0] = now
            print(f"    catching up: {position:,} of {head:,}", flush=True)

    started = time.perf_counter()
    applied = niaga.projections.catch_up(store, progress)
    return applied, time.perf_counter() - started
