"""Stock on real PostgreSQL: concurrent reservations never oversell, purchase orders move stock
and average cost, counter sales are invoices paid by several methods, low-stock alerts."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.bootstrap import Niaga
from application.customers.customers import RegisterCustomer
from application.repairs.counter import CounterSale, SaleLine, SalePayment
from application.repairs.inventory import DuplicateSku, OrderLineInput, RegisterItem
from application.repairs.repairs import ReceiveJob
from application.shared.context import Principal
from application.shared.errors import ConcurrentModification
from domain.billing.invoice import Invoice, InvoiceStatus
from domain.repairs.inventory import InsufficientStock
from domain.shared.errors import DomainError, InvalidValue
from tests.integration.read_models import assert_live_equals_rebuild, store_of

_SKUS = itertools.count(1)
_PHONES = itertools.count(1)


def _register(niaga: Niaga, owner: Principal, stock: int, **kwargs: int) -> UUID:
    return niaga.inventory.register(
        owner,
        RegisterItem(
            f"SKU-{next(_SKUS)}",
            "Konektor charger USB-C",
            cost=kwargs.get("cost", 20_000),
            price=kwargs.get("price", 50_000),
            reorder_point=kwargs.get("reorder_point", 0),
            opening_stock=stock,
        ),
    )


def _job(niaga: Niaga, owner: Principal) -> UUID:
    """A repair job of its own customer: stock is reserved only for the tenant's jobs."""
    customer = niaga.customers.register(owner, RegisterCustomer("Rina", f"0813{next(_PHONES):08d}"))
    return niaga.repairs.receive(
        owner, ReceiveJob(customer, "smartphone", "Xiaomi", "Redmi 9", "port charger longgar")
    )


def _level(niaga: Niaga, owner: Principal, item: UUID) -> tuple[int, int]:
    store = niaga.stores.for_tenant(owner.tenant_id)
    level = next(
        i
        for i in niaga.repair_read_models.stock_levels(
            store, owner.tenant_id, search=None, low_only=False, first=500, after=None
        ).items
        if i.id == item
    )
    return level.on_hand, level.reserved


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stock=st.integers(0, 6), wanted=st.lists(st.integers(1, 3), min_size=2, max_size=8))
def test_concurrent_reservations_never_oversell(
    niaga: Niaga, owner: Principal, stock: int, wanted: list[int]
) -> None:
    item = _register(niaga, owner, stock)
    jobs = [_job(niaga, owner) for _ in wanted]

    def reserve(job: UUID, quantity: int) -> int:
        try:
            niaga.inventory.reserve(owner, item, job, quantity)
        except (InsufficientStock, ConcurrentModification):
            return 0
        return quantity

    with ThreadPoolExecutor(max_workers=4) as pool:
        granted = sum(pool.map(reserve, jobs, wanted))
    assert granted <= stock
    store = niaga.stores.for_tenant(owner.tenant_id)
    recorded = store.repository.get(item)
    assert recorded.reserved == granted <= recorded.on_hand == stock
    assert _level(niaga, owner, item) == (stock, granted)


def test_a_sku_is_unique_within_a_tenant(niaga: Niaga, owner: Principal) -> None:
    niaga.inventory.register(owner, RegisterItem("ABC-1", "Kabel", cost=1, price=2))
    with pytest.raises(DuplicateSku, match="ABC-1"):
        niaga.inventory.register(owner, RegisterItem("abc-1", "Kabel lain", cost=1, price=2))


def test_a_purchase_order_received_in_parts_moves_stock_and_average_cost(
    niaga: Niaga, owner: Principal
) -> None:
    item = _register(niaga, owner, 10, cost=100_000)
    order = niaga.inventory.draft_order(
        owner, "CV Sparepart Jaya", [OrderLineInput(item, 10, 130_000)]
    )
    with pytest.raises(DomainError):
        niaga.inventory.receive_order(owner, order, {item: 1})  # not ordered yet
    niaga.inventory.place_order(owner, order)
    assert niaga.inventory.receive_order(owner, order, {item: 4}) == "partly_received"
    assert niaga.inventory.receive_order(owner, order, {item: 6}) == "received"
    store = niaga.stores.for_tenant(owner.tenant_id)
    recorded = store.repository.get(item)
    assert (recorded.on_hand, recorded.average_cost) == (20, 115_000)
    assert _level(niaga, owner, item) == (20, 0)
    listed = niaga.repair_read_models.purchase_orders(store, owner.tenant_id, "received", 10, None)
    assert [(o.id, o.total, o.lines[0]["received"]) for o in listed.items] == [
        (order, 1_300_000, 10)
    ]
    assert (
        niaga.repair_read_models.purchase_orders(store, owner.tenant_id, "draft", 10, None).items
        == []
    )
    assert_live_equals_rebuild(niaga, store_of(niaga, owner.tenant_id), ("purchase_orders",))


def test_a_counter_sale_is_an_invoice_paid_by_several_methods(
    niaga: Niaga, owner: Principal
) -> None:
    customer = niaga.customers.register(owner, RegisterCustomer("Dewi", "081377788899"))
    item = _register(niaga, owner, 5, price=50_000)
    sale = CounterSale(
        customer,
        [SaleLine(2, item), SaleLine(1, description="Jasa pasang anti gores", unit_price=25_000)],
        [SalePayment("cash", 100_000), SalePayment("qris", 25_000)],
    )
    receipt = niaga.counter.sell(owner, sale)
    store = niaga.stores.for_tenant(owner.tenant_id)
    invoice = store.repository.get(receipt.invoice_id)
    assert isinstance(invoice, Invoice)
    assert (invoice.status, invoice.total, invoice.number) == (
        InvoiceStatus.PAID,
        125_000,
        receipt.number,
    )
    assert _level(niaga, owner, item) == (3, 0)
    best = niaga.repair_read_models.best_sellers(store, owner.tenant_id, 10)
    assert [(b.item_id, b.quantity, b.revenue) for b in best] == [(item, 2, 100_000)]


def test_a_sale_whose_payments_do_not_add_up_changes_nothing(
    niaga: Niaga, owner: Principal
) -> None:
    customer = niaga.customers.register(owner, RegisterCustomer("Dewi", "081377788899"))
    item = _register(niaga, owner, 5, price=50_000)
    short = CounterSale(
        customer, [SaleLine(2, item)], [SalePayment("cash", 60_000), SalePayment("qris", 30_000)]
    )
    with pytest.raises(InvalidValue, match=r"add up to Rp90\.000 but the total is Rp100\.000"):
        niaga.counter.sell(owner, short)
    with pytest.raises(InvalidValue, match="payment method"):
        niaga.counter.sell(
            owner, CounterSale(customer, [SaleLine(2, item)], [SalePayment("emas", 100_000)])
        )
    with pytest.raises(InsufficientStock):
        niaga.counter.sell(
            owner, CounterSale(customer, [SaleLine(6, item)], [SalePayment("cash", 300_000)])
        )
    with pytest.raises(InvalidValue, match="negative"):
        niaga.counter.sell(
            owner,
            CounterSale(customer, [SaleLine(1, item, unit_price=-1)], [SalePayment("cash", 1)]),
        )
    assert _level(niaga, owner, item) == (5, 0)
    store = niaga.stores.for_tenant(owner.tenant_id)
    assert niaga.repair_read_models.best_sellers(store, owner.tenant_id, 10) == []


def test_falling_to_the_reorder_point_alerts_the_shop(niaga: Niaga, owner: Principal) -> None:
    item = _register(niaga, owner, 4, reorder_point=2)
    niaga.inventory.adjust(owner, item, -2, "rusak saat dipasang")
    niaga.inventory.stock_take(owner, item, 1)
    store = niaga.stores.for_tenant(owner.tenant_id)
    alerts = niaga.billing_read_models.notifications(store, owner.tenant_id, item, 10)
    assert [(a.template, a.customer_id, a.variables["tersedia"]) for a in alerts] == [
        ("low_stock_alert", None, "2")
    ]
    low = niaga.repair_read_models.stock_levels(
        store, owner.tenant_id, search=None, low_only=True, first=10, after=None
    )
    assert [i.id for i in low.items] == [item]
    kinds = [
        m.kind
        for m in niaga.repair_read_models.movements(store, owner.tenant_id, item, 10, None).items
    ]
    assert kinds == ["stock_take", "adjust", "receive"]
    assert_live_equals_rebuild(niaga, store_of(niaga, owner.tenant_id), ("inventory",))
