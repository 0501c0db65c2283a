"""Payment use-cases: record money received, allocate it oldest invoice first, keep the rest as
credit, reactivate service that the payment clears; manual transfers wait for finance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.billing import BillingReadModels
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver, find, load, require
from domain.billing.invoice import Invoice
from domain.billing.subscription import Subscription, SubscriptionState
from domain.customers.customer import Customer
from domain.payments.payment import (
    CustomerAccount,
    OpenInvoice,
    Payment,
    PaymentMethod,
    Transfer,
)
from domain.shared.errors import InvalidValue


class DuplicatePayment(ApplicationError):
    code = "DUPLICATE_PAYMENT"


@dataclass(frozen=True)
class RecordPayment:
    customer_id: UUID
    amount: int
    method: PaymentMethod
    reference: str


@dataclass(frozen=True)
class PaymentOutcome:
    payment_id: UUID
    allocated: dict[UUID, int]
    credit: int
    reactivated: list[UUID]


# What finance records by hand or a gateway confirms; card, QRIS and e-wallet money is taken at
# the counter, and credit is applied automatically.
RECORDED_METHODS = frozenset(
    {PaymentMethod.CASH, PaymentMethod.BANK_TRANSFER, PaymentMethod.GATEWAY}
)


@dataclass(frozen=True)
class ReceivedPayment:
    """A payment and what it changed, not yet saved: the caller saves them in its transaction."""

    payment: Payment
    invoices: list[Invoice]
    account: CustomerAccount | None

    @property
    def changed(self) -> list[object]:
        return [self.payment, *self.invoices, *([self.account] if self.account else [])]


def receive_payment(
    store: EventStore,
    tenant_id: UUID,
    command: RecordPayment,
    on: date,
    open_invoices: list[OpenInvoice],
    invoice_of: Callable[[UUID], Invoice],
) -> ReceivedPayment:
    """Money received, however it arrived (a gateway, a transfer, cash, the counter): one
    Payment allocated to `open_invoices` oldest first, each share recorded on its invoice, and
    what is left kept as the customer's credit. Every way in goes through here, so the ledger,
    the payment list and the revenue report all see it. The caller has checked the customer."""
    payment = Payment.receive(
        tenant_id,
        command.customer_id,
        command.amount,
        command.method,
        command.reference,
        on,
        open_invoices,
    )
    invoices = [invoice_of(invoice_id) for invoice_id, _ in payment.allocations]
    for invoice, (_, amount) in zip(invoices, payment.allocations, strict=True):
        invoice.record_payment(payment.id, amount, on, command.method.value)
    return ReceivedPayment(payment, invoices, _account_with_credit(store, payment))


def _account_with_credit(store: EventStore, payment: Payment) -> CustomerAccount | None:
    if payment.credit == 0:
        return None
    account = find(store, CustomerAccount, CustomerAccount.id_for(payment.customer_id))
    account = account or CustomerAccount.open(payment.tenant_id, payment.customer_id)
    account.add_credit(payment.id, payment.credit)
    return account


def open_invoice(invoice: Invoice) -> OpenInvoice:
    """An issued invoice as a payment sees it: what is still due on it."""
    if invoice.issued_on is None or invoice.number is None:
        raise InvalidValue("only an issued invoice takes payments", field="invoice_id")
    return OpenInvoice(invoice.id, invoice.issued_on, invoice.number, invoice.balance_due)


class PaymentService:
    def __init__(
        self, stores: Stores, read_models: BillingReadModels, sync: ReadModelSync, clock: Clock
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._saver = Saver(sync)
        self._clock = clock

    def record(self, principal: Principal, command: RecordPayment) -> PaymentOutcome:
        authorize(principal, Permission.RECORD_PAYMENTS)
        if command.method is PaymentMethod.CREDIT:
            # Credit is money already received: it is applied to invoices, never received again.
            raise InvalidValue("credit is applied automatically, not recorded", field="method")
        if command.method not in RECORDED_METHODS:
            allowed = ", ".join(sorted(m.value for m in RECORDED_METHODS))
            raise InvalidValue(f"method must be one of {allowed}", field="method")
        return self._record(principal, command, "RecordPayment", extra=())

    def record_confirmed(
        self, principal: Principal, command: RecordPayment, extra: tuple[object, ...]
    ) -> PaymentOutcome:
        """Record a payment a gateway confirmed (its callback verified and its status API
        asked), saved atomically with the records that confirm it."""
        authorize(principal, Permission.RECORD_PAYMENTS)
        return self._record(principal, command, "RecordGatewayPayment", extra=extra)

    def submit_transfer(
        self, principal: Principal, customer_id: UUID, amount: int, proof_reference: str
    ) -> UUID:
        authorize(principal, Permission.SUBMIT_TRANSFERS)
        store = self._stores.for_tenant(principal.tenant_id)
        require(store, Customer, customer_id, principal.tenant_id, "customer", "customer_id")
        transfer = Transfer.submit(
            principal.tenant_id, customer_id, amount, proof_reference, self._today(principal)
        )
        self._saver.save(store, principal, "SubmitTransfer", transfer)
        return transfer.id

    def approve_transfer(self, principal: Principal, transfer_id: UUID) -> PaymentOutcome:
        authorize(principal, Permission.APPROVE_TRANSFERS)
        store = self._stores.for_tenant(principal.tenant_id)
        transfer = load(store, Transfer, transfer_id, principal.tenant_id, "transfer")
        command = RecordPayment(
            transfer.customer_id,
            transfer.amount,
            PaymentMethod.BANK_TRANSFER,
            f"transfer:{transfer.id}",
        )
        payment_id = Payment.id_for(principal.tenant_id, command.method.value, command.reference)
        transfer.approve(str(principal.actor), payment_id)
        return self._record(principal, command, "ApproveTransfer", extra=(transfer,))

    def reject_transfer(self, principal: Principal, transfer_id: UUID, reason: str) -> None:
        authorize(principal, Permission.APPROVE_TRANSFERS)
        store = self._stores.for_tenant(principal.tenant_id)
        transfer = load(store, Transfer, transfer_id, principal.tenant_id, "transfer")
        transfer.reject(str(principal.actor), reason)
        self._saver.save(store, principal, "RejectTransfer", transfer)

    def _record(
        self, principal: Principal, command: RecordPayment, name: str, extra: tuple[object, ...]
    ) -> PaymentOutcome:
        store = self._stores.for_tenant(principal.tenant_id)
        require(
            store, Customer, command.customer_id, principal.tenant_id, "customer", "customer_id"
        )
        if find(
            store,
            Payment,
            Payment.id_for(principal.tenant_id, command.method.value, command.reference),
        ):
            raise DuplicatePayment(
                f"payment {command.reference!r} ({command.method.value}) is already recorded",
                field="reference",
            )
        today = self._today(principal)
        open_invoices = self._read_models.open_invoices(
            store, principal.tenant_id, command.customer_id
        )
        received = receive_payment(
            store,
            principal.tenant_id,
            command,
            today,
            open_invoices,
            lambda invoice_id: load(store, Invoice, invoice_id, principal.tenant_id, "invoice"),
        )
        reactivated = self._reactivations(store, principal, received.invoices, today)
        self._saver.save(
            store,
            principal,
            name,
            *received.changed,
            *reactivated,
            *extra,
            conflict=DuplicatePayment("this payment is already recorded", field="reference"),
        )
        payment = received.payment
        return PaymentOutcome(
            payment.id, dict(payment.allocations), payment.credit, [s.id for s in reactivated]
        )

    def _reactivations(
        self, store: EventStore, principal: Principal, paid: list[Invoice], today: date
    ) -> list[Subscription]:
        """Restricted subscriptions whose overdue invoices this payment has all cleared."""
        if not paid:
            return []
        customer_id = paid[0].customer_id
        still_open = {
            o.invoice_id
            for o in self._read_models.open_invoices(store, principal.tenant_id, customer_id)
        } - {i.id for i in paid if i.balance_due == 0}
        owing: set[UUID] = set()
        for invoice_id in still_open:
            invoice = find(store, Invoice, invoice_id)
            if invoice and invoice.subscription_id and invoice.due_on and invoice.due_on < today:
                owing.add(invoice.subscription_id)
        reactivated = []
        for subscription_id in {i.subscription_id for i in paid if i.subscription_id} - owing:
            subscription = find(store, Subscription, subscription_id)
            if subscription and subscription.state in {
                SubscriptionState.SOFT_LIMITED,
                SubscriptionState.SUSPENDED,
            }:
                subscription.reactivate(today)
                reactivated.append(subscription)
        return reactivated

    def _today(self, principal: Principal) -> date:
        return self._clock.today(tenant_of(self._stores, principal.tenant_id).timezone)
