"""Commands sent on WhatsApp, through the signed Cloud API webhook of the real server: a customer
answers a repair quote, an agent asks for vouchers; each gets its reply through the fake Cloud
API, and a webhook delivered twice runs its command once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from adapters.bootstrap import Niaga
from adapters.messaging.whatsapp.fakes import FakeCloudApi
from application.customers.customers import RegisterCustomer
from application.repairs.inventory import RegisterItem
from application.repairs.repairs import QuoteLabour, QuotePart, ReceiveJob
from application.shared.context import Principal
from tests.integration.vouchers import Desk
from tests.whatsapp_support import (  # noqa: F401 - fixtures
    APP_SECRET,
    cloud_fixture,
    fonnte_fixture,
    use_cloud_api,
    whatsapp_settings,
)

CUSTOMER_PHONE = "6281298765432"
AGENT_PHONE = "6281277001001"


def _until(check: Callable[[], Any], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail("the reply was not sent in time")


def _replies_to(cloud: FakeCloudApi, number: str) -> list[str]:
    return [
        r.body["text"]["body"]
        for r in cloud.requests
        if r.body.get("to") == number and r.body.get("type") == "text"
    ]


def _inbound(sender: str, text: str, message_id: str) -> dict[str, Any]:
    return {
        "contacts": [{"profile": {"name": "Pelanggan"}, "wa_id": sender}],
        "messages": [
            {
                "from": sender,
                "id": message_id,
                "timestamp": str(int(time.time())),
                "type": "text",
                "text": {"body": text},
            }
        ],
    }


def test_a_customer_rejects_a_repair_quote_on_whatsapp_and_gets_a_reply(
    niaga: Niaga, server: str, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    customer = niaga.customers.register(owner, RegisterCustomer("Siti Rahma", "081298765432"))
    lcd = niaga.inventory.register(
        owner, RegisterItem("LCD-A50", "LCD Samsung A50", 400_000, 650_000, opening_stock=2)
    )
    job = niaga.repairs.receive(
        owner, ReceiveJob(customer, "smartphone", "Samsung", "Galaxy A50", "layar retak")
    )
    niaga.repairs.diagnose(owner, job, "LCD pecah")
    niaga.repairs.quote(owner, job, [QuotePart(lcd, 1)], [QuoteLabour("Jasa ganti LCD", 100_000)])
    url = f"{server}/webhooks/whatsapp/{owner.tenant_id}"

    answered = cloud.post_inbound(url, APP_SECRET, CUSTOMER_PHONE, "  tidak   SETUJU ")

    assert answered.status_code == 200
    store = niaga.stores.for_tenant(owner.tenant_id)
    view = niaga.repair_read_models.job(store, owner.tenant_id, job)
    assert view is not None
    assert view.status == "rejected"
    replies = _until(
        lambda: [r for r in _replies_to(cloud, CUSTOMER_PHONE) if "tidak disetujui" in r]
    )
    assert "Galaxy A50" in replies[0]


def test_an_agent_generates_vouchers_on_whatsapp_once_however_often_meta_delivers(
    niaga: Niaga, server: str, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    desk = Desk(niaga, owner)
    desk.profile()
    niaga.vouchers.service.configure(owner, "http://hotspot.example.id/login", [])
    agent = desk.agent("Konter Jaya", "0812-7700-1001", balance=10_000)
    url = f"{server}/webhooks/whatsapp/{owner.tenant_id}"

    for _ in range(2):  # Meta retries a webhook it thinks was lost
        delivered = cloud.post_webhook(
            url, APP_SECRET, _inbound(AGENT_PHONE, "gen 3jam 2", "wamid.AGENT-GEN-1")
        )
        assert delivered.status_code == 200

    balance = niaga.vouchers.queries.agent(owner, agent).balance
    assert balance == 10_000 - 2 * 2_000  # level-one price, debited once
    reply = _until(lambda: _replies_to(cloud, AGENT_PHONE))
    assert len(reply) == 1
    cloud.post_inbound(url, APP_SECRET, AGENT_PHONE, "SALDO")
    balance_reply = _until(lambda: [r for r in _replies_to(cloud, AGENT_PHONE) if "Saldo" in r])
    assert "6.000" in balance_reply[0]


def test_a_tenant_that_sells_no_vouchers_does_not_answer_chatter_with_voucher_help(
    niaga: Niaga, server: str, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    niaga.customers.register(owner, RegisterCustomer("Budi", "081298765432"))
    url = f"{server}/webhooks/whatsapp/{owner.tenant_id}"

    cloud.post_inbound(url, APP_SECRET, CUSTOMER_PHONE, "internet saya mati, mohon dicek")
    cloud.post_inbound(url, APP_SECRET, CUSTOMER_PHONE, "STOP")

    confirmation = _until(lambda: _replies_to(cloud, CUSTOMER_PHONE))
    assert len(confirmation) == 1
    assert confirmation[0].startswith("Anda tidak akan menerima")
