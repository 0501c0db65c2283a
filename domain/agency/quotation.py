"""Quotations: an estimate frozen for one customer under a number, valid until a date, and what
became of it.

draft -> sent -> accepted -> invoiced, or declined (from draft or sent). The lines and amounts
are the estimate's at creation: changing the rate card later changes no quotation. An accepted
quotation becomes an invoice once; the invoice's id derives from the quotation's, so a second
invoicing collides in the event store even when two race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.agency.estimate import Estimate, QuoteLine
from domain.agency.rate_card import Complexity
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.text import check_text, printable

PREFIX = "PNW"  # penawaran
DEFAULT_VALID_DAYS = 30
MAX_VALID_DAYS = 365
MAX_NOTES = 2_000
MAX_SUMMARY = 4_000
MAX_REASON = 300


class QuotationStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    INVOICED = "invoiced"


_OPEN = frozenset({QuotationStatus.DRAFT, QuotationStatus.SENT})


class QuotationRefused(DomainError):
    code = "QUOTATION_REFUSED"


class QuotationAlreadyInvoiced(QuotationRefused):
    code = "QUOTATION_ALREADY_INVOICED"


@dataclass(frozen=True)
class QuotationText:
    """What a quotation says besides its prices: notes for the client and the scope summary."""

    notes: str = ""
    summary: str | None = None


def quotation_text(notes: str | None, summary: str | None) -> QuotationText:
    checked = check_text((notes or "").strip(), "notes", max_length=MAX_NOTES)
    scope = check_text((summary or "").strip(), "summary", max_length=MAX_SUMMARY)
    return QuotationText(checked, scope or None)


def valid_until(today: date, days: int) -> date:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_VALID_DAYS:
        raise InvalidValue(f"valid_days must be 1-{MAX_VALID_DAYS}", field="valid_days")
    return date.fromordinal(today.toordinal() + days)


class Quotation(Aggregate):
    class Created(Aggregate.Created):
        tenant_id: UUID
        customer_id: UUID
        number: str
        complexity: str
        lines: list[QuoteLine]
        management_percent: int | None
        management: int
        subtotal: int
        dpp: int
        ppn: int
        total: int
        valid_until: date
        notes: str
        summary: str | None

    class Sent(Aggregate.Event):
        on: date

    class Accepted(Aggregate.Event):
        on: date

    class Declined(Aggregate.Event):
        on: date
        reason: str

    class Invoiced(Aggregate.Event):
        invoice_id: UUID
        invoice_number: str

    @staticmethod
    def invoice_id_for(quotation_id: UUID) -> UUID:
        """The one invoice a quotation may become."""
        return uuid5(quotation_id, "invoice")

    @classmethod
    def create(
        cls,
        tenant_id: UUID,
        customer_id: UUID,
        number: str,
        priced: Estimate,
        until: date,
        text: QuotationText,
    ) -> Quotation:
        return cls._create(
            cls.Created,
            id=uuid4(),
            tenant_id=tenant_id,
            customer_id=customer_id,
            number=number,
            complexity=priced.complexity.value,
            lines=list(priced.lines),
            management_percent=priced.management_percent,
            management=priced.management,
            subtotal=priced.subtotal,
            dpp=priced.dpp,
            ppn=priced.ppn,
            total=priced.total,
            valid_until=until,
            notes=text.notes,
            summary=text.summary,
        )

    @event(Created)
    def __init__(
        self,
        tenant_id: UUID,
        customer_id: UUID,
        number: str,
        complexity: str,
        lines: list[QuoteLine],
        management_percent: int | None,
        management: int,
        subtotal: int,
        dpp: int,
        ppn: int,
        total: int,
        valid_until: date,
        notes: str,
        summary: str | None,
    ) -> None:
        self.tenant_id = tenant_id
        self.customer_id = customer_id
        self.number = number
        self.complexity = Complexity(complexity)
        self.lines = list(lines)
        self.management_percent = management_percent
        self.management = management
        self.valid_until = valid_until
        self.status = QuotationStatus.DRAFT
        self.invoice_number: str | None = None

    def send(self, on: date) -> None:
        """Mark it as sent to the client; sending it again changes nothing."""
        if self.status is QuotationStatus.SENT:
            return
        self._refuse_unless_open("sent")
        self._sent(on=on)

    @event(Sent)
    def _sent(self, on: date) -> None:
        self.status = QuotationStatus.SENT

    def accept(self, on: date) -> None:
        """The client said yes, while the quotation is still valid."""
        self._refuse_unless_open("accepted")
        if on > self.valid_until:
            raise QuotationRefused(
                f"quotation {self.number} was valid until {self.valid_until.isoformat()}",
                field="id",
            )
        self._accepted(on=on)

    @event(Accepted)
    def _accepted(self, on: date) -> None:
        self.status = QuotationStatus.ACCEPTED

    def decline(self, on: date, reason: str | None) -> None:
        self._refuse_unless_open("declined")
        why = printable(" ".join((reason or "").split()), MAX_REASON)
        self._declined(on=on, reason=why)

    @event(Declined)
    def _declined(self, on: date, reason: str) -> None:
        self.status = QuotationStatus.DECLINED

    def mark_invoiced(self, invoice_id: UUID, invoice_number: str) -> None:
        """Once, and only from accepted."""
        if self.status is QuotationStatus.INVOICED:
            raise QuotationAlreadyInvoiced(
                f"quotation {self.number} was already invoiced as {self.invoice_number}",
                field="id",
            )
        if self.status is not QuotationStatus.ACCEPTED:
            raise QuotationRefused(
                f"quotation {self.number} is {self.status.value}: only an accepted quotation "
                "can be invoiced",
                field="id",
            )
        self._invoiced(invoice_id=invoice_id, invoice_number=invoice_number)

    @event(Invoiced)
    def _invoiced(self, invoice_id: UUID, invoice_number: str) -> None:
        self.status = QuotationStatus.INVOICED
        self.invoice_number = invoice_number

    def _refuse_unless_open(self, wanted: str) -> None:
        if self.status not in _OPEN:
            raise QuotationRefused(
                f"quotation {self.number} is {self.status.value} and cannot be {wanted}",
                field="id",
            )


class QuotationNumbering(Aggregate):
    """Hands out a tenant's quotation numbers for one year, without gaps: saved with the
    quotation it numbers, so two racing for a number collide and one takes the next."""

    class Started(Aggregate.Created):
        tenant_id: UUID
        year: int

    class NumberTaken(Aggregate.Event):
        number: int

    @staticmethod
    def id_for(tenant_id: UUID, year: int) -> UUID:
        return uuid5(tenant_id, f"quotation-numbering:{year}")

    @classmethod
    def start(cls, tenant_id: UUID, year: int) -> QuotationNumbering:
        return cls._create(
            cls.Started, id=cls.id_for(tenant_id, year), tenant_id=tenant_id, year=year
        )

    @event(Started)
    def __init__(self, tenant_id: UUID, year: int) -> None:
        self.tenant_id = tenant_id
        self.year = year
        self.last = 0

    def take(self) -> str:
        """The next number: PNW/2026/00001."""
        self._taken(number=self.last + 1)
        return f"{PREFIX}/{self.year}/{self.last:05d}"

    @event(NumberTaken)
    def _taken(self, number: int) -> None:
        self.last = number
