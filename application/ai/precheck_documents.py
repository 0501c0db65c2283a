"""The documents the pre-check reads, made from an invoice, a repair job's quote or a draft, and
the text the model is shown of one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.shared.errors import ApplicationError
from domain.ai.precheck import Document, Item, Reason, Subject
from domain.billing import ppn
from domain.billing.invoice import LINE_KINDS, Invoice, Line
from domain.repairs.repair_job import RepairJob
from domain.shared.errors import InvalidValue
from domain.shared.money import format_rupiah
from domain.shared.values import require_text

MAX_LINES = 100
MAX_QUANTITY = 10_000
MAX_AMOUNT = 1_000_000_000_000
_NOT_ITEMS = frozenset({"discount", "proration"})


@dataclass(frozen=True)
class DraftLine:
    description: str
    unit_price: int
    quantity: int = 1
    kind: str = "charge"
    taxable: bool = True


@dataclass(frozen=True)
class InvoiceDraft:
    """An invoice not yet saved. Dates left out are those issuing it today would give; `ppn`
    left out is the PPN Niaga would charge on it."""

    customer_id: UUID
    lines: list[DraftLine]
    discount_percent: int = 0
    ppn: int | None = None
    issued_on: date | None = None
    due_on: date | None = None


@dataclass(frozen=True)
class Party:
    """Who a document is for, as far as the checks need."""

    forgotten: bool
    subscription_terminated: bool = False


def of_invoice(
    invoice: Invoice, party: Party, issued_on: date | None, due_on: date | None
) -> Document:
    totals = invoice.totals
    items = tuple(_item(line) for line in invoice.lines if line.kind not in _NOT_ITEMS)
    discounts = sum(line.amount for line in invoice.lines if line.kind == "discount")
    prorations = sum(line.amount for line in invoice.lines if line.kind == "proration")
    return Document(
        subject=Subject.INVOICE,
        items=items,
        discount=max(-discounts, 0),
        adjustments=prorations + max(discounts, 0),
        taxable=totals.taxable,
        ppn=totals.ppn,
        issued_on=issued_on,
        due_on=due_on,
        customer_forgotten=party.forgotten,
        subscription_terminated=party.subscription_terminated,
    )


def _item(line: Line) -> Item:
    return Item(line.description, line.quantity, line.unit_price, None, line.taxable)


def of_quote(job: RepairJob, party: Party) -> Document:
    """A repair job's current quote; it states no tax and no dates."""
    if not job.parts and not job.labour:
        raise ApplicationError("the repair job has no quote yet", field="id")
    items = [Item(p.description, p.quantity, p.unit_price, p.unit_cost, False) for p in job.parts]
    items += [Item(line.description, 1, line.amount, None, False) for line in job.labour]
    return Document(
        subject=Subject.QUOTE,
        items=tuple(items),
        discount=0,
        adjustments=0,
        taxable=0,
        ppn=0,
        issued_on=None,
        due_on=None,
        customer_forgotten=party.forgotten,
        charges_ppn=False,
    )


def of_draft(
    draft: InvoiceDraft, party: Party, pkp: bool, issued_on: date, due_on: date
) -> Document:
    """A draft, its input checked: storable text and numbers within bounds. Amounts of zero or
    below pass, for the rules to report."""
    lines = _checked_lines(draft.lines)
    percent = _bounded(draft.discount_percent, "discount_percent", 0, 100)
    stated = None if draft.ppn is None else _bounded(draft.ppn, "ppn", 0, MAX_AMOUNT)
    items = tuple(
        Item(line.description, line.quantity, line.unit_price, None, line.taxable)
        for line in lines
        if line.kind not in _NOT_ITEMS
    )
    positive = [item for item in items if item.amount > 0]
    off = sum(item.amount for item in positive) * percent // 100
    discounts = sum(line.quantity * line.unit_price for line in lines if line.kind == "discount")
    prorations = sum(line.quantity * line.unit_price for line in lines if line.kind == "proration")
    taxable_lines = sum(line.quantity * line.unit_price for line in lines if line.taxable)
    taxable_off = sum(item.amount for item in positive if item.taxable) * percent // 100
    taxable = max(taxable_lines - taxable_off, 0)
    return Document(
        subject=Subject.INVOICE_DRAFT,
        items=items,
        discount=max(-discounts, 0) + off,
        adjustments=prorations + max(discounts, 0),
        taxable=taxable,
        ppn=ppn(taxable, pkp=pkp).ppn if stated is None else stated,
        issued_on=issued_on,
        due_on=due_on,
        customer_forgotten=party.forgotten,
    )


def _checked_lines(lines: list[DraftLine]) -> list[DraftLine]:
    if not 1 <= len(lines) <= MAX_LINES:
        raise InvalidValue(f"a draft needs 1 to {MAX_LINES} lines", field="lines")
    checked = []
    for line in lines:
        if line.kind not in LINE_KINDS:
            allowed = ", ".join(sorted(LINE_KINDS))
            raise InvalidValue(f"kind must be one of {allowed}", field="kind")
        checked.append(
            DraftLine(
                require_text(line.description, "description", 200),
                _bounded(line.unit_price, "unit_price", -MAX_AMOUNT, MAX_AMOUNT),
                _bounded(line.quantity, "quantity", 0, MAX_QUANTITY),
                line.kind,
                line.taxable,
            )
        )
    return checked


def _bounded(value: int, field: str, least: int, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise InvalidValue(f"{field} must be a whole number from {least} to {most}", field=field)
    return value


_KINDS = {
    Subject.INVOICE: "faktur",
    Subject.INVOICE_DRAFT: "draf faktur",
    Subject.QUOTE: "penawaran biaya servis",
}


def described(document: Document, customer: str | None, pkp: bool, reasons: list[Reason]) -> str:
    """The document as the model reads it, in Indonesian; personal values are masked later."""
    lines = [f"Jenis dokumen: {_KINDS[document.subject]}"]
    if customer:
        lines.append(f"Pelanggan: {customer}")
    if document.issued_on and document.due_on:
        lines.append(
            f"Tanggal terbit: {document.issued_on:%d/%m/%Y}; "
            f"jatuh tempo: {document.due_on:%d/%m/%Y}"
        )
    lines.append("Baris:")
    for number, item in enumerate(document.items, start=1):
        cost = f" (modal {format_rupiah(item.unit_cost)})" if item.unit_cost is not None else ""
        lines.append(
            f"{number}. {item.description}: {item.quantity} x {format_rupiah(item.unit_price)} "
            f"= {format_rupiah(item.amount)}{cost}"
        )
    if document.discount:
        lines.append(f"Diskon: {format_rupiah(document.discount)}")
    if document.adjustments:
        lines.append(f"Penyesuaian (prorata): {format_rupiah(document.adjustments)}")
    if document.charges_ppn:
        lines.append(f"Usaha PKP: {'ya' if pkp else 'tidak'}")
        lines.append(f"Harga Jual kena PPN: {format_rupiah(document.taxable)}")
        lines.append(f"PPN: {format_rupiah(document.ppn)}")
    lines.append(f"Total: {format_rupiah(document.total)}")
    found = [f"- {r.message}" for r in reasons] or ["- tidak ada"]
    return "\n".join([*lines, "Temuan aturan SOP (sudah diketahui):", *found])
