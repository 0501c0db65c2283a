"""No message goes to someone who said stop: STOP and BERHENTI at once, MULAI undoes it."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.bootstrap import Niaga
from adapters.messaging.whatsapp.fakes import FakeCloudApi
from application.messaging.inbound import Inbound, InboundDispatcher, keyword
from application.shared.context import Principal
from tests.integration.billing import Books
from tests.integration.read_models import assert_live_equals_rebuild, store_of
from tests.whatsapp_support import (  # noqa: F401 - fixtures
    cloud_fixture,
    dispatcher_sending_inline,
    fonnte_fixture,
    message_log,
    use_cloud_api,
    whatsapp_settings,
)

ON = date(2026, 1, 5)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        (" stop ", "STOP"),
        ("Stop!", "STOP"),
        ("s t o p", "STOP"),
        ("Berhenti.", "BERHENTI"),
        ("mulai", "MULAI"),
        ("stop dulu", "STOPDULU"),
    ],
)
def test_keywords_tolerate_case_spaces_and_punctuation(text: str, word: str) -> None:
    assert keyword(text) == word


def test_stop_is_honoured_at_once_and_mulai_undoes_it(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    dispatcher = dispatcher_sending_inline(niaga)
    books = Books(niaga, owner)
    customer = books.customer("Budi")
    inbound = niaga.whatsapp.inbound

    assert inbound.dispatch(owner.tenant_id, "6281200000001", "  Stop ", "wamid.in1") == "opt_out"
    books.invoice(customer, 100_000, ON)
    books.caught_up()
    dispatcher.dispatch()

    texts = [r.body["text"]["body"] for r in cloud.requests]
    assert texts == [
        "Anda tidak akan menerima pesan WhatsApp dari kami lagi. Kirim MULAI untuk "
        "berlangganan kembali."
    ]
    statuses = {e.template: e.status for e in message_log(niaga, owner)}
    assert statuses == {"opt_out_confirmation": "sent", "invoice_issued": "skipped_opted_out"}

    # A second STOP (a webhook delivered twice) changes nothing and confirms nothing again.
    assert inbound.dispatch(owner.tenant_id, "+62 812-0000-0001", "BERHENTI", "wamid.in2")
    dispatcher.dispatch()
    assert len(cloud.requests) == 1

    inbound.dispatch(owner.tenant_id, "6281200000001", "mulai", "wamid.in3")
    books.pay(customer, 100_000, ON, "kas-1")
    books.caught_up()
    dispatcher.dispatch()
    texts = [r.body["text"]["body"] for r in cloud.requests[1:]]
    assert sorted(texts) == [
        "Halo Budi, pembayaran Rp100.000 sudah kami terima. Terima kasih.",
        "Terima kasih, Anda akan kembali menerima pesan WhatsApp dari kami. Kirim STOP untuk "
        "berhenti.",
    ]
    assert_live_equals_rebuild(
        niaga, store_of(niaga, owner.tenant_id), ("message_log", "whatsapp_channels")
    )


def test_a_number_that_is_no_customer_can_opt_out_and_gets_its_confirmation(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    niaga.whatsapp.inbound.dispatch(owner.tenant_id, "6285799998888", "STOP", "wamid.in1")
    dispatcher_sending_inline(niaga).dispatch()

    [request] = cloud.requests
    assert request.body["to"] == "6285799998888"
    [entry] = message_log(niaga, owner)
    assert (entry.customer_id, entry.status) == (None, "sent")


def test_opt_out_runs_before_every_other_inbound_handler(niaga: Niaga, owner: Principal) -> None:
    seen: list[str] = []

    class VoucherCommands:
        name = "vouchers"

        def handle(self, message: Inbound) -> bool:
            seen.append(message.text)
            return message.text.startswith("VOUCHER")

    inbound: InboundDispatcher = niaga.whatsapp.inbound
    inbound.register(VoucherCommands())
    assert inbound.dispatch(owner.tenant_id, "6281200000009", "stop", "w1") == "opt_out"
    assert inbound.dispatch(owner.tenant_id, "6281200000009", "VOUCHER 5000", "w2") == "vouchers"
    assert inbound.dispatch(owner.tenant_id, "6281200000009", "halo", "w3") is None
    assert seen == ["VOUCHER 5000", "halo"]
