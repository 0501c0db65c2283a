"""`invoice_list` and `customer_ledger`: invoices with what is paid and still due, and the
money movements they and payments make on each customer's account; `invoice_counts`: how many
invoices each tenant has in each status, so the invoice list's total is a key read.

One projection keeps both because the ledger needs what only the invoice knows (its customer,
number and what it still asks for) when a credit note or a void arrives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from domain.billing.invoice import Invoice, InvoiceStatus, Line, totals
from domain.payments.payment import Payment
from domain.shared.payloads import from_plain, to_plain
from domain.shared.recorded import RecordedEvent
from projections.billing import ledger
from projections.shared import counters
from projections.shared import rows as table_rows
from projections.shared.rows import Row

TABLE = "invoice_list"
COLUMNS = (
    "id",
    "tenant_id",
    "customer_id",
    "subscription_id",
    "number",
    "status",
    "period",
    "pkp",
    "currency",
    "issued_on",
    "due_on",
    "subtotal",
    "dpp",
    "ppn",
    "total",
    "paid",
    "credited",
    "balance_due",
    "paid_on",
    "lines",
    "version",
    "drafted_at",
    "updated_at",
)
JSONB = frozenset({"lines"})
COUNTS = "invoice_counts"
COUNT_KEYS = (("tenant_id", "uuid"), ("status", "text"))


class InvoicesProjection:
    name: str = "invoices"
    event_types: tuple[type, ...] = (
        Invoice.Drafted,
        Invoice.Issued,
        Invoice.PaymentRecorded,
        Invoice.Paid,
        Invoice.Voided,
        Invoice.Credited,
        Payment.Received,
    )
    tables: tuple[str, ...] = (TABLE, ledger.TABLE, COUNTS)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        on_invoices = [e for e in events if not isinstance(e.event, Payment.Received)]
        created, earlier = table_rows.split(on_invoices, Invoice.Drafted)
        invoices = table_rows.load(cur, schema, TABLE, COLUMNS, "id", earlier)
        counted = _count_keys(invoices)
        movements: list[Row] = []
        for recorded in events:
            movement = ledger.entry(invoices.get(recorded.aggregate_id), recorded)
            if movement is not None:
                movements.append(movement)
            if not isinstance(recorded.event, Payment.Received):
                _apply(invoices, recorded)
        for row in invoices.values():
            if row["total"] is None:
                _preview(row)
        table_rows.save(cur, schema, TABLE, COLUMNS, "id", invoices, created, JSONB)
        moved = counters.moved(counted, _count_keys(invoices))
        counters.add(cur, schema, COUNTS, COUNT_KEYS, moved)
        if movements:
            table_rows.copy_in(cur, schema, ledger.TABLE, ledger.COLUMNS, movements)


def _count_keys(invoices: dict[Any, Row]) -> dict[Any, counters.Key]:
    return {invoice_id: (row["tenant_id"], row["status"]) for invoice_id, row in invoices.items()}


def _apply(invoices: dict[Any, Row], recorded: RecordedEvent) -> None:
    event = recorded.event
    if isinstance(event, Invoice.Drafted):
        invoices[recorded.aggregate_id] = _drafted(recorded, event)
    row = invoices[recorded.aggregate_id]
    _change(row, event)
    row["version"] = recorded.version
    row["updated_at"] = recorded.timestamp


def _drafted(recorded: RecordedEvent, event: Invoice.Drafted) -> Row:
    return {
        "id": recorded.aggregate_id,
        "tenant_id": event.tenant_id,
        "customer_id": event.customer_id,
        "subscription_id": event.subscription_id,
        "number": None,
        "status": InvoiceStatus.DRAFTED.value,
        "period": event.period,
        "pkp": event.pkp,
        "currency": event.currency,
        "issued_on": None,
        "due_on": None,
        "subtotal": None,  # see _preview
        "dpp": None,
        "ppn": None,
        "total": None,
        "paid": 0,
        "credited": 0,
        "balance_due": 0,  # a draft asks for nothing yet
        "paid_on": None,
        "lines": [_line(line) for line in event.lines],
        "drafted_at": recorded.timestamp,
    }


def _line(line: Line) -> dict[str, object]:
    return {**to_plain(line), "amount": line.amount}


def _preview(row: Row) -> None:
    """What a draft would come to. Worked out only for invoices still without totals when the
    page is written: most drafts are issued within the same page, and Issued brings its own."""
    # Rows hold lines as JSON (a row may come from the table); their `amount` is ours, not Line's.
    preview = totals(from_plain(list[Line], row["lines"]), pkp=row["pkp"])
    row.update(subtotal=preview.subtotal, dpp=preview.dpp, ppn=preview.ppn, total=preview.total)


def _change(row: Row, event: Any) -> None:
    if isinstance(event, Invoice.Issued):
        row.update(
            number=event.number,
            issued_on=event.issued_on,
            due_on=event.due_on,
            subtotal=event.subtotal,
            dpp=event.dpp,
            ppn=event.ppn,
            total=event.total,
            status=(InvoiceStatus.PAID if event.total == 0 else InvoiceStatus.ISSUED).value,
        )
    elif isinstance(event, Invoice.PaymentRecorded):
        row["paid"] += event.amount
        row["status"] = InvoiceStatus.PARTIALLY_PAID.value
    elif isinstance(event, Invoice.Paid):
        row.update(status=InvoiceStatus.PAID.value, paid_on=event.paid_on)
    elif isinstance(event, Invoice.Credited):
        row["credited"] += event.amount
        if _owed(row) == 0:
            row["status"] = InvoiceStatus.PAID.value
    elif isinstance(event, Invoice.Voided):
        row["status"] = InvoiceStatus.VOID.value
    row["balance_due"] = _balance_due(row)


def _owed(row: Row) -> int:
    return max(int(row["total"] or 0) - int(row["paid"]) - int(row["credited"]), 0)


def _balance_due(row: Row) -> int:
    if row["status"] in {InvoiceStatus.DRAFTED.value, InvoiceStatus.VOID.value}:
        return 0
    return _owed(row)
