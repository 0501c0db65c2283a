"""The counter (POS): items from stock and services sold over the counter, paid at once with one
or several payment methods. A sale is an invoice of the billing core (same gapless numbering,
PPN and PDF), issued and paid in the same save that takes the items out of stock. The promotions
in force on the sale's local date apply by themselves, each as a discount line of the invoice.
Each payment method used is a Payment of the payments area, allocated to the sale's invoice,
like money that arrives any other way; the counter's own `Sale` record, saved with them, feeds
the daily sales report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

from application.billing import due_date, numbering_for
from application.payments import RecordPayment, open_invoice, receive_payment
from application.repairs.counter_ports import CounterReadModels
from application.repairs.stock_support import low_stock_alerts, retrying
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver, find, load, require
from domain.billing.invoice import Invoice, Line, new_line, totals
from domain.customers.customer import Customer
from domain.payments.payment import PaymentMethod
from domain.repairs.discounts import BasketLine, Discount, discounts_for
from domain.repairs.inventory import InventoryItem
from domain.repairs.promotion import Offer, Promotion
from domain.repairs.sale import Sale
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
    def __init__(
        self, stores: Stores, sync: ReadModelSync, clock: Clock, read_models: CounterReadModels
    ) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock
        self._read_models = read_models

    def sell(self, principal: Principal, sale: CounterSale) -> SaleReceipt:
        """Sell, apply the promotions in force today, invoice and take payment in one go; the
        payments must add up to the discounted total (PPN included). Refused as a whole if any
        item is short or any payment is wrong."""
        authorize(principal, Permission.SELL_AT_COUNTER)
        store = self._stores.for_tenant(principal.tenant_id)
        tenant = tenant_of(self._stores, principal.tenant_id)
        require(store, Customer, sale.customer_id, principal.tenant_id, "customer", "customer_id")
        if not sale.lines:
            raise InvalidValue("a sale needs at least one line", field="lines")
        methods = [
            (parse_method(p.method), positive_amount(p.amount, "payments.amount"))
            for p in sale.payments
        ]
        sale_id = uuid4()

        def attempt() -> SaleReceipt:
            today = self._clock.today(tenant.timezone)
            items: dict[UUID, InventoryItem] = {}
            lines, discounts = self._discounted(store, principal, sale, items, today)
            for line in sale.lines:
                if line.item_id is not None:
                    items[line.item_id].sell(sale_id, line.quantity)
            invoice = Invoice.draft(
                principal.tenant_id, sale.customer_id, lines, pkp=tenant.pkp, invoice_id=sale_id
            )
            sums = totals(lines, pkp=tenant.pkp)
            _check_paid(methods, sums.total, sum(d.amount for d in discounts))
            numbering = numbering_for(store, tenant, today)
            (number,) = numbering.take(1)
            invoice.issue(number, today, due_date(tenant, today))
            payments = _pay(store, invoice, methods, today)
            record = _record(principal, invoice, today, discounts, methods)
            stock = list(items.values())
            self._saver.save(
                store,
                principal,
                "CounterSale",
                invoice,
                numbering,
                *payments,
                record,
                *stock,
                *low_stock_alerts(stock),
            )
            return SaleReceipt(invoice.id, number, sums.total)

        return retrying(attempt)

    def _discounted(
        self,
        store: EventStore,
        principal: Principal,
        sale: CounterSale,
        items: dict[UUID, InventoryItem],
        on: date,
    ) -> tuple[list[Line], list[Discount]]:
        """The sale's invoice lines with the promotions in force on `on` applied, and those
        discounts."""
        priced = [self._line(store, principal, line, items) for line in sale.lines]
        basket = [_basket_line(x, sold, items) for x, sold in zip(priced, sale.lines, strict=True)]
        discounts = discounts_for(basket, self._offers(store, principal.tenant_id, on))
        return _with_discounts(priced, discounts), discounts

    def _offers(self, store: EventStore, tenant_id: UUID, on: date) -> list[Offer]:
        """The promotions in force on the sale's day, each read from the promotion itself: one
        ended a moment ago is not applied even if the list has not caught up."""
        offers: list[Offer] = []
        for promotion_id in self._read_models.promotions_in_force(store, tenant_id, on):
            promotion = find(store, Promotion, promotion_id)
            if promotion and promotion.tenant_id == tenant_id and promotion.in_force(on):
                offers.append(promotion.offer())
        return offers

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


def _basket_line(line: Line, sold: SaleLine, items: dict[UUID, InventoryItem]) -> BasketLine:
    item = items.get(sold.item_id) if sold.item_id else None
    return BasketLine(
        line.amount, line.quantity, line.taxable, sold.item_id, item.category if item else None
    )


def _with_discounts(lines: list[Line], discounts: list[Discount]) -> list[Line]:
    """The invoice's lines: each discount as its own negative line, right under the line it
    discounts; a basket discount at the end."""
    result: list[Line] = []
    for index, line in enumerate(lines):
        result.append(line)
        result += [_discount_line(d) for d in discounts if d.line == index]
    return result + [_discount_line(d) for d in discounts if d.line is None]


def _discount_line(discount: Discount) -> Line:
    return new_line("discount", f"Promo {discount.name}", 1, -discount.amount, discount.taxable)


def _check_paid(methods: list[tuple[PaymentMethod, int]], total: int, discounted: int) -> None:
    if not methods and total > 0:
        raise InvalidValue("a sale needs at least one payment", field="payments")
    paid = sum(amount for _, amount in methods)
    if paid != total:
        after = f" after {format_rupiah(discounted)} of promotions" if discounted else ""
        raise InvalidValue(
            f"the payments add up to {format_rupiah(paid)} but the total is "
            f"{format_rupiah(total)}{after}",
            field="payments",
        )


def _record(
    principal: Principal,
    invoice: Invoice,
    sold_on: date,
    discounts: list[Discount],
    methods: list[tuple[PaymentMethod, int]],
) -> Sale:
    """The counter's own record of the sale, for its daily report."""
    paid: dict[str, int] = {}
    for method, amount in methods:
        paid[method.value] = paid.get(method.value, 0) + amount
    promotions: dict[str, int] = {}
    for discount in discounts:
        key = str(discount.promotion_id)
        promotions[key] = promotions.get(key, 0) + discount.amount
    sums = invoice.totals
    taken_off = sum(d.amount for d in discounts)
    return Sale.record(
        invoice.tenant_id,
        invoice.id,
        invoice.number or "",
        sold_on,
        str(principal.actor),
        gross=sums.subtotal + taken_off,
        discounts=taken_off,
        ppn=sums.ppn,
        payments=paid,
        promotions=promotions,
    )


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
