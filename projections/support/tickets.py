"""`support_tickets` (one row per ticket: status, priority, assignee, both SLA clocks, counts;
its texts still sealed with the customer's key) and `support_ticket_timeline` (every step of
every ticket with who did it and when).

Breaches are not stored: they depend on the time they are read at, so the queries judge them
from the due times and the moments the clocks stopped (`first_response_at`,
`clock_stopped_at`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from domain.shared.recorded import RecordedEvent
from domain.support.ticket import Ticket, TicketStatus, ticket_number
from projections.shared import rows as table_rows
from projections.shared.rows import Row

TICKETS = "support_tickets"
TIMELINE = "support_ticket_timeline"
COLUMNS = (
    "id",
    "tenant_id",
    "number",
    "customer_id",
    "category",
    "priority",
    "status",
    "channel",
    "subject",
    "description",
    "subscription_id",
    "invoice_id",
    "voucher_id",
    "repair_job_id",
    "conversation_id",
    "assignee_id",
    "assignee_name",
    "opened_at",
    "first_response_due_at",
    "first_response_at",
    "resolution_due_at",
    "clock_stopped_at",
    "resolved_at",
    "closed_at",
    "replies",
    "notes",
    "updated_at",
)
TIMELINE_COLUMNS = ("ticket_id", "number", "tenant_id", "kind", "text", "detail", "actor", "at")
_LINKS = ("subscription_id", "invoice_id", "voucher_id", "repair_job_id", "conversation_id")
_OPEN = TicketStatus.OPEN.value


class SupportTicketsProjection:
    name: str = "support_tickets"
    event_types: tuple[type, ...] = (
        Ticket.Opened,
        Ticket.Assigned,
        Ticket.NoteAdded,
        Ticket.Replied,
        Ticket.StatusChanged,
        Ticket.PriorityChanged,
    )
    tables: tuple[str, ...] = (TICKETS, TIMELINE)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(cur, schema, TICKETS, COLUMNS, events, Ticket.Opened, _reduce)
        steps = [_step(recorded) for recorded in events]
        table_rows.copy_in(cur, schema, TIMELINE, TIMELINE_COLUMNS, steps, frozenset({"detail"}))


def _reduce(rows: dict[Any, Row], recorded: RecordedEvent) -> None:
    e, ticket_id = recorded.event, recorded.aggregate_id
    if isinstance(e, Ticket.Opened):
        rows[ticket_id] = _opened(recorded)
    row = rows.get(ticket_id)
    if row is None:
        return
    if isinstance(e, Ticket.Assigned):
        row.update(assignee_id=e.assignee_id, assignee_name=e.assignee_name)
    elif isinstance(e, Ticket.NoteAdded):
        row["notes"] += 1
    elif isinstance(e, Ticket.Replied):
        row["replies"] += 1
        if e.first_response:
            row["first_response_at"] = e.at
    elif isinstance(e, Ticket.StatusChanged):
        _status_changed(row, e)
    elif isinstance(e, Ticket.PriorityChanged):
        row.update(
            priority=e.priority,
            first_response_due_at=e.first_response_due_at,
            resolution_due_at=e.resolution_due_at,
        )
    row["updated_at"] = recorded.timestamp


def _opened(recorded: RecordedEvent) -> Row:
    e = recorded.event
    row: Row = dict.fromkeys(COLUMNS)
    row.update(
        id=recorded.aggregate_id,
        tenant_id=e.tenant_id,
        number=ticket_number(recorded.aggregate_id),
        customer_id=e.customer_id,
        category=e.category,
        priority=e.priority,
        status=_OPEN,
        channel=e.channel,
        subject=e.subject_sealed,
        description=e.description_sealed,
        opened_at=e.opened_at,
        first_response_due_at=e.first_response_due_at,
        resolution_due_at=e.resolution_due_at,
        replies=0,
        notes=0,
        **{link: getattr(e, link) for link in _LINKS},
    )
    return row


def _status_changed(row: Row, e: Ticket.StatusChanged) -> None:
    """The same clock rules as the aggregate's (domain/support/ticket.py)."""
    if e.previous == _OPEN:
        row["clock_stopped_at"] = e.at
        row["first_response_at"] = row["first_response_at"] or e.at
    elif e.status == _OPEN:
        row["clock_stopped_at"] = None
    if e.status == TicketStatus.RESOLVED.value:
        row["resolved_at"] = e.at
    elif e.status == _OPEN:
        row["resolved_at"] = None
    if e.status == TicketStatus.CLOSED.value:
        row["closed_at"] = e.at
    row.update(status=e.status, resolution_due_at=e.resolution_due_at)


def _step(recorded: RecordedEvent) -> Row:
    kind, text, detail = _what(recorded.event)
    return {
        "ticket_id": recorded.aggregate_id,
        "number": recorded.version,
        "tenant_id": _tenant_of(recorded),
        "kind": kind,
        "text": text,
        "detail": detail,
        "actor": recorded.meta.actor,
        "at": getattr(recorded.event, "at", None) or recorded.event.opened_at,
    }


def _what(e: Any) -> tuple[str, str | None, dict[str, Any]]:
    """A step's kind, its text (sealed) and what else it says."""
    if isinstance(e, Ticket.Opened):
        detail = {"channel": e.channel, "category": e.category, "priority": e.priority}
        return "opened", e.description_sealed, detail
    if isinstance(e, Ticket.Assigned):
        return "assigned", None, {"assignee_id": e.assignee_id, "assignee_name": e.assignee_name}
    if isinstance(e, Ticket.NoteAdded):
        return "note", e.text_sealed, {}
    if isinstance(e, Ticket.Replied):
        sent = {"whatsapp_message_id": e.whatsapp_message_id, "email_id": e.email_id}
        return "reply", e.text_sealed, {"first_response": e.first_response, **sent}
    if isinstance(e, Ticket.StatusChanged):
        return "status", None, {"from": e.previous, "to": e.status}
    return "priority", None, {"from": e.previous, "to": e.priority}


def _tenant_of(recorded: RecordedEvent) -> Any:
    return getattr(recorded.event, "tenant_id", None) or recorded.meta.tenant_id
