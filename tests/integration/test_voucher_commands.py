"""WhatsApp voucher commands, answered in Indonesian, against real PostgreSQL."""

from __future__ import annotations

import pytest

from adapters.bootstrap import Niaga
from application.shared.context import Principal
from application.vouchers.ports import VoucherFilter
from tests.integration.vouchers import Desk

AGENT, ADMIN, CUSTOMER = "081211110001", "081211110002", "081211110003"


@pytest.fixture
def desk(niaga: Niaga, owner: Principal) -> Desk:
    desk = Desk(niaga, owner)
    desk.profile("3JAM", selling_price=3000, agent_prices=(2000,))
    desk.profile("1HARI", selling_price=5000, agent_prices=(4000,))
    niaga.vouchers.service.configure(owner, "http://hotspot.warung.net/login", [ADMIN])
    return desk


def _say(niaga: Niaga, owner: Principal, phone: str, text: str) -> str:
    return niaga.vouchers.commands.handle(owner.tenant_id, phone, text)


def _voucher_count(niaga: Niaga, owner: Principal) -> int:
    return niaga.vouchers.queries.vouchers(owner, VoucherFilter(), 1).total_count


def test_customers_see_prices_and_how_to_pay(niaga: Niaga, owner: Principal, desk: Desk) -> None:
    prices = _say(niaga, owner, CUSTOMER, "harga")
    assert "1HARI - Rp5.000" in prices
    assert "3JAM - Rp3.000" in prices
    reply = _say(niaga, owner, CUSTOMER, "  Beli   3jam ")
    assert "Paket 3JAM harganya Rp3.000" in reply
    # No gateway is configured here: the customer is told so (paid orders: tests/e2e/shop).
    assert "Pembayaran online belum tersedia" in reply


def test_an_unknown_package_gets_a_clear_reply(niaga: Niaga, owner: Principal, desk: Desk) -> None:
    assert "tidak dikenal" in _say(niaga, owner, CUSTOMER, "BELI 10JAM")


@pytest.mark.parametrize("text", ["", "halo", "BELI", "GEN 3JAM 5", "SALDO", "🙂"])
def test_customers_get_help_for_anything_else(
    niaga: Niaga, owner: Principal, desk: Desk, text: str
) -> None:
    reply = _say(niaga, owner, CUSTOMER, text)
    assert reply.startswith(("Perintah voucher", "Format: BELI"))
    assert _voucher_count(niaga, owner) == 0


def test_an_agent_generates_from_its_balance(niaga: Niaga, owner: Principal, desk: Desk) -> None:
    agent = desk.agent("Budi", AGENT, balance=10_000)
    reply = _say(niaga, owner, AGENT, "gen  3jam   3")
    assert reply.startswith("Berhasil membuat 3 voucher paket 3JAM.")
    assert "Dipotong Rp6.000, sisa saldo Rp4.000." in reply
    assert len(reply.splitlines()) == 2 + 3
    assert desk.balance(agent) == 4_000
    assert _say(niaga, owner, AGENT, "SALDO") == "Saldo Budi: Rp4.000"
    history = _say(niaga, owner, AGENT, "transaksi")
    assert "Beli voucher -Rp6.000 saldo Rp4.000" in history
    assert "Top up +Rp10.000 saldo Rp10.000" in history
    report = _say(niaga, owner, AGENT, "Laporan")
    assert "3JAM: 3 voucher, Rp6.000" in report


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GEN 3JAM 0", "Jumlah harus 1 sampai 100.000."),
        ("GEN 3JAM 100001", "Jumlah harus 1 sampai 100.000."),
        ("GEN 3JAM banyak", "Format: GEN <paket> <jumlah>"),
        ("GEN 3JAM", "Format: GEN <paket> <jumlah>"),
        ("GEN 10JAM 2", "tidak dikenal"),
        ("GEN 3JAM 6", "tidak cukup"),
        ("TOPUP", "Format: TOPUP <jumlah>"),
        ("TOPUP nol", "Format: TOPUP <jumlah>"),
        ("apa ini", "Perintah agen"),
    ],
)
def test_a_bad_agent_command_gets_a_clear_reply_and_debits_nothing(
    niaga: Niaga, owner: Principal, desk: Desk, text: str, expected: str
) -> None:
    agent = desk.agent("Budi", AGENT, balance=10_000)
    assert expected in _say(niaga, owner, AGENT, text)
    assert desk.balance(agent) == 10_000
    assert _voucher_count(niaga, owner) == 0


def test_without_a_gateway_a_top_up_request_is_recorded_without_moving_the_balance(
    niaga: Niaga, owner: Principal, desk: Desk
) -> None:
    agent = desk.agent("Budi", AGENT, balance=1_000)
    reply = _say(niaga, owner, AGENT, "topup 100.000")
    assert reply.startswith("Permintaan top up Rp100.000 dicatat.")
    store = niaga.stores.for_tenant(owner.tenant_id)
    events = [type(e).__name__ for e in store.events.get(agent)]  # type: ignore[attr-defined]
    assert events[-1] == "TopUpRequested"
    assert desk.balance(agent) == 1_000


def test_an_admin_generates_stock_without_a_balance(
    niaga: Niaga, owner: Principal, desk: Desk
) -> None:
    reply = _say(niaga, owner, ADMIN, "GEN 1hari 2")
    assert reply.startswith("Berhasil membuat 2 voucher paket 1HARI.")
    assert "Dipotong" not in reply
    stock = niaga.vouchers.queries.stock(owner)
    assert [(s.agent_id, s.status, s.count) for s in stock] == [(None, "generated", 2)]
    assert _say(niaga, owner, ADMIN, "SALDO").startswith("Perintah admin")
