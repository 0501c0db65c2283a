"""Invoices: lines, PPN, a gapless number given at issue, payments, voids and credit notes.

drafted -> issued -> partially_paid -> paid; an issued invoice without payments can be voided;
credit notes reduce what an issued invoice asks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.billing.tax import ppn
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.money import IDR, positive_amount
from domain.shared.payloads import typed_fields
from domain.shared.values import require_text

LINE_KINDS = frozenset({"plan", "proration", "discount", "charge", "service", "item"})


class InvoiceStatus(StrEnum):
    DRAFTED = "drafted"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"


class InvoiceRefused(DomainError):
    code = "INVOICE_REFUSED"


@dataclass(frozen=True)
class Line:
    kind: str
    description: str
    quantity: int
    unit_price: int
    taxable: bool

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


def new_line(kind: str, description: str, quantity: int, unit_price: int, taxable: bool) -> Line:
    if kind not in LINE_KINDS:
        raise InvalidValue(f"unknown line kind {kind!r}", field="kind")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 10_000:
        raise InvalidValue("quantity must be 1-10000", field="quantity")
    if isinstance(unit_price, bool) or not isinstance(unit_price, int):
        raise InvalidValue("unit price must be a whole amount", field="unit_price")
    if kind != "discount" and kind != "proration" and unit_price <= 0:
        raise InvalidValue("unit price must be above zero", field="unit_price")
    return Line(kind, require_text(description, "description", 200), quantity, unit_price, taxable)


@dataclass(frozen=True)
class Totals:
    subtotal: int
    taxable: int
    dpp: int
    ppn: int
    total: int


def totals(lines: list[Line], *, pkp: bool) -> Totals:
    """Subtotal of the lines, PPN on the taxable part (when the seller is PKP), and the total."""
    subtotal = sum(line.amount for line in lines)
    taxable = max(sum(line.amount for line in lines if line.taxable), 0)
    tax = ppn(taxable, pkp=pkp)
    return Totals(subtotal, taxable, tax.dpp, tax.ppn, subtotal + tax.ppn)


class Invoice(Aggregate):
    class Drafted(Aggregate.Created):
        class_version = 2  # version 1 held `lines` as plain JSON objects
        tenant_id: UUID
        customer_id: UUID
        subscription_id: UUID | None
        period: str | None
        lines: list[Line]
        pkp: bool
        currency: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            typed_fields(state, lines=list[Line])

    class Issued(Aggregate.Event):
        number: str
        issued_on: date
        due_on: date
        subtotal: int
        dpp: int
        ppn: int
        total: int

    class PaymentRecorded(Aggregate.Event):
        payment_id: UUID
        amount: int
        paid_on: date
        method: str
        balance_due: int

    class Paid(Aggregate.Event):
        paid_on: date

    class Voided(Aggregate.Event):
        reason: str
        on: date

    class Credited(Aggregate.Event):
        credit_note: str
        amount: int
        reason: str
        balance_due: int
        on: date

    @staticmethod
    def id_for_period(subscription_id: UUID, period_key: str) -> UUID:
        """One invoice per subscription and period: a second billing run finds it already there."""
        return uuid5(subscription_id, f"invoice:{period_key}")

    @event(Drafted)
    def __init__(
        self,
        tenant_id: UUID,
        customer_id: UUID,
        subscription_id: UUID | None,
        period: str | None,
        lines: list[Line],
        pkp: bool,
        currency: str,
    ) -> None:
        self.tenant_id = tenant_id
        self.customer_id = customer_id
        self.subscription_id = subscription_id
        self.period = period
        self.lines = list(lines)
        self.pkp = pkp
        self.currency = currency
        self.status = InvoiceStatus.DRAFTED
        self.number: str | None = None
        self.issued_on: date | None = None
        self.due_on: date | None = None
        self.total = 0
        self.paid = 0
        self.credited = 0
        self.credit_notes = 0
        self.payments: set[UUID] = set()
        self.last_paid_on: date | None = None

    @classmethod
    def draft(
        cls,
        tenant_id: UUID,
        customer_id: UUID,
        lines: list[Line],
        *,
        pkp: bool,
        subscription_id: UUID | None = None,
        period: str | None = None,
        invoice_id: UUID | None = None,
    ) -> Invoice:
        if not lines:
            raise InvalidValue("an invoice needs at least one line", field="lines")
        if totals(lines, pkp=pkp).total < 0:
            raise InvalidValue("an invoice cannot total below zero", field="lines")
        kwargs = {"id": invoice_id} if invoice_id else {}
        return cls._create(
            cls.Drafted,
            tenant_id=tenant_id,
            customer_id=customer_id,
            subscription_id=subscription_id,
            period=period,
            lines=list(lines),
            pkp=pkp,
            currency=IDR,
            **kwargs,
        )

    @property
    def totals(self) -> Totals:
        return totals(self.lines, pkp=self.pkp)

    @property
    def balance_due(self) -> int:
        return max(self.total - self.paid - self.credited, 0)

    def issue(self, number: str, issued_on: date, due_on: date) -> None:
        if self.status is not InvoiceStatus.DRAFTED:
            raise InvoiceRefused(f"invoice is already {self.status.value}")
        if due_on < issued_on:
            raise InvalidValue("the due date cannot be before the issue date", field="due_on")
        t = self.totals
        self._issued(
            number=number,
            issued_on=issued_on,
            due_on=due_on,
            subtotal=t.subtotal,
            dpp=t.dpp,
            ppn=t.ppn,
            total=t.total,
        )

    @event(Issued)
    def _issued(
        self,
        number: str,
        issued_on: date,
        due_on: date,
        subtotal: int,
        dpp: int,
        ppn: int,
        total: int,
    ) -> None:
        self.number = number
        self.issued_on = issued_on
        self.due_on = due_on
        self.total = total
        self.status = InvoiceStatus.PAID if total == 0 else InvoiceStatus.ISSUED

    def record_payment(self, payment_id: UUID, amount: int, paid_on: date, method: str) -> None:
        """Apply part or all of a payment; more than the balance due is refused."""
        positive_amount(amount)
        if self.status not in {InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID}:
            raise InvoiceRefused(f"a {self.status.value} invoice cannot take payments")
        if payment_id in self.payments:
            return  # the same payment applied again changes nothing
        if amount > self.balance_due:
            raise InvoiceRefused(
                f"payment of {amount} exceeds the balance due of {self.balance_due}", field="amount"
            )
        self._payment_recorded(
            payment_id=payment_id,
            amount=amount,
            paid_on=paid_on,
            method=method,
            balance_due=self.balance_due - amount,
        )
        if self.balance_due == 0:
            self._paid(paid_on=paid_on)

    @event(PaymentRecorded)
    def _payment_recorded(
        self, payment_id: UUID, amount: int, paid_on: date, method: str, balance_due: int
    ) -> None:
        self.paid += amount
        self.payments.add(payment_id)
        self.last_paid_on = paid_on
        self.status = InvoiceStatus.PARTIALLY_PAID

    @event(Paid)
    def _paid(self, paid_on: date) -> None:
        self.status = InvoiceStatus.PAID

    def void(self, reason: str, on: date) -> None:
        """Cancel an invoice nobody has paid or credited; otherwise a credit note is the way."""
        if self.status is InvoiceStatus.VOID:
            raise InvoiceRefused("invoice is already void")
        if self.paid or self.credited:
            raise InvoiceRefused(
                "an invoice with payments or credit notes cannot be voided; issue a credit note"
            )
        self._voided(reason=require_text(reason, "reason", 200), on=on)

    @event(Voided)
    def _voided(self, reason: str, on: date) -> None:
        self.status = InvoiceStatus.VOID

    def credit(self, amount: int, reason: str, on: date) -> str:
        """Issue a credit note against the invoice; returns its number."""
        positive_amount(amount)
        if self.status not in {InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID}:
            raise InvoiceRefused(f"a {self.status.value} invoice cannot be credited")
        if amount > self.balance_due:
            raise InvoiceRefused(
                f"credit of {amount} exceeds the balance due of {self.balance_due}", field="amount"
            )
        note = f"{self.number}-CN{self.credit_notes + 1}"
        self._credited(
            credit_note=note,
            amount=amount,
            reason=require_text(reason, "reason", 200),
            balance_due=self.balance_due - amount,
            on=on,
        )
        return note

    @event(Credited)
    def _credited(
        self, credit_note: str, amount: int, reason: str, balance_due: int, on: date
    ) -> None:
        self.credited += amount
        self.credit_notes += 1
        if self.balance_due == 0:
            self.status = InvoiceStatus.PAID


class NumberingReset(StrEnum):
    YEARLY = "yearly"
    MONTHLY = "monthly"


class InvoiceNumbering(Aggregate):
    """Hands out a tenant's invoice numbers for one period, without gaps.

    Saved together with the invoices it numbers, so two issuers racing for a number collide in the
    event store and one retries: numbers are never skipped or repeated.
    """

    class Started(Aggregate.Created):
        prefix: str
        period: str

    class NumbersTaken(Aggregate.Event):
        first: int
        count: int

    @staticmethod
    def id_for(tenant_id: UUID, period: str) -> UUID:
        return uuid5(tenant_id, f"invoice-numbering:{period}")

    @staticmethod
    def period_of(on: date, reset: NumberingReset) -> str:
        return f"{on:%Y}" if reset is NumberingReset.YEARLY else f"{on:%Y/%m}"

    @classmethod
    def start(cls, tenant_id: UUID, prefix: str, period: str) -> InvoiceNumbering:
        return cls._create(
            cls.Started, id=cls.id_for(tenant_id, period), prefix=prefix, period=period
        )

    @event(Started)
    def __init__(self, prefix: str, period: str) -> None:
        self.prefix = prefix
        self.period = period
        self.last = 0

    def take(self, count: int) -> list[str]:
        if count < 1:
            raise InvalidValue("take at least one number", field="count")
        first = self.last + 1
        self._taken(first=first, count=count)
        return [f"{self.prefix}/{self.period}/{n:05d}" for n in range(first, first + count)]

    @event(NumbersTaken)
    def _taken(self, first: int, count: int) -> None:
        self.last = first + count - 1


class BillingDay(Aggregate):
    """Marks a tenant's billing run for a day as complete, so running it again is refused
    (while an interrupted run, never marked, simply resumes)."""

    class Completed(Aggregate.Created):
        tenant_id: UUID
        on: date
        invoices: int
        total: int

    class Extended(Aggregate.Event):
        invoices: int
        total: int

    @staticmethod
    def id_for(tenant_id: UUID, on: date) -> UUID:
        return uuid5(tenant_id, f"billing-day:{on.isoformat()}")

    @classmethod
    def complete(cls, tenant_id: UUID, on: date, invoices: int, total: int) -> BillingDay:
        return cls._create(
            cls.Completed,
            id=cls.id_for(tenant_id, on),
            tenant_id=tenant_id,
            on=on,
            invoices=invoices,
            total=total,
        )

    @event(Completed)
    def __init__(self, tenant_id: UUID, on: date, invoices: int, total: int) -> None:
        self.tenant_id = tenant_id
        self.on = on
        self.invoices = invoices
        self.total = total

    def extend(self, invoices: int, total: int) -> None:
        """Subscriptions that fell due later that day were billed by a further run."""
        self._extended(invoices=invoices, total=total)

    @event(Extended)
    def _extended(self, invoices: int, total: int) -> None:
        self.invoices += invoices
        self.total += total
