"""Ports of e-mail: the mail server that carries a message, the templates that write it, and the
read model that says what is waiting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore


class MailUnavailable(ApplicationError):
    """The mail server did not take the message (unreachable, timed out, a 4xx answer): worth
    retrying."""

    code = "EMAIL_UNAVAILABLE"


class MailRejected(ApplicationError):
    """The mail server refused the message for good (a 5xx answer: no such mailbox, policy)."""

    code = "EMAIL_REJECTED"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class OutgoingEmail:
    """A written e-mail to one address; `message_id` is the e-mail's own id, so a receiver can
    tell a resend from a new message."""

    to: str
    sender_name: str
    message_id: UUID
    content: RenderedEmail


class Mailer(Protocol):
    def send(self, email: OutgoingEmail) -> str:
        """Hand the e-mail to the mail server; return its answer. Raises MailUnavailable or
        MailRejected."""
        ...


class EmailTemplates(Protocol):
    def knows(self, template: str) -> bool:
        """Whether an e-mail can be written for this template name (its own files, or the
        general notice layout around the WhatsApp wording)."""
        ...

    def render(self, template: str, values: dict[str, str]) -> RenderedEmail | None:
        """Subject, plain text and HTML in Indonesian; None if nothing says how to write it
        (no file of its own, and no `pesan` to put in the general notice)."""
        ...


@dataclass(frozen=True)
class PendingEmail:
    """An e-mail the log says should go out, as its read-model row has it."""

    id: UUID
    tenant_id: UUID
    customer_id: UUID | None
    template: str
    variables: dict[str, str]
    source_id: UUID
    status: str
    attempts: int
    updated_at: datetime
    requested_at: datetime


@dataclass(frozen=True)
class EmailLogEntry:
    id: UUID
    customer_id: UUID | None
    template: str
    status: str
    error: str | None
    attempts: int
    timeline: list[dict[str, Any]]
    requested_at: datetime


class EmailReadModels(Protocol):
    def pending(self, store: EventStore, limit: int) -> list[PendingEmail]:
        """Queued or retrying e-mails of this store that can go: to an address of their own,
        or to a customer whose record has an address and is not forgotten."""
        ...

    def email(self, store: EventStore, email_id: UUID) -> PendingEmail | None: ...

    def email_log(self, store: EventStore, tenant_id: UUID, limit: int) -> list[EmailLogEntry]:
        """The tenant's e-mails, oldest first."""
        ...

    def plan_of(self, store: EventStore, tenant_id: UUID, customer_id: UUID) -> str | None:
        """The plan of the customer's first live subscription, for {paket}."""
        ...
