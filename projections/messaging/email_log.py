"""`email_log`: every e-mail Niaga means to send and its timeline.

The notices the log asks for (invoice issued, payment received, reactivation, reminders and every
other notification request for a customer) are queued here by the same policy that queues them
for WhatsApp (`projections/messaging/notices.py`); e-mails asked for directly (the owner's
digest, the platform's warnings, a sign-in link) by their `OutboundEmail.Queued`. The e-mail
dispatcher follows the queued rows. A row's id is the id its e-mail record will have, so an
e-mail is queued once however often the log is replayed.

A page is applied in memory over the rows it touches (one query per table to load them, one
statement per table to write them back), like `message_log`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Cursor

from domain.messaging.email import OutboundEmail, email_id
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

EMAILS = "email_log"
EMAIL_COLUMNS = (
    "id",
    "tenant_id",
    "customer_id",
    "template",
    "variables",
    "source_id",
    "status",
    "error",
    "attempts",
    "timeline",
    "requested_at",
    "updated_at",
)
EMAIL_JSONB = frozenset({"variables", "timeline"})
SUBJECTS = "email_subjects"
SUBJECT_COLUMNS = ("id", "tenant_id", "customer_id", "plan")
_PROGRESS = (OutboundEmail.Sent, OutboundEmail.Failed, OutboundEmail.Skipped)


class EmailLogProjection:
    name: str = "email_log"
    event_types: tuple[type, ...] = (*NOTICE_EVENTS, OutboundEmail.Queued, *_PROGRESS)
    tables: tuple[str, ...] = (EMAILS, SUBJECTS)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        page = _Page.load(cur, schema, events)
        for recorded in events:
            page.apply(recorded)
        page.save(cur, schema)


@dataclass
class _Page:
    """A page's e-mails and subjects in memory. An e-mail is queued once (the first request
    wins); progress only changes an e-mail already queued."""

    subjects: dict[UUID, Row]
    emails: dict[UUID, Row]
    new_subjects: list[Row] = field(default_factory=list)
    new_emails: set[UUID] = field(default_factory=set)
    changed: set[UUID] = field(default_factory=set)

    @classmethod
    def load(cls, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> _Page:
        about = {
            r.aggregate_id for r in events if isinstance(r.event, NAMES_SUBJECT + NEEDS_SUBJECT)
        }
        progressing = {r.aggregate_id for r in events if isinstance(r.event, _PROGRESS)}
        return cls(
            table_rows.load(cur, schema, SUBJECTS, SUBJECT_COLUMNS, "id", about),
            table_rows.load(cur, schema, EMAILS, EMAIL_COLUMNS, "id", progressing),
        )

    def apply(self, recorded: RecordedEvent) -> None:
        e = recorded.event
        if isinstance(e, NAMES_SUBJECT):
            self._subject(recorded)
        elif isinstance(e, OutboundEmail.Queued):
            queued = (e.tenant_id, e.customer_id, e.template, dict(e.variables), e.source_id)
            self._queue(recorded.aggregate_id, recorded, queued)
        elif isinstance(e, _PROGRESS):
            self._progress(recorded)
        else:
            notice = notice_of(recorded, self.subjects.get(recorded.aggregate_id))
            if notice is not None and notice.goes_by(Channel.EMAIL):
                asked = (notice.tenant_id, notice.customer_id, notice.template, notice.variables)
                message_id = email_id(recorded.aggregate_id, notice.reason)
                self._queue(message_id, recorded, (*asked, notice.about))

    def save(self, cur: Cursor[Any], schema: str) -> None:
        if self.new_subjects:  # looked up and not found: they cannot be there
            table_rows.copy_in(cur, schema, SUBJECTS, SUBJECT_COLUMNS, self.new_subjects)
        new = [self.emails[i] for i in self.new_emails]
        table_rows.insert_absent(cur, schema, EMAILS, EMAIL_COLUMNS, "id", new, EMAIL_JSONB)
        changed = [self.emails[i] for i in self.changed - self.new_emails]
        table_rows.upsert(cur, schema, EMAILS, EMAIL_COLUMNS, "id", changed, EMAIL_JSONB)

    def _subject(self, r: RecordedEvent) -> None:
        if r.aggregate_id in self.subjects:
            return  # the first event naming it wins
        row = subject_row(r)
        self.subjects[r.aggregate_id] = row
        self.new_subjects.append(row)

    def _queue(self, message_id: UUID, r: RecordedEvent, queued: tuple[Any, ...]) -> None:
        if message_id in self.emails:
            return
        tenant_id, customer_id, template, variables, source_id = queued
        self.emails[message_id] = {
            "id": message_id,
            "tenant_id": tenant_id,
            "customer_id": customer_id,
            "template": template,
            "variables": jsonable(variables),
            "source_id": source_id,
            "status": "queued",
            "error": None,
            "attempts": 0,
            "timeline": [_moment("queued", r.timestamp, None)],
            "requested_at": r.timestamp,
            "updated_at": r.timestamp,
        }
        self.new_emails.add(message_id)

    def _progress(self, r: RecordedEvent) -> None:
        row = self.emails.get(r.aggregate_id)
        if row is None:
            return
        e = r.event
        if isinstance(e, OutboundEmail.Sent):
            status, detail = "sent", e.smtp_reply
            row.update(attempts=e.attempt, error=None)
        elif isinstance(e, OutboundEmail.Failed):
            status, detail = ("retrying" if e.will_retry else "failed"), e.error
            row.update(attempts=e.attempt, error=e.error)
        else:
            status, detail = f"skipped_{e.reason}", None
        row["status"] = status
        row["timeline"] = [*row["timeline"], _moment(status, r.timestamp, detail)]
        row["updated_at"] = r.timestamp
        self.changed.add(r.aggregate_id)


def _moment(status: str, at: datetime, detail: str | None) -> dict[str, Any]:
    return {"status": status, "at": at.isoformat(), "detail": detail}
