"""Counter sales with promotions on real PostgreSQL: a sale its promotions make free takes no
payment and is reported under no method, and the report reads what the projection summed."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.bootstrap import Niaga
from application.customers.customers import RegisterCustomer
from application.repairs.counter import CounterSale, SaleLine, SalePayment
from application.repairs.inventory import RegisterItem
from application.repairs.promotions import CreatePromotion
from application.shared.context import Principal
from domain.billing.invoice import Invoice, InvoiceStatus
from domain.shared.errors import InvalidValue
from tests.integration.read_models import assert_live_equals_rebuild, store_of

JAN_5 = date(2026, 1, 5)


def test_a_sale_promotions_make_free_takes_no_payment_and_is_reported_under_none(
    niaga: Niaga, owner: Principal
) -> None:
    customer = niaga.customers.register(owner, RegisterCustomer("Sari", "081344455566"))
    item = niaga.inventory.register(
        owner, RegisterItem("GIFT-1", "Tali HP", cost=1_000, price=5_000, opening_stock=3)
    )
    niaga.promotions.create(
        owner, CreatePromotion("Tali gratis", "percentage", 100, "item", JAN_5, JAN_5, item)
    )
    paid = CounterSale(customer, [SaleLine(1, item)], [SalePayment("cash", 5_000)])
    free = CounterSale(customer, [SaleLine(2, item)], [])

    receipt = niaga.counter.sell(owner, free)

    invoice = niaga.stores.for_tenant(owner.tenant_id).repository.get(receipt.invoice_id)
    assert isinstance(invoice, Invoice)
    assert (invoice.status, invoice.total, receipt.total) == (InvoiceStatus.PAID, 0, 0)
    [row] = niaga.services.counter_queries.daily_sales(owner, JAN_5, JAN_5)
    assert (row.payment_method, row.sales, row.gross, row.discounts, row.net) == (
        "none",
        1,
        10_000,
        10_000,
        0,
    )
    with pytest.raises(InvalidValue, match=r"add up to Rp5\.000 but the total is Rp0 after"):
        niaga.counter.sell(owner, paid)
    assert_live_equals_rebuild(niaga, store_of(niaga, owner.tenant_id), ("daily_sales",))
