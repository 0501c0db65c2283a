"""The billing run: issue the invoices of every subscription due on a date, exactly once.

Subscriptions are billed in batches, each saved in one transaction together with the invoices,
their numbers and any credit applied. An invoice's id derives from its subscription and period,
and billing moves the subscription's next billing date on, so a second or interrupted run issues
nothing twice: it picks up where the last one stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.billing.invoicing import apply_credit, due_date, numbering_for
from application.billing.ports import BillingReadModels
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal, recording
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import find
from domain.billing.invoice import BillingDay, Invoice, new_line
from domain.billing.subscription import Subscription
from domain.payments.payment import CustomerAccount
from domain.platform.tenant import Tenant
from domain.shared.errors import DomainError
from domain.shared.money import format_rupiah

BATCH_SIZE = 500


class AlreadyBilled(DomainError):
    code = "ALREADY_BILLED"


Progress = Callable[[int, int], None]  # (subscriptions done, subscriptions due)


@dataclass(frozen=True)
class BillingRunReport:
    on: date
    subscriptions: int
    invoices: int
    total: int


class BillingRun:
    def __init__(self, stores: Stores, read_models: BillingReadModels, sync: ReadModelSync) -> None:
        self._stores = stores
        self._read_models = read_models
        self._sync = sync

    def run(
        self,
        principal: Principal,
        on: date,
        progress: Progress | None = None,
        batch_size: int = BATCH_SIZE,
        *,
        repeat_ok: bool = False,
    ) -> BillingRunReport:
        """Bill everything due on `on`. Refuses a day already billed with nothing new due,
        unless `repeat_ok` (the scheduler repeats its cycle and expects to find nothing)."""
        authorize(principal, Permission.RUN_BILLING)
        store = self._stores.for_tenant(principal.tenant_id)
        tenant = tenant_of(self._stores, principal.tenant_id)
        self._sync.wait(store, store.head())  # the due list comes from the read model
        with_credit = self._read_models.customer_ids_with_credit(store, tenant.id)
        due = self._due(store, tenant.id, on)
        day = find(store, BillingDay, BillingDay.id_for(tenant.id, on))
        if day is not None and not due and not repeat_ok:
            raise AlreadyBilled(
                f"billing for {on:%d/%m/%Y} already ran: {day.invoices} invoices, "
                f"total {format_rupiah(day.total)}; nothing new is due",
                field="on",
            )
        invoices = total = 0
        for start in range(0, len(due), batch_size):
            batch = due[start : start + batch_size]
            billed, amount = self._bill_batch(store, principal, tenant, on, batch, with_credit)
            invoices += billed
            total += amount
            if progress:
                progress(start + len(batch), len(due))
        if day is None:
            day = BillingDay.complete(tenant.id, on, invoices, total)
        elif invoices:
            day.extend(invoices, total)
        with recording("RunBilling", actor=principal.actor, tenant_id=tenant.id):
            store.save(day)
        self._sync.wait(store, store.head())
        return BillingRunReport(on, len(due), invoices, total)

    def _due(self, store: EventStore, tenant_id: UUID, on: date) -> list[UUID]:
        due: list[UUID] = []
        while page := self._read_models.due_subscriptions(
            store, tenant_id, on, 10_000, due[-1] if due else None
        ):
            due += page
        return due

    def _bill_batch(
        self,
        store: EventStore,
        principal: Principal,
        tenant: Tenant,
        on: date,
        ids: list[UUID],
        with_credit: set[UUID],
    ) -> tuple[int, int]:
        try:
            return self._save_batch(store, principal, tenant, on, ids, with_credit)
        except IntegrityError:
            # Someone billed or numbered concurrently: go one by one, skipping what is done.
            done = [0, 0]
            for subscription_id in ids:
                try:
                    billed, amount = self._save_batch(
                        store, principal, tenant, on, [subscription_id], with_credit
                    )
                except IntegrityError:
                    continue
                done[0] += billed
                done[1] += amount
            return done[0], done[1]

    def _save_batch(
        self,
        store: EventStore,
        principal: Principal,
        tenant: Tenant,
        on: date,
        ids: list[UUID],
        with_credit: set[UUID],
    ) -> tuple[int, int]:
        subscriptions = [s for s in store.get_many(ids).values() if isinstance(s, Subscription)]
        drafts = [
            (subscription, invoice)
            for subscription in subscriptions
            if subscription.tenant_id == tenant.id
            for invoice in _invoices_due(subscription, on, tenant.pkp)
        ]
        if not drafts:
            return 0, 0
        numbering = numbering_for(store, tenant, on)
        numbers = numbering.take(len(drafts))
        accounts: dict[UUID, CustomerAccount] = {}
        for (_, invoice), number in zip(drafts, numbers, strict=True):
            invoice.issue(number, on, due_date(tenant, on))
            if invoice.customer_id in with_credit:
                account = accounts.get(invoice.customer_id) or _account(store, invoice.customer_id)
                if account and apply_credit(account, invoice, on):
                    accounts[invoice.customer_id] = account
        with recording(
            "RunBilling",
            actor=principal.actor,
            tenant_id=tenant.id,
            correlation_id=principal.correlation_id,
        ):
            store.save(numbering, *subscriptions, *(i for _, i in drafts), *accounts.values())
        return len(drafts), sum(i.total for _, i in drafts)


def _invoices_due(subscription: Subscription, on: date, pkp: bool) -> list[Invoice]:
    """Every period the subscription owes by `on` (more than one if runs were missed)."""
    invoices = []
    while subscription.billable and subscription.next_bill_on and subscription.next_bill_on <= on:
        invoices.append(bill_due_period(subscription, pkp))
    return invoices


def bill_due_period(subscription: Subscription, pkp: bool) -> Invoice:
    """Draft the invoice of the subscription's next unbilled period and mark that period billed.

    The invoice id derives from the subscription and the period, so billing a period twice
    collides on save instead of charging twice."""
    period = subscription.due_period()
    lines = [
        new_line(c.kind, c.description, 1, c.amount, c.taxable)
        for c in subscription.charges_for(period)
    ]
    invoice = Invoice.draft(
        subscription.tenant_id,
        subscription.customer_id,
        lines,
        pkp=pkp,
        subscription_id=subscription.id,
        period=period.key,
        invoice_id=Invoice.id_for_period(subscription.id, period.key),
    )
    subscription.record_billed(invoice.id, period)
    return invoice


def _account(store: EventStore, customer_id: UUID) -> CustomerAccount | None:
    return find(store, CustomerAccount, CustomerAccount.id_for(customer_id))
