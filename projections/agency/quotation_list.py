"""`quotation_list`: a tenant's quotations (`quotations`) with what a list and a quotation's page
show: number, customer, status, the frozen lines and amounts, validity, and the invoice an
accepted quotation became."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from domain.agency.quotation import Quotation, QuotationStatus
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.rows import Row

QUOTATIONS = "quotations"
COLUMNS = (
    "id",
    "tenant_id",
    "number",
    "customer_id",
    "status",
    "complexity",
    "lines",
    "management_percent",
    "management",
    "subtotal",
    "dpp",
    "ppn",
    "total",
    "valid_until",
    "notes",
    "summary",
    "decline_reason",
    "invoice_id",
    "invoice_number",
    "created_at",
    "updated_at",
)
_CREATED = (
    "tenant_id",
    "number",
    "customer_id",
    "complexity",
    "lines",
    "management_percent",
    "management",
    "subtotal",
    "dpp",
    "ppn",
    "total",
    "valid_until",
    "notes",
    "summary",
)
_JSONB = frozenset({"lines"})
_STATUS = {
    Quotation.Sent: QuotationStatus.SENT,
    Quotation.Accepted: QuotationStatus.ACCEPTED,
    Quotation.Declined: QuotationStatus.DECLINED,
    Quotation.Invoiced: QuotationStatus.INVOICED,
}


class QuotationListProjection:
    name: str = "quotation_list"
    event_types: tuple[type, ...] = (Quotation.Created, *_STATUS)
    tables: tuple[str, ...] = (QUOTATIONS,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(
            cur, schema, QUOTATIONS, COLUMNS, events, Quotation.Created, _apply, _JSONB
        )


def _apply(quotations: dict[Any, Row], recorded: RecordedEvent) -> None:
    event, quotation_id = recorded.event, recorded.aggregate_id
    if isinstance(event, Quotation.Created):
        quotations[quotation_id] = {
            "id": quotation_id,
            **{column: getattr(event, column) for column in _CREATED},
            "status": QuotationStatus.DRAFT.value,
            "decline_reason": None,
            "invoice_id": None,
            "invoice_number": None,
            "created_at": recorded.timestamp,
        }
    row = quotations.get(quotation_id)
    if row is None:
        return
    status = _STATUS.get(type(event))
    if status is not None:
        row["status"] = status.value
    if isinstance(event, Quotation.Declined):
        row["decline_reason"] = event.reason or None
    elif isinstance(event, Quotation.Invoiced):
        row.update(invoice_id=event.invoice_id, invoice_number=event.invoice_number)
    row["updated_at"] = recorded.timestamp
