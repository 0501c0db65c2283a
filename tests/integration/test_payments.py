"""Payments: oldest invoice first, overpayment as credit on the next invoice, transfers."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.bootstrap import Niaga
from application.billing.invoicing import DraftInvoice, LineInput
from application.billing.ports import InvoiceFilter
from application.customers.customers import RegisterCustomer
from application.payments.payments import DuplicatePayment, RecordPayment
from application.shared.clock import FixedClock
from application.shared.context import Principal
from application.shared.errors import PermissionDenied
from domain.payments.payment import PaymentMethod, TransferRefused
from domain.shared.errors import InvalidValue
from domain.shared.roles import Role
from tests.conftest import principal_for


def _invoice(niaga: Niaga, owner: Principal, customer: object, amount: int) -> str:
    draft = niaga.invoicing.draft(
        owner,
        DraftInvoice(customer, [LineInput("charge", "Pasang baru", 1, amount)]),  # type: ignore[arg-type]
    )
    niaga.invoicing.issue(owner, draft)
    return str(draft)


def _balances(niaga: Niaga, owner: Principal) -> list[tuple[str | None, int]]:
    page = niaga.billing_queries.invoices(owner, InvoiceFilter(), 10, None)
    return sorted((i.number, i.balance_due) for i in page.items)


def test_payments_go_to_the_oldest_invoice_and_the_rest_waits_as_credit(
    niaga: Niaga, owner: Principal, clock: FixedClock
) -> None:
    customer = niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))
    _invoice(niaga, owner, customer, 100_000)
    clock.set(date(2026, 1, 6))
    _invoice(niaga, owner, customer, 50_000)

    outcome = niaga.payments.record(
        owner, RecordPayment(customer, 180_000, PaymentMethod.CASH, "KW-1")
    )

    assert outcome.credit == 30_000
    assert _balances(niaga, owner) == [("INV/2026/00001", 0), ("INV/2026/00002", 0)]
    _invoice(niaga, owner, customer, 40_000)  # the waiting credit pays most of it at once
    assert _balances(niaga, owner)[-1] == ("INV/2026/00003", 10_000)
    statement = niaga.billing_queries.statement(owner, customer)
    assert statement.balance == 10_000
    assert statement.credit_available == 0


def test_a_payment_reference_is_recorded_once(niaga: Niaga, owner: Principal) -> None:
    customer = niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))
    _invoice(niaga, owner, customer, 100_000)
    niaga.payments.record(owner, RecordPayment(customer, 10_000, PaymentMethod.CASH, "KW-9"))
    with pytest.raises(DuplicatePayment):
        niaga.payments.record(owner, RecordPayment(customer, 10_000, PaymentMethod.CASH, "KW-9"))
    with pytest.raises(InvalidValue, match="credit"):
        niaga.payments.record(owner, RecordPayment(customer, 10_000, PaymentMethod.CREDIT, "C-1"))
    assert _balances(niaga, owner) == [("INV/2026/00001", 90_000)]


def test_a_transfer_is_approved_once_by_finance(niaga: Niaga, owner: Principal) -> None:
    customer = niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))
    _invoice(niaga, owner, customer, 100_000)
    staff = principal_for(owner.tenant_id, Role.STAFF)
    finance = principal_for(owner.tenant_id, Role.FINANCE)
    transfer = niaga.payments.submit_transfer(staff, customer, 100_000, "bukti/BCA-20260105.jpg")

    with pytest.raises(PermissionDenied):
        niaga.payments.approve_transfer(staff, transfer)
    niaga.payments.approve_transfer(finance, transfer)
    with pytest.raises(TransferRefused, match="already approved"):
        niaga.payments.approve_transfer(finance, transfer)

    assert _balances(niaga, owner) == [("INV/2026/00001", 0)]


def test_a_rejected_transfer_records_no_payment(niaga: Niaga, owner: Principal) -> None:
    customer = niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))
    _invoice(niaga, owner, customer, 100_000)
    transfer = niaga.payments.submit_transfer(owner, customer, 100_000, "bukti palsu")
    niaga.payments.reject_transfer(owner, transfer, "nominal tidak masuk ke rekening")
    with pytest.raises(TransferRefused):
        niaga.payments.approve_transfer(owner, transfer)
    assert _balances(niaga, owner) == [("INV/2026/00001", 100_000)]
