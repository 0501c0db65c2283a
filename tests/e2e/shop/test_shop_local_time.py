"""Payment deadlines a buyer or an agent reads (the order page, the BELI and TOPUP replies) are on
the tenant's clock: a Jakarta shop writes WIB, not UTC, even when the deadline is past midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from application.shared.clock import FixedClock
from tests.e2e.shop.conftest import Shop, order_id_of

# 16:50 UTC on 5 January is 23:50 WIB: a link of an hour or so runs into 6 January in Jakarta.
LATE_EVENING = datetime(2026, 1, 5, 16, 50, tzinfo=UTC)
WIB = timedelta(hours=7)


def test_the_order_page_shows_the_payment_deadline_in_wib(shop: Shop, clock: FixedClock) -> None:
    clock.set_now(LATE_EVENING)
    order_id = order_id_of(shop.order())
    deadline = shop.voucher_order(order_id).expires_at + WIB
    assert deadline.date().day == 6

    page = httpx.get(f"{shop.server}/buy/orders/{order_id}?agent={shop.code}", timeout=10)
    assert f"Bayar sebelum {deadline:%d/%m/%Y %H:%M} WIB." in page.text
    assert "UTC" not in page.text


def test_whatsapp_payment_deadlines_are_in_wib(shop: Shop, clock: FixedClock) -> None:
    clock.set_now(LATE_EVENING)
    commands = shop.niaga.vouchers.commands
    seller = shop.agent(shop.seller_id)
    # An order is paid within the hour (00:50 WIB); a top-up link lasts the account's default
    # day (23:50 WIB on 6 January).
    buy = commands.handle(shop.tenant_id, "081366660001", "beli 1hari")
    assert "sebelum 00:50 WIB;" in buy
    top_up = commands.handle(shop.tenant_id, seller.phone, "TOPUP Rp100.000")
    assert "sebelum 06/01 23:50 WIB." in top_up
    assert "UTC" not in buy + top_up
