"""Money received from a customer, allocated to their open invoices oldest first; what is left
over becomes credit on their account, applied to the next invoice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import DomainError
from domain.shared.money import positive_amount
from domain.shared.payloads import typed_fields
from domain.shared.text import check_text
from domain.shared.values import require_text


class PaymentMethod(StrEnum):
    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"
    GATEWAY = "gateway"
    CREDIT = "credit"
    # Taken at the counter, beside cash and transfers.
    QRIS = "qris"
    DEBIT_CARD = "debit_card"
    CREDIT_CARD = "credit_card"
    EWALLET = "ewallet"


@dataclass(frozen=True)
class OpenInvoice:
    invoice_id: UUID
    issued_on: date
    number: str
    balance_due: int


@dataclass(frozen=True)
class Allocation:
    """The share of a payment that went to one invoice."""

    invoice_id: UUID
    amount: int


def allocate(amount: int, invoices: list[OpenInvoice]) -> tuple[list[tuple[UUID, int]], int]:
    """Split `amount` over invoices, oldest first; return (allocations, left over)."""
    left = amount
    allocations: list[tuple[UUID, int]] = []
    for invoice in sorted(invoices, key=lambda i: (i.issued_on, i.number)):
        if left == 0:
            break
        share = min(left, invoice.balance_due)
        if share > 0:
            allocations.append((invoice.invoice_id, share))
            left -= share
    return allocations, left


class Payment(Aggregate):
    class Received(Aggregate.Created):
        class_version = 2  # version 1 held `allocations` as plain JSON objects
        tenant_id: UUID
        customer_id: UUID
        amount: int
        method: str
        reference: str
        received_on: date
        allocations: list[Allocation]
        credit: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            typed_fields(state, allocations=list[Allocation])

    @staticmethod
    def id_for(tenant_id: UUID, method: str, reference: str) -> UUID:
        """A payment's id derives from its source reference, so a repeat is recognised. A
        reference that is no storable text is refused here: looking it up comes first."""
        return uuid5(tenant_id, f"payment:{method}:{check_text(reference, 'reference')}")

    @classmethod
    def receive(
        cls,
        tenant_id: UUID,
        customer_id: UUID,
        amount: int,
        method: PaymentMethod,
        reference: str,
        received_on: date,
        open_invoices: list[OpenInvoice],
    ) -> Payment:
        positive_amount(amount)
        reference = require_text(reference, "reference", 120)
        allocations, credit = allocate(amount, open_invoices)
        return cls._create(
            cls.Received,
            id=cls.id_for(tenant_id, method.value, reference),
            tenant_id=tenant_id,
            customer_id=customer_id,
            amount=amount,
            method=method.value,
            reference=reference,
            received_on=received_on,
            allocations=[Allocation(i, a) for i, a in allocations],
            credit=credit,
        )

    @event(Received)
    def __init__(
        self,
        tenant_id: UUID,
        customer_id: UUID,
        amount: int,
        method: str,
        reference: str,
        received_on: date,
        allocations: list[Allocation],
        credit: int,
    ) -> None:
        self.tenant_id = tenant_id
        self.customer_id = customer_id
        self.amount = amount
        self.method = PaymentMethod(method)
        self.reference = reference
        self.received_on = received_on
        self.allocations = [(a.invoice_id, a.amount) for a in allocations]
        self.credit = credit


class CustomerAccount(Aggregate):
    """A customer's credit: overpayments wait here for the next invoice."""

    class Opened(Aggregate.Created):
        tenant_id: UUID
        customer_id: UUID

    class CreditAdded(Aggregate.Event):
        payment_id: UUID
        amount: int
        credit_after: int

    class CreditApplied(Aggregate.Event):
        invoice_id: UUID
        amount: int
        credit_after: int

    @staticmethod
    def id_for(customer_id: UUID) -> UUID:
        return uuid5(customer_id, "account")

    @classmethod
    def open(cls, tenant_id: UUID, customer_id: UUID) -> CustomerAccount:
        return cls._create(
            cls.Opened, id=cls.id_for(customer_id), tenant_id=tenant_id, customer_id=customer_id
        )

    @event(Opened)
    def __init__(self, tenant_id: UUID, customer_id: UUID) -> None:
        self.tenant_id = tenant_id
        self.customer_id = customer_id
        self.credit = 0

    def add_credit(self, payment_id: UUID, amount: int) -> None:
        positive_amount(amount)
        self._credit_added(payment_id=payment_id, amount=amount, credit_after=self.credit + amount)

    @event(CreditAdded)
    def _credit_added(self, payment_id: UUID, amount: int, credit_after: int) -> None:
        self.credit = credit_after

    def apply_credit(self, invoice_id: UUID, balance_due: int) -> int:
        """Use credit towards an invoice; returns the amount applied (0 when there is none)."""
        amount = min(self.credit, balance_due)
        if amount > 0:
            self._credit_applied(
                invoice_id=invoice_id, amount=amount, credit_after=self.credit - amount
            )
        return amount

    @event(CreditApplied)
    def _credit_applied(self, invoice_id: UUID, amount: int, credit_after: int) -> None:
        self.credit = credit_after


class TransferState(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class TransferRefused(DomainError):
    code = "TRANSFER_REFUSED"


class Transfer(Aggregate):
    """A manual bank transfer with a proof reference, waiting for finance to approve it."""

    class Submitted(Aggregate.Created):
        tenant_id: UUID
        customer_id: UUID
        amount: int
        proof_reference: str
        submitted_on: date

    class Approved(Aggregate.Event):
        approved_by: str
        payment_id: UUID

    class Rejected(Aggregate.Event):
        rejected_by: str
        reason: str

    @classmethod
    def submit(
        cls, tenant_id: UUID, customer_id: UUID, amount: int, proof_reference: str, on: date
    ) -> Transfer:
        return cls(
            tenant_id=tenant_id,
            customer_id=customer_id,
            amount=positive_amount(amount),
            proof_reference=require_text(proof_reference, "proof_reference", 200),
            submitted_on=on,
        )

    @event(Submitted)
    def __init__(
        self,
        tenant_id: UUID,
        customer_id: UUID,
        amount: int,
        proof_reference: str,
        submitted_on: date,
    ) -> None:
        self.tenant_id = tenant_id
        self.customer_id = customer_id
        self.amount = amount
        self.proof_reference = proof_reference
        self.submitted_on = submitted_on
        self.state = TransferState.SUBMITTED

    def approve(self, approved_by: str, payment_id: UUID) -> None:
        self._require_submitted()
        self._approved(approved_by=approved_by, payment_id=payment_id)

    @event(Approved)
    def _approved(self, approved_by: str, payment_id: UUID) -> None:
        self.state = TransferState.APPROVED

    def reject(self, rejected_by: str, reason: str) -> None:
        self._require_submitted()
        self._rejected(rejected_by=rejected_by, reason=require_text(reason, "reason", 200))

    @event(Rejected)
    def _rejected(self, rejected_by: str, reason: str) -> None:
        self.state = TransferState.REJECTED

    def _require_submitted(self) -> None:
        if self.state is not TransferState.SUBMITTED:
            raise TransferRefused(f"transfer is already {self.state.value}")
