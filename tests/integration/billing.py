"""Billing histories for integration tests: the domain aggregates driven directly and saved with
who and why, as the application services would save them."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError

from adapters.billing.read_models import PostgresBillingReadModels
from adapters.bootstrap import Niaga
from application.billing.billing_run import bill_due_period
from application.customers.customers import RegisterCustomer
from application.shared.context import Principal, recording
from domain.billing.invoice import Invoice, new_line
from domain.billing.plan import BillingMode, Plan, ServiceType
from domain.billing.subscription import Subscription
from domain.payments.payment import CustomerAccount, Payment, PaymentMethod, Transfer

A = TypeVar("A")


class Books:
    """One tenant's billing, kept by hand: every change is saved like a command would save it."""

    def __init__(self, niaga: Niaga, owner: Principal) -> None:
        self.niaga = niaga
        self.owner = owner
        self.tenant_id = owner.tenant_id
        self.store = niaga.stores.for_tenant(owner.tenant_id)
        self.read = PostgresBillingReadModels(niaga.stores)
        self._numbers = itertools.count(1)
        self._phones = itertools.count(1)

    # -- plumbing --------------------------------------------------------------------------

    def save(self, command: str, *aggregates: Any) -> None:
        with recording(command, actor=self.owner.actor, tenant_id=self.tenant_id):
            self.store.save_and_locate(*aggregates)

    def get(self, kind: type[A], aggregate_id: UUID) -> A:
        aggregate = self.store.repository.get(aggregate_id)
        assert isinstance(aggregate, kind)
        return aggregate

    def caught_up(self) -> None:
        self.niaga.projections.catch_up(self.store)  # type: ignore[arg-type]

    # -- customers and plans ---------------------------------------------------------------

    def customer(self, name: str) -> UUID:
        phone = f"0812{next(self._phones):08d}"
        return self.niaga.customers.register(self.owner, RegisterCustomer(name, phone))

    def plan(
        self,
        name: str,
        price: int,
        mode: BillingMode = BillingMode.POSTPAID,
        validity_days: int = 30,
        taxable: bool = True,
    ) -> UUID:
        plan = Plan.create(
            self.tenant_id,
            name,
            price,
            f"profile-{price}",
            ServiceType.PPPOE,
            mode,
            validity_days=validity_days,
            taxable=taxable,
        )
        self.save("CreatePlan", plan)
        return plan.id

    def change_plan_price(self, plan_id: UUID, price: int) -> None:
        plan = self.get(Plan, plan_id)
        plan.change_price(price)
        self.save("ChangePlanPrice", plan)

    # -- subscriptions ---------------------------------------------------------------------

    def subscribe(
        self,
        customer_id: UUID,
        plan_id: UUID,
        activated_on: date | None,
        username: str,
        router: str = "core-1",
        billing_day: int = 1,
        promotion: str | None = None,
    ) -> UUID:
        plan = self.get(Plan, plan_id)
        subscription = Subscription.subscribe(
            self.tenant_id, customer_id, plan, billing_day, router, username, promotion
        )
        if activated_on is not None:
            subscription.activate(activated_on)
        self.save("Subscribe", subscription)
        return subscription.id

    def change(self, subscription_id: UUID, command: str, **kwargs: Any) -> None:
        """Call a lifecycle method (soft_limit, suspend, reactivate, terminate, activate)."""
        subscription = self.get(Subscription, subscription_id)
        getattr(subscription, command)(**kwargs)
        self.save(command, subscription)

    def change_subscription_plan(self, subscription_id: UUID, plan_id: UUID, on: date) -> None:
        subscription = self.get(Subscription, subscription_id)
        subscription.change_plan(self.get(Plan, plan_id), on)
        self.save("ChangeSubscriptionPlan", subscription)

    def bill(self, subscription_id: UUID, due_days: int = 7) -> UUID:
        """Invoice the subscription's next period, issued on its billing date."""
        subscription = self.get(Subscription, subscription_id)
        issued_on = subscription.next_bill_on
        assert issued_on is not None
        invoice = bill_due_period(subscription, pkp=False)
        invoice.issue(self.number(issued_on), issued_on, issued_on + timedelta(days=due_days))
        self.save("RunBilling", subscription, invoice)
        return invoice.id

    # -- invoices --------------------------------------------------------------------------

    def number(self, on: date) -> str:
        return f"INV/{on:%Y}/{next(self._numbers):05d}"

    def invoice(
        self,
        customer_id: UUID,
        amount: int,
        issued_on: date | None,
        due_on: date | None = None,
        *,
        pkp: bool = False,
        taxable: bool = True,
        use_credit: bool = False,
    ) -> UUID:
        """A one-line invoice, issued on `issued_on` (left a draft when None)."""
        invoice = Invoice.draft(
            self.tenant_id,
            customer_id,
            [new_line("service", "Jasa pemasangan", 1, amount, taxable)],
            pkp=pkp,
        )
        changed: list[Any] = [invoice]
        if issued_on is not None:
            invoice.issue(self.number(issued_on), issued_on, due_on or issued_on)
            if use_credit:
                changed.append(self._apply_credit(invoice, issued_on))
        self.save("IssueInvoice", *changed)
        return invoice.id

    def _apply_credit(self, invoice: Invoice, on: date) -> CustomerAccount:
        account = self.get(CustomerAccount, CustomerAccount.id_for(invoice.customer_id))
        amount = account.apply_credit(invoice.id, invoice.balance_due)
        payment_id = uuid5(account.id, f"credit:{invoice.id}")
        invoice.record_payment(payment_id, amount, on, PaymentMethod.CREDIT.value)
        return account

    def credit_note(self, invoice_id: UUID, amount: int, on: date | None = None) -> str:
        invoice = self.get(Invoice, invoice_id)
        note = invoice.credit(amount, "gangguan layanan", on or _today())
        self.save("CreditInvoice", invoice)
        return note

    def void(self, invoice_id: UUID, on: date | None = None) -> None:
        invoice = self.get(Invoice, invoice_id)
        invoice.void("salah tagih", on or _today())
        self.save("VoidInvoice", invoice)

    # -- payments --------------------------------------------------------------------------

    def pay(
        self,
        customer_id: UUID,
        amount: int,
        on: date,
        reference: str,
        method: PaymentMethod = PaymentMethod.CASH,
        extra: tuple[Any, ...] = (),
    ) -> UUID:
        """Receive money, allocate it to open invoices oldest first, keep the rest as credit."""
        self.caught_up()  # the open invoices come from the read model, as in the service
        open_invoices = self.read.open_invoices(self.store, self.tenant_id, customer_id)
        payment = Payment.receive(
            self.tenant_id, customer_id, amount, method, reference, on, open_invoices
        )
        changed: list[Any] = [payment, *extra]
        for invoice_id, share in payment.allocations:
            invoice = self.get(Invoice, invoice_id)
            invoice.record_payment(payment.id, share, on, method.value)
            changed.append(invoice)
        if payment.credit:
            account = self._account(customer_id)
            account.add_credit(payment.id, payment.credit)
            changed.append(account)
        self.save("RecordPayment", *changed)
        return payment.id

    def _account(self, customer_id: UUID) -> CustomerAccount:
        try:
            return self.get(CustomerAccount, CustomerAccount.id_for(customer_id))
        except AggregateNotFoundError:
            return CustomerAccount.open(self.tenant_id, customer_id)

    def submit_transfer(self, customer_id: UUID, amount: int, proof: str, on: date) -> UUID:
        transfer = Transfer.submit(self.tenant_id, customer_id, amount, proof, on)
        self.save("SubmitTransfer", transfer)
        return transfer.id

    def approve_transfer(self, transfer_id: UUID, on: date) -> UUID:
        transfer = self.get(Transfer, transfer_id)
        reference = f"transfer:{transfer.id}"
        payment_id = Payment.id_for(self.tenant_id, PaymentMethod.BANK_TRANSFER.value, reference)
        transfer.approve("user:finance", payment_id)
        return self.pay(
            transfer.customer_id,
            transfer.amount,
            on,
            reference,
            PaymentMethod.BANK_TRANSFER,
            extra=(transfer,),
        )

    def reject_transfer(self, transfer_id: UUID) -> None:
        transfer = self.get(Transfer, transfer_id)
        transfer.reject("user:finance", "bukti transfer tidak terbaca")
        self.save("RejectTransfer", transfer)


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()
