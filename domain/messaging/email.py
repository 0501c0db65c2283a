"""E-mail: one message to one address and what became of it.

An e-mail goes to a customer (its address is read from the customer's record when it is sent,
so a forgotten customer gets none) or to an address that is no customer (the owner's digest, a
sign-in link), sealed with the platform key. No address is stored in clear in these events.
Its id derives from what caused it, so asking twice finds the first.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import InvalidValue
from domain.shared.text import check_all_text, check_line, printable

MAX_ATTEMPTS = 6


class EmailStatus(StrEnum):
    QUEUED = "queued"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED_NO_ADDRESS = "skipped_no_address"
    SKIPPED_FORGOTTEN = "skipped_forgotten"
    SKIPPED_NO_TEMPLATE = "skipped_no_template"


class SkipReason(StrEnum):
    NO_ADDRESS = "no_address"  # the customer has no e-mail address
    FORGOTTEN = "forgotten"  # the customer was forgotten (UU PDP): nothing is sent
    NO_TEMPLATE = "no_template"  # nothing in the e-mail templates says how to write it


def email_id(source_id: UUID, reason: str) -> UUID:
    """The id of the e-mail that `source_id` causes for `reason` (one per cause)."""
    return uuid5(source_id, f"email:{reason}")


class OutboundEmail(Aggregate):
    """One e-mail to one customer (or to an address that is no customer, sealed) and what
    became of it: sent with the mail server's answer, failed with its words, or skipped."""

    class Queued(Aggregate.Created):
        tenant_id: UUID
        customer_id: UUID | None
        template: str
        variables: dict[str, str]
        source_id: UUID  # what it is about: invoice, payment, digest, sign-in
        recipient_sealed: str | None  # only for an address that is no customer

    class Sent(Aggregate.Event):
        attempt: int
        smtp_reply: str

    class Failed(Aggregate.Event):
        error: str
        attempt: int
        will_retry: bool

    class Skipped(Aggregate.Event):
        reason: str

    @classmethod
    def queue(
        cls,
        message_id: UUID,
        tenant_id: UUID,
        customer_id: UUID | None,
        template: str,
        variables: dict[str, str],
        source_id: UUID,
        recipient_sealed: str | None = None,
    ) -> OutboundEmail:
        if customer_id is None and recipient_sealed is None:
            raise InvalidValue("an e-mail needs a customer or a recipient", field="customer_id")
        check_line(template, "template", max_length=64)
        check_all_text({"variables": variables})
        return cls._create(
            cls.Queued,
            id=message_id,
            tenant_id=tenant_id,
            customer_id=customer_id,
            template=template,
            variables=dict(variables),
            source_id=source_id,
            recipient_sealed=recipient_sealed,
        )

    @event(Queued)
    def __init__(
        self,
        tenant_id: UUID,
        customer_id: UUID | None,
        template: str,
        variables: dict[str, str],
        source_id: UUID,
        recipient_sealed: str | None,
    ) -> None:
        self.tenant_id, self.customer_id, self.template = tenant_id, customer_id, template
        self.variables, self.source_id = variables, source_id
        self.recipient_sealed = recipient_sealed
        self.attempts = 0
        self.status = EmailStatus.QUEUED

    @property
    def finished(self) -> bool:
        """Sent or given up on: a send job finding it so does nothing (jobs run twice)."""
        return self.status not in {EmailStatus.QUEUED, EmailStatus.RETRYING}

    def sent(self, smtp_reply: str) -> None:
        self._sent(attempt=self.attempts + 1, smtp_reply=printable(smtp_reply, 500))

    @event(Sent)
    def _sent(self, attempt: int, smtp_reply: str) -> None:
        self.attempts, self.status = attempt, EmailStatus.SENT

    def failed(self, error: str, retryable: bool) -> bool:
        """Record a failed attempt; True if it will be retried (attempts remain)."""
        will_retry = retryable and self.attempts + 1 < MAX_ATTEMPTS
        self._failed(error=printable(error, 500), attempt=self.attempts + 1, will_retry=will_retry)
        return will_retry

    @event(Failed)
    def _failed(self, error: str, attempt: int, will_retry: bool) -> None:
        self.attempts = attempt
        self.status = EmailStatus.RETRYING if will_retry else EmailStatus.FAILED

    def skip(self, reason: SkipReason) -> None:
        self._skipped(reason=reason.value)

    @event(Skipped)
    def _skipped(self, reason: str) -> None:
        self.status = EmailStatus(f"skipped_{reason}")
