"""`customer_ledger`: one row per money movement on a customer's account.

Issuing an invoice debits its total; a payment credits all it brought in, including what became
account credit; a credit note credits its amount; voiding an issued invoice credits what it still
asked for. Allocating a payment or account credit to an invoice moves no money, so it makes no row.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.billing.invoice import Invoice, InvoiceStatus
from domain.payments.payment import Payment
from domain.shared.recorded import RecordedEvent
from projections.shared.rows import Row

TABLE = "customer_ledger"
COLUMNS = (
    "position",
    "tenant_id",
    "customer_id",
    "source_id",
    "on",
    "kind",
    "reference",
    "debit",
    "credit",
)
# Credit notes and voids carry no date of their own: they take the day they were recorded.


def entry(invoice: Row | None, recorded: RecordedEvent) -> Row | None:
    """The ledger row an event makes, if any; `invoice` is its invoice's row before the event."""
    event = recorded.event
    if isinstance(event, Payment.Received):
        return _row(
            recorded,
            event.tenant_id,
            event.customer_id,
            event.received_on,
            "payment",
            event.reference,
            credit=event.amount,
        )
    if invoice is None:
        return None
    tenant_id, customer_id = invoice["tenant_id"], invoice["customer_id"]
    if isinstance(event, Invoice.Issued):
        return _row(
            recorded,
            tenant_id,
            customer_id,
            event.issued_on,
            "invoice",
            event.number,
            debit=event.total,
        )
    if isinstance(event, Invoice.Credited):
        return _row(
            recorded,
            tenant_id,
            customer_id,
            event.on,
            "credit_note",
            event.credit_note,
            credit=event.amount,
        )
    if isinstance(event, Invoice.Voided) and invoice["status"] != InvoiceStatus.DRAFTED.value:
        # What the invoice still asked for: its total less any credit notes already given.
        return _row(
            recorded,
            tenant_id,
            customer_id,
            event.on,
            "void",
            invoice["number"] or "",
            credit=invoice["balance_due"],
        )
    return None


def _row(
    recorded: RecordedEvent,
    tenant_id: Any,
    customer_id: Any,
    on: date,
    kind: str,
    reference: str,
    *,
    debit: int = 0,
    credit: int = 0,
) -> Row | None:
    if debit == 0 and credit == 0:
        return None  # a zero invoice, or voiding one, moves no money
    return {
        "position": recorded.position,
        "tenant_id": tenant_id,
        "customer_id": customer_id,
        "source_id": recorded.aggregate_id,
        "on": on,
        "kind": kind,
        "reference": reference,
        "debit": debit,
        "credit": credit,
    }
