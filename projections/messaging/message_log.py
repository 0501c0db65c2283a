"""`message_log`: every WhatsApp message Niaga means to send and its timeline.

Billing events queue their notices here (invoice issued, payment received, reactivation), as do
notification requests (reminders, isolir, and whatever other areas ask for); the send dispatcher
follows the queued rows. A row's id is the id its message record will have, so a message is
queued once however often the log is replayed.

A page is applied in memory over the rows it touches, loaded with one query per table, and
written back with one statement per table: no round trip per event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from psycopg import Cursor

from domain.messaging.whatsapp import OutboundMessage
from domain.shared.recorded import RecordedEvent
from projections.messaging.notices import (
    NAMES_SUBJECT,
    NEEDS_SUBJECT,
    NOTICE_EVENTS,
    Channel,
    notice_of,
    subject_row,
)
from projections.shared import rows as table_rows
from projections.shared.base import jsonable
from projections.shared.rows import Row


def notice_id(subject_id: UUID, reason: str) -> UUID:
    """The message id of a notice the log asks for."""
    return uuid5(subject_id, f"whatsapp:{reason}")


MESSAGES = "message_log"
MESSAGE_COLUMNS = (
    "id",
    "tenant_id",
    "customer_id",
    "template",
    "variables",
    "source_id",
    "campaign_id",
    "status",
    "provider",
    "provider_message_id",
    "error",
    "attempts",
    "replied",
    "opted_out",
    "timeline",
    "requested_at",
    "updated_at",
)
MESSAGE_JSONB = frozenset({"variables", "timeline"})
SUBJECTS = "message_subjects"
SUBJECT_COLUMNS = ("id", "tenant_id", "customer_id", "plan")


class MessageLogProjection:
    name: str = "message_log"
    event_types: tuple[type, ...] = (
        *NOTICE_EVENTS,
        OutboundMessage.Queued,
        OutboundMessage.Sent,
        OutboundMessage.Failed,
        OutboundMessage.Skipped,
        OutboundMessage.StatusReported,
        OutboundMessage.Replied,
    )
    tables: tuple[str, ...] = (MESSAGES, SUBJECTS)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        page = _Page.load(cur, schema, events)
        for recorded in events:
            page.apply(recorded)
        page.save(cur, schema)


@dataclass
class _Page:
    """A page's messages and subjects in memory: the rows it changes, loaded with one query
    per table, and the rows it adds. A message is queued once (the first request wins, as
    the log may ask twice for one id); progress only changes a message already queued."""

    subjects: dict[UUID, Row]
    messages: dict[UUID, Row]
    new_subjects: list[Row] = field(default_factory=list)
    new_messages: set[UUID] = field(default_factory=set)
    changed: set[UUID] = field(default_factory=set)

    @classmethod
    def load(cls, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> _Page:
        # Messages queued within the page need no look-up: writing them skips those already
        # there. Only rows that progress must be read, to append to their timelines.
        about = {r.aggregate_id for r in events if isinstance(r.event, NAMES_SUBJECT)}
        about |= {r.aggregate_id for r in events if isinstance(r.event, NEEDS_SUBJECT)}
        progressing = {r.aggregate_id for r in events if _progresses(r.event)}
        return cls(
            table_rows.load(cur, schema, SUBJECTS, SUBJECT_COLUMNS, "id", about),
            table_rows.load(cur, schema, MESSAGES, MESSAGE_COLUMNS, "id", progressing),
        )

    def apply(self, recorded: RecordedEvent) -> None:
        e = recorded.event
        if isinstance(e, NAMES_SUBJECT):
            self._subject(recorded)
        elif isinstance(e, OutboundMessage.Queued):
            queued = (e.tenant_id, e.customer_id, e.template, dict(e.variables))
            self._queue(recorded.aggregate_id, recorded, queued, e.source_id, e.campaign_id)
        elif _progresses(e):
            self._progress(recorded)
        else:
            notice = _notice(recorded, self.subjects.get(recorded.aggregate_id))
            if notice is not None:
                message_id, queued, about = notice
                self._queue(message_id, recorded, queued, about, None)

    def save(self, cur: Cursor[Any], schema: str) -> None:
        if self.new_subjects:  # looked up and not found: they cannot be there
            table_rows.copy_in(cur, schema, SUBJECTS, SUBJECT_COLUMNS, self.new_subjects)
        table_rows.insert_absent(
            cur,
            schema,
            MESSAGES,
            MESSAGE_COLUMNS,
            "id",
            [self.messages[i] for i in self.new_messages],
            MESSAGE_JSONB,
        )
        table_rows.upsert(
            cur,
            schema,
            MESSAGES,
            MESSAGE_COLUMNS,
            "id",
            [self.messages[i] for i in self.changed - self.new_messages],
            MESSAGE_JSONB,
        )

    def _subject(self, r: RecordedEvent) -> None:
        if r.aggregate_id in self.subjects:
            return  # the first event naming it wins
        row = subject_row(r)
        self.subjects[r.aggregate_id] = row
        self.new_subjects.append(row)

    def _queue(
        self,
        message_id: UUID,
        r: RecordedEvent,
        queued: tuple[Any, ...],
        source_id: UUID,
        campaign_id: UUID | None,
    ) -> None:
        if message_id in self.messages:
            return
        self.messages[message_id] = _queued_row(message_id, r, queued, source_id, campaign_id)
        self.new_messages.add(message_id)

    def _progress(self, r: RecordedEvent) -> None:
        row = self.messages.get(r.aggregate_id)
        if row is not None:
            _progressed(row, r)
            self.changed.add(r.aggregate_id)


def _progresses(event: object) -> bool:
    """An event that changes a message already queued."""
    return isinstance(event, OutboundMessage.Event) and not isinstance(
        event, OutboundMessage.Queued
    )


def _notice(
    recorded: RecordedEvent, subject: Row | None
) -> tuple[UUID, tuple[Any, ...], UUID] | None:
    """The WhatsApp message a billing or notification event asks for, if any (the channel
    policy is `projections/messaging/notices.py`): its id, (tenant, customer, template,
    variables), and what it is about (a reminder's invoice: its payment link points there).
    `subject` is whose invoice or subscription it is about."""
    notice = notice_of(recorded, subject)
    if notice is None or not notice.goes_by(Channel.WHATSAPP):
        return None
    queued = (notice.tenant_id, notice.customer_id, notice.template, notice.variables)
    return notice_id(recorded.aggregate_id, notice.reason), queued, notice.about


def _queued_row(
    message_id: UUID,
    r: RecordedEvent,
    queued: tuple[Any, ...],
    source_id: UUID,
    campaign_id: UUID | None,
) -> Row:
    tenant_id, customer_id, template, variables = queued
    return {
        "id": message_id,
        "tenant_id": tenant_id,
        "customer_id": customer_id,
        "template": template,
        "variables": jsonable(variables),
        "source_id": source_id,
        "campaign_id": campaign_id,
        "status": "queued",
        "provider": None,
        "provider_message_id": None,
        "error": None,
        "attempts": 0,
        "replied": False,
        "opted_out": False,
        "timeline": [_moment("queued", r.timestamp, None)],
        "requested_at": r.timestamp,
        "updated_at": r.timestamp,
    }


def _progressed(row: Row, r: RecordedEvent) -> None:
    """What a send, a failure, a skip, a delivery status or a reply makes of the message."""
    e = r.event
    changes: dict[str, Any]
    if isinstance(e, OutboundMessage.Sent):
        status, detail = "sent", e.provider_message_id
        changes = {
            "provider": e.provider,
            "provider_message_id": e.provider_message_id,
            "attempts": e.attempt,
            "error": None,
        }
    elif isinstance(e, OutboundMessage.Failed):
        status, detail = ("retrying" if e.will_retry else "failed"), e.error
        changes = {"attempts": e.attempt, "error": e.error}
    elif isinstance(e, OutboundMessage.Skipped):
        status, detail, changes = f"skipped_{e.reason}", None, {}
    elif isinstance(e, OutboundMessage.StatusReported):
        status, detail = e.status, e.error
        changes = {"error": e.error} if e.error else {}
    elif isinstance(e, OutboundMessage.Replied):
        # A reply is part of the timeline but leaves the delivery status as it was.
        status, detail = "replied", "STOP" if e.opted_out else None
        changes = {"replied": True, "opted_out": e.opted_out}
    else:
        return
    if not isinstance(e, OutboundMessage.Replied):
        changes["status"] = status
    row.update(changes)
    row["timeline"] = [*row["timeline"], _moment(status, r.timestamp, detail)]
    row["updated_at"] = r.timestamp


def _moment(status: str, at: datetime, detail: str | None) -> dict[str, Any]:
    return {"status": status, "at": at.isoformat(), "detail": detail}
