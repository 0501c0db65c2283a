"""The counter (POS): items from stock and services sold over the counter, paid at once with one
or several payment methods. A sale is an invoice of the billing core (same gapless numbering,
PPN and PDF), issued and paid in the same save that takes the items out of stock. Each payment
method used is a Payment of the payments area, allocated to the sale's invoice, like money that
arrives any other way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

from application.billing import due_date, numbering_for
from application.payments import RecordPayment, open_invoice, receive_payment
from application.repairs.stock_support import low_stock_alerts, retrying
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver, load, require
from domain.billing.invoice import Invoice, Line, new_line, totals
from domain.customers.customer import Customer
from domain.payments.payment import PaymentMethod
from domain.repairs.inventory import InventoryItem
from domain.shared.errors import InvalidValue
from domain.shared.money import format_rupiah, positive_amount

# How a customer pays at the counter (a gateway pays by link, and credit is applied by itself).
COUNTER_METHODS = (
    PaymentMethod.CASH,
    PaymentMethod.BANK_TRANSFER,
    PaymentMethod.QRIS,
    PaymentMethod.DEBIT_CARD,
    PaymentMethod.CREDIT_CARD,
    PaymentMethod.EWALLET,
)


@dataclass(frozen=True)
class SaleLine:
    """An item from stock (item_id) or a service (description and unit_price)."""

    quantity: int = 1
    item_id: UUID | None = None
    description: str | None = None
    unit_price: int | None = None  # an item's own price when left out
    taxable: bool = True


@dataclass(frozen=True)
class SalePayment:
    method: str
    amount: int


@dataclass(frozen=True)
class CounterSale:
    customer_id: UUID
    lines: list[SaleLine]
    payments: list[SalePayment]


@dataclass(frozen=True)
class SaleReceipt:
    invoice_id: UUID
    number: str
    total: int


def parse_method(raw: str) -> PaymentMethod:
    for method in COUNTER_METHODS:
        if raw == method.value:
            return method
    allowed = ", ".join(m.value for m in COUNTER_METHODS)
    raise InvalidValue(f"payment method must be one of {allowed}", field="method")


class CounterService:
    def __init__(self, stores: Stores, sync: ReadModelSync, clock: Clock) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock

    def sell(self, principal: Principal, sale: CounterSale) -> SaleReceipt:
        """Sell, invoice and take payment in one go; the payments must add up to the total
        (PPN included). Refused as a whole if any item is short or any payment is wrong."""
        authorize(principal, Permission.SELL_AT_COUNTER)
        store = self._stores.for_tenant(principal.tenant_id)
        tenant = tenant_of(self._stores, principal.tenant_id)
        require(store, Customer, sale.customer_id, principal.tenant_id, "customer", "customer_id")
        if not sale.lines:
            raise InvalidValue("a sale needs at least one line", field="lines")
        if not sale.payments:
            raise InvalidValue("a sale needs at least one payment", field="payments")
        methods = [
            (parse_method(p.method), positive_amount(p.amount, "payments.amount"))
            for p in sale.payments
        ]
        sale_id = uuid4()

        def attempt() -> SaleReceipt:
            items: dict[UUID, InventoryItem] = {}
            lines = [self._line(store, principal, line, items) for line in sale.lines]
            for line in sale.lines:
                if line.item_id is not None:
                    items[line.item_id].sell(sale_id, line.quantity)
            invoice = Invoice.draft(
                principal.tenant_id, sale.customer_id, lines, pkp=tenant.pkp, invoice_id=sale_id
            )
            total = totals(lines, pkp=tenant.pkp).total
            paid = sum(amount for _, amount in methods)
            if paid != total:
                raise InvalidValue(
                    f"the payments add up to {format_rupiah(paid)} but the total is "
                    f"{format_rupiah(total)}",
                    field="payments",
                )
            today = self._clock.today(tenant.timezone)
            numbering = numbering_for(store, tenant, today)
            (number,) = numbering.take(1)
            invoice.issue(number, today, due_date(tenant, today))
            payments = _pay(store, invoice, methods, today)
            stock = list(items.values())
            self._saver.save(
                store,
                principal,
                "CounterSale",
                invoice,
                numbering,
                *payments,
                *stock,
                *low_stock_alerts(stock),
            )
            return SaleReceipt(invoice.id, number, total)

        return retrying(attempt)

    def _line(
        self,
        store: EventStore,
        principal: Principal,
        line: SaleLine,
        items: dict[UUID, InventoryItem],
    ) -> Line:
        if line.unit_price is not None and line.unit_price < 0:
            raise InvalidValue("a price cannot be negative", field="unit_price")
        if line.item_id is None:
            if not line.description or line.unit_price is None:
                raise InvalidValue(
                    "a service line needs a description and a unit price", field="lines"
                )
            return new_line(
                "service", line.description, line.quantity, line.unit_price, line.taxable
            )
        if line.item_id not in items:
            items[line.item_id] = load(
                store, InventoryItem, line.item_id, principal.tenant_id, "inventory item", "item_id"
            )
        item = items[line.item_id]
        price = item.price if line.unit_price is None else line.unit_price
        return new_line("item", line.description or item.name, line.quantity, price, line.taxable)


def _pay(
    store: EventStore, invoice: Invoice, methods: list[tuple[PaymentMethod, int]], on: date
) -> list[object]:
    """One Payment for each method used, each allocated to the sale's own invoice (never to
    older invoices the customer may owe); the payments add up to its total. The reference
    names the invoice number, unique in the tenant, and the method's place in the sale."""
    changed: list[object] = []
    for index, (method, amount) in enumerate(methods, start=1):
        command = RecordPayment(
            invoice.customer_id, amount, method, f"counter:{invoice.number}:{index}"
        )
        received = receive_payment(
            store,
            invoice.tenant_id,
            command,
            on,
            [open_invoice(invoice)],
            lambda _: invoice,
        )
        changed += [p for p in received.changed if p is not invoice]
    return changed
