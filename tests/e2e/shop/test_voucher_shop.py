"""Selling vouchers on an agent's public page and topping agents up, paid through a gateway
whose verified callback settles each payment exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx

from application.shared.clock import FixedClock
from domain.vouchers.agent import Agent
from domain.vouchers.voucher import VoucherStatus
from tests.e2e.shop.conftest import (
    LEVEL_PRICES,
    SELLING_PRICE,
    TOP_UP_LINK,
    Shop,
    order_id_of,
)
from tests.integration.read_models import assert_live_equals_rebuild, store_of


def _status_page(shop: Shop, order_id: object) -> httpx.Response:
    return httpx.get(f"{shop.server}/buy/orders/{order_id}?agent={shop.code}", timeout=10)


def test_the_page_lists_the_packages_at_their_selling_prices(shop: Shop) -> None:
    page = httpx.get(shop.page, timeout=10)
    assert page.status_code == 200
    assert "Sari" in page.text
    assert "3JAM" in page.text
    assert "Rp3.000" in page.text.replace("\xa0", "")
    assert "1HARI" in page.text
    assert "Rp5.000" in page.text.replace("\xa0", "")


def test_a_paid_order_sells_one_voucher_from_the_agent_and_delivers_it(shop: Shop) -> None:
    order_id = order_id_of(shop.order())
    waiting = _status_page(shop, order_id)
    assert waiting.status_code == 200
    assert "Menunggu pembayaran" in waiting.text
    gateway_order = shop.tripay.only_order()
    assert shop.tripay.payment(gateway_order).amount == SELLING_PRICE
    assert shop.tripay.url in waiting.text  # the pay button goes to the gateway's page

    assert shop.pay(gateway_order).status_code == 200

    order = shop.voucher_order(order_id)
    assert order.username is not None
    page = _status_page(shop, order_id)
    assert order.username in page.text
    assert "Menunggu pembayaran" not in page.text
    sold = shop.vouchers_sold()
    assert [v.username for v in sold] == [order.username]
    assert sold[0].agent_id == shop.seller_id
    assert sold[0].price == LEVEL_PRICES[1]
    # Credited the customer's money, then bought at its level-2 price; the upline earns the gap.
    assert shop.agent(shop.seller_id).balance == SELLING_PRICE - LEVEL_PRICES[1]
    assert shop.agent(shop.upline_id).balance == LEVEL_PRICES[1] - LEVEL_PRICES[0]
    delivery = shop.delivery(order_id)
    assert delivery is not None
    assert delivery.template == "voucher_delivery"
    assert delivery.variables["kode"] == order.username


def test_repeated_and_racing_callbacks_sell_once(shop: Shop) -> None:
    order_id = order_id_of(shop.order())
    gateway_order = shop.tripay.only_order()
    shop.tripay.pay(gateway_order)
    callback = shop.tripay.notification(gateway_order)
    answers: list[int] = []

    def deliver() -> None:
        answers.append(callback.send(shop.callback_url).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answers.append(callback.send(shop.callback_url).status_code)

    assert answers == [200] * 5
    assert len(shop.vouchers_sold()) == 1
    assert shop.voucher_order(order_id).username == shop.vouchers_sold()[0].username
    assert shop.agent(shop.seller_id).balance == SELLING_PRICE - LEVEL_PRICES[1]
    verdicts = shop.gql(
        'query { paymentCallbacks(gateway: "tripay") { edges { node { verdict reason } } } }'
    )["paymentCallbacks"]
    kinds = sorted(e["node"]["verdict"] for e in verdicts["edges"])  # type: ignore[index]
    assert kinds == ["applied"] + ["duplicate"] * 4
    store = store_of(shop.niaga, shop.tenant_id)
    names = ("payment_link_list", "payment_callback_log", "voucher_stock", "agent_ledger")
    assert_live_equals_rebuild(shop.niaga, store, names)


def test_an_order_paid_after_it_expired_sells_nothing(shop: Shop, clock: FixedClock) -> None:
    order_id = order_id_of(shop.order())
    clock.advance(timedelta(hours=2))

    assert shop.pay(shop.tripay.only_order()).status_code == 200

    order = shop.voucher_order(order_id)
    assert order.paid_late
    assert order.username is None
    assert shop.vouchers_sold() == []
    assert shop.agent(shop.seller_id).balance == 0
    assert shop.delivery(order_id) is None
    assert "kedaluwarsa" in _status_page(shop, order_id).text


def test_an_unpaid_order_reads_as_expired_once_its_time_has_passed(
    shop: Shop, clock: FixedClock
) -> None:
    order_id = order_id_of(shop.order())
    clock.advance(timedelta(hours=2))
    page = _status_page(shop, order_id)
    assert "Pesanan kedaluwarsa" in page.text
    assert "Menunggu pembayaran" not in page.text


def test_bad_input_gets_an_indonesian_page_and_creates_nothing(shop: Shop) -> None:
    unknown_shop = httpx.get(f"{shop.server}/buy?agent=ZZ999999", timeout=10)
    assert unknown_shop.status_code == 404
    assert "Toko tidak ditemukan" in unknown_shop.text
    no_agent = httpx.get(f"{shop.server}/buy", timeout=10)
    assert no_agent.status_code == 400
    assert "kode agen" in no_agent.text
    bad_phone = shop.order(phone="12ab")
    assert bad_phone.status_code == 422
    assert "Nomor WhatsApp tidak valid" in bad_phone.text
    bad_profile = shop.order(profile="TIDAKADA")
    assert bad_profile.status_code == 422
    assert "Paket tidak dikenal" in bad_profile.text
    bad_code = httpx.post(
        f"{shop.server}/buy",
        data={"agent": "!!", "profile": "3JAM", "phone": "081355550001"},
        timeout=10,
    )
    assert bad_code.status_code == 404
    too_long = shop.order(phone="0" * 100)
    assert too_long.status_code == 422
    assert "Isian terlalu panjang" in too_long.text
    missing = _status_page(shop, "bukan-uuid")
    assert missing.status_code == 404
    assert "Pesanan tidak ditemukan" in missing.text

    assert shop.tripay.payments == {}  # no link was asked for
    assert shop.vouchers_sold() == []


def test_a_burst_of_orders_from_one_address_is_turned_away(shop: Shop) -> None:
    answers = [shop.order(phone="12ab").status_code for _ in range(6)]
    assert answers[:5] == [422] * 5
    assert answers[5] == 429


def test_a_top_up_link_credits_the_agent_once(shop: Shop) -> None:
    made = shop.gql(TOP_UP_LINK, agent=str(shop.seller_id), amount=50_000)
    result = made["createAgentTopUpLink"]
    assert result["__typename"] == "TopUpLinkSuccess", result  # type: ignore[index]
    gateway_order = shop.tripay.only_order()
    assert result["url"].startswith(shop.tripay.url)  # type: ignore[index]

    assert shop.pay(gateway_order).status_code == 200
    assert shop.tripay.notification(gateway_order).send(shop.callback_url).status_code == 200

    agent = shop.agent(shop.seller_id)
    assert agent.balance == 50_000
    topped = [e for e in _ledger(shop) if e["kind"] == "top_up"]
    assert [e["amount"] for e in topped] == [50_000]


def test_a_top_up_below_the_minimum_is_refused_and_asks_the_gateway_nothing(shop: Shop) -> None:
    made = shop.gql(TOP_UP_LINK, agent=str(shop.seller_id), amount=500)
    assert made["createAgentTopUpLink"]["field"] == "amount"  # type: ignore[index]
    assert shop.tripay.payments == {}


def test_whatsapp_topup_replies_with_the_link_and_the_payment_credits_the_agent(
    shop: Shop,
) -> None:
    seller = shop.agent(shop.seller_id)
    reply = shop.niaga.vouchers.commands.handle(shop.tenant_id, seller.phone, "TOPUP Rp100.000")
    gateway_order = shop.tripay.only_order()
    assert shop.tripay.payment(gateway_order).amount == 100_000
    assert shop.tripay.url in reply

    shop.pay(gateway_order)
    assert shop.agent(shop.seller_id).balance == 100_000


def test_whatsapp_beli_replies_with_a_link_and_sells_directly_once_paid(shop: Shop) -> None:
    reply = shop.niaga.vouchers.commands.handle(shop.tenant_id, "081366660001", "beli 1hari")
    assert "Rp5.000" in reply.replace("\xa0", "")
    assert shop.tripay.url in reply
    gateway_order = shop.tripay.only_order()

    shop.pay(gateway_order)

    (voucher,) = shop.vouchers_sold()
    assert voucher.agent_id is None
    assert voucher.price == 5000
    assert voucher.status is VoucherStatus.SOLD


def _ledger(shop: Shop) -> list[dict[str, object]]:
    data = shop.gql(
        "query($agent: ID!) { agentLedger(agentId: $agent) { edges { node { kind amount } } } }",
        agent=str(shop.seller_id),
    )["agentLedger"]
    return [e["node"] for e in data["edges"]]  # type: ignore[index]


_ = Agent  # the ledger's balances are checked on the aggregate itself above
