"""Billing notices reach customers through the fake Cloud API and Fonnte over real HTTP."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest
from psycopg import sql

from adapters.bootstrap import Niaga, whatsapp_dispatcher
from adapters.messaging.read_models import PostgresWhatsAppReadModels
from adapters.messaging.whatsapp.fakes import FakeCloudApi, FakeFonnte
from application.messaging.ports import ProviderUnavailable
from application.repairs.inventory import RegisterItem
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound
from domain.messaging.message_template import UnknownVariable
from tests.integration.billing import Books
from tests.whatsapp_support import (  # noqa: F401 - fixtures
    cloud_fixture,
    dispatcher_sending_inline,
    fonnte_fixture,
    message_log,
    use_cloud_api,
    use_fonnte,
    whatsapp_settings,
)

ISSUED_ON = date(2026, 1, 5)


def test_an_issued_invoice_is_sent_as_text_through_the_cloud_api(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    books = Books(niaga, owner)
    invoice_id = books.invoice(books.customer("Budi"), 150_000, ISSUED_ON, date(2026, 1, 12))
    books.caught_up()

    assert dispatcher_sending_inline(niaga).dispatch() == 1

    [request] = cloud.requests
    assert request.path == "/1234567890/messages"
    assert request.headers["Authorization"] == f"Bearer {cloud.access_token}"
    assert request.body["to"] == "6281200000001"
    assert request.body["type"] == "text"
    text = request.body["text"]["body"]
    assert text.startswith("Halo Budi, tagihan internet INV/2026/00001 sebesar Rp150.000")
    assert "12/01/2026" in text
    assert f"https://bayar.example.id/i/{invoice_id}" in text
    [entry] = message_log(niaga, owner)
    assert (entry.template, entry.status, entry.attempts) == ("invoice_issued", "sent", 1)
    assert entry.provider_message_id == "wamid.HBgM00000001"
    assert [m["status"] for m in entry.timeline] == ["queued", "sent"]


def test_a_reminders_payment_link_points_at_its_invoice(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    books = Books(niaga, owner)
    budi = books.customer("Budi")
    invoice_id = books.invoice(budi, 150_000, ISSUED_ON, date(2026, 1, 12))
    variables = {"nomor": "INV/2026/00001", "tagihan": "Rp150.000", "jatuh_tempo": "12/01/2026"}
    niaga.whatsapp.messages.request(owner, budi, "reminder_overdue", variables, invoice_id, "r1")
    books.caught_up()

    assert dispatcher_sending_inline(niaga).dispatch() == 2  # the invoice issued, the reminder
    texts = [r.body["text"]["body"] for r in cloud.requests]
    [reminder] = [t for t in texts if "lewat jatuh tempo" in t]
    assert f"https://bayar.example.id/i/{invoice_id}" in reminder


def test_fonnte_gets_form_fields_and_its_token(
    niaga: Niaga, owner: Principal, fonnte: FakeFonnte
) -> None:
    use_fonnte(niaga, owner, fonnte)
    books = Books(niaga, owner)
    customer = books.customer("Sari")
    books.pay(customer, 50_000, ISSUED_ON, "kas-1")
    books.caught_up()

    dispatcher_sending_inline(niaga).dispatch()

    [request] = fonnte.requests
    assert request.path == "/send"
    assert request.headers["Authorization"] == fonnte.token
    assert request.body == {
        "target": "6281200000001",
        "message": "Halo Sari, pembayaran Rp50.000 sudah kami terima. Terima kasih.",
        "countryCode": "62",
    }
    [entry] = message_log(niaga, owner)
    assert (entry.status, entry.provider_message_id) == ("sent", "80000001")


def test_a_provider_that_fails_is_retried_and_every_failure_is_recorded(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    books = Books(niaga, owner)
    books.invoice(books.customer("Budi"), 100_000, ISSUED_ON)
    books.caught_up()
    cloud.fail_next(2, 503)
    [pending] = niaga.whatsapp.read_models.pending(niaga.stores.for_tenant(owner.tenant_id), 10)

    for _ in range(2):
        with pytest.raises(ProviderUnavailable):
            niaga.whatsapp.messages.send(owner.tenant_id, pending.id)
    assert niaga.whatsapp.messages.send(owner.tenant_id, pending.id) == "sent"
    assert niaga.whatsapp.messages.send(owner.tenant_id, pending.id) == "sent"  # idempotent

    assert len(cloud.requests) == 3
    [entry] = message_log(niaga, owner)
    assert (entry.status, entry.attempts, entry.error) == ("sent", 3, None)
    assert [m["status"] for m in entry.timeline] == ["queued", "retrying", "retrying", "sent"]
    assert "503" in entry.timeline[1]["detail"]


def test_a_refused_message_fails_with_the_providers_words_and_is_not_retried(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    niaga.whatsapp.messages.configure(
        owner,
        "cloud_api",
        "1234567890",
        {"access_token": "wrong", "app_secret": "s", "verify_token": "v"},
    )
    books = Books(niaga, owner)
    books.invoice(books.customer("Budi"), 100_000, ISSUED_ON)
    books.caught_up()

    dispatcher_sending_inline(niaga).dispatch()

    [entry] = message_log(niaga, owner)
    assert entry.status == "failed"
    assert entry.error == "401 190: Invalid OAuth access token"
    assert niaga.whatsapp.read_models.pending(niaga.stores.for_tenant(owner.tenant_id), 10) == []


def test_credentials_are_sealed_at_rest_and_bad_ones_are_refused(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    store = niaga.stores.for_tenant(owner.tenant_id)
    with niaga.database.connection() as conn:
        states = conn.execute(
            sql.SQL("SELECT state FROM {}.niaga_events").format(
                sql.Identifier(store.ref.schema)  # type: ignore[attr-defined]
            )
        ).fetchall()
    stored = b"".join(bytes(s[0]) for s in states)
    assert cloud.access_token.encode() not in stored
    assert b"meta-app-secret" not in stored
    with pytest.raises(Exception, match="fonnte needs token"):
        niaga.whatsapp.messages.configure(owner, "fonnte", "0811", {})
    with pytest.raises(Exception, match="unknown provider 'wablas'"):
        niaga.whatsapp.messages.configure(owner, "wablas", "0811", {})
    channel = niaga.whatsapp.read_models.channel(store, owner.tenant_id)
    assert channel is not None
    assert channel.provider == "cloud_api"


def test_a_tenant_wording_replaces_the_default_and_unknown_variables_are_refused(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    templates = niaga.whatsapp.templates
    templates.set(owner, "invoice_issued", "Yth. {nama}, tagihan {nomor}: {tagihan}.")
    with pytest.raises(UnknownVariable, match=r"unknown variable \{nominal\}; known: \{nama\}"):
        templates.set(owner, "invoice_issued", "Yth. {nama}, bayar {nominal}")
    books = Books(niaga, owner)
    books.invoice(books.customer("Budi"), 100_000, ISSUED_ON)
    books.caught_up()

    dispatcher_sending_inline(niaga).dispatch()

    assert cloud.requests[0].body["text"]["body"] == (
        "Yth. Budi, tagihan INV/2026/00001: Rp100.000."
    )
    preview = templates.preview(owner, "reminder_overdue", None, {"tagihan": "Rp1"})
    assert preview.startswith("Halo Budi Santoso, tagihan INV/2026/02/0001 sebesar Rp1 telah")
    invoice_id = books.invoice(books.customer("Sari"), 80_000, ISSUED_ON, date(2026, 1, 20))
    real = templates.preview(owner, "reminder_overdue", None, {}, invoice_id=invoice_id)
    assert real.startswith(
        "Halo Sari, tagihan INV/2026/00002 sebesar Rp80.000 telah lewat jatuh tempo 20/01/2026."
    )


def test_a_rewording_may_use_the_variables_its_default_uses_and_no_others(
    niaga: Niaga, owner: Principal
) -> None:
    templates = niaga.whatsapp.templates
    own = "Kak {nama}, {perangkat} (servis {nomor_servis}) sudah beres, silakan diambil."

    assert templates.set(owner, "repair_completed", own).text == own
    with pytest.raises(UnknownVariable, match=r"unknown variable \{perangkat\}"):
        templates.set(owner, "invoice_issued", "Yth. {nama}, {perangkat} sudah lunas")
    assert templates.preview(owner, "repair_completed", None, {"perangkat": "Galaxy A50"}) == (
        "Kak Budi Santoso, Galaxy A50 (servis -) sudah beres, silakan diambil."
    )


def test_an_approved_meta_template_is_sent_with_its_variables_as_parameters(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    niaga.whatsapp.templates.set(
        owner, "payment_received", "Halo {nama}, {jumlah} diterima.", "pembayaran_diterima"
    )
    books = Books(niaga, owner)
    books.pay(books.customer("Budi"), 75_000, ISSUED_ON, "kas-1")
    books.caught_up()

    dispatcher_sending_inline(niaga).dispatch()

    body = cloud.requests[0].body
    assert body["type"] == "template"
    assert body["template"] == {
        "name": "pembayaran_diterima",
        "language": {"code": "id"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Budi"},
                    {"type": "text", "text": "Rp75.000"},
                ],
            }
        ],
    }


def test_nothing_is_sent_for_a_tenant_without_whatsapp(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    books = Books(niaga, owner)
    books.invoice(books.customer("Budi"), 100_000, ISSUED_ON)
    books.caught_up()

    assert dispatcher_sending_inline(niaga).dispatch() == 0
    assert cloud.requests == []
    assert [e.status for e in message_log(niaga, owner)] == ["queued"]


def test_a_notice_for_the_shops_staff_stays_in_the_outbox_and_is_not_sent(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    item = niaga.inventory.register(
        owner, RegisterItem("BAT-01", "Baterai", 100_000, 150_000, reorder_point=2, opening_stock=3)
    )
    niaga.inventory.adjust(owner, item, -2, "rusak")

    assert dispatcher_sending_inline(niaga).dispatch() == 0
    assert cloud.requests == []
    assert message_log(niaga, owner) == []
    store = niaga.stores.for_tenant(owner.tenant_id)
    (alert,) = niaga.billing_read_models.notifications(store, owner.tenant_id, item, 10)
    assert (alert.template, alert.customer_id) == ("low_stock_alert", None)


def test_other_areas_ask_for_messages_through_the_request_hook_once_per_reason(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    customer = Books(niaga, owner).customer("Budi")
    voucher_id = uuid4()
    hook = niaga.whatsapp.messages
    code = {
        "paket": "3JAM",
        "kode": "AB12",
        "sandi": "AB12",
        "link_login": "http://10.5.50.1/login",
    }
    first = hook.request(owner, customer, "voucher_delivery", code, voucher_id, "sold")
    again = hook.request(owner, customer, "voucher_delivery", code, voucher_id, "sold")
    with pytest.raises(NotFound, match="no template 'voucer'"):
        hook.request(owner, customer, "voucer", {}, voucher_id, "typo")

    dispatcher_sending_inline(niaga).dispatch()

    assert first == again
    [request] = cloud.requests
    assert request.body["text"]["body"] == (
        "Terima kasih, pembayaran voucher 3JAM diterima. Kode voucher: AB12, kata sandi: AB12. "
        "Login langsung: http://10.5.50.1/login"
    )


def test_a_job_lost_with_its_process_is_submitted_again_by_the_next_one(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    books = Books(niaga, owner)
    books.invoice(books.customer("Budi"), 100_000, ISSUED_ON)
    books.caught_up()
    lost: list[object] = []
    crashed = whatsapp_dispatcher(niaga, lambda tenant, message: lost.append(message))

    assert crashed.dispatch() == 1
    assert crashed.dispatch() == 0  # submitted a moment ago: not again yet
    assert cloud.requests == []
    assert dispatcher_sending_inline(niaga).dispatch() == 1  # a restarted process

    assert [e.status for e in message_log(niaga, owner)] == ["sent"]


def test_notices_older_than_the_maximum_age_are_not_sent(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    books = Books(niaga, owner)
    books.invoice(books.customer("Budi"), 100_000, ISSUED_ON)
    books.caught_up()
    store = niaga.stores.for_tenant(owner.tenant_id)

    assert PostgresWhatsAppReadModels(niaga.stores, timedelta(0)).pending(store, 10) == []
    assert len(niaga.whatsapp.read_models.pending(store, 10)) == 1


def test_a_message_whose_template_was_reset_away_fails_for_good(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    customer = Books(niaga, owner).customer("Budi")
    niaga.whatsapp.templates.set(owner, "ucapan_lebaran", "Selamat Idul Fitri, {nama}!")
    niaga.whatsapp.messages.request(owner, customer, "ucapan_lebaran", {}, uuid4(), "lebaran")
    niaga.whatsapp.templates.reset(owner, "ucapan_lebaran")

    dispatcher_sending_inline(niaga).dispatch()

    [entry] = message_log(niaga, owner)
    assert entry.status == "failed"
    assert entry.error is not None
    assert entry.error.startswith("no template 'ucapan_lebaran'")
    assert cloud.requests == []


def test_the_message_log_pages_with_cursors_and_filters(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    books = Books(niaga, owner)
    customers = [books.customer(name) for name in ("Ani", "Budi", "Citra")]
    for customer in customers:
        books.pay(customer, 10_000, ISSUED_ON, f"kas-{customer}")
    books.caught_up()
    cloud.fail_next(1, 400)
    dispatcher_sending_inline(niaga).dispatch()
    store = niaga.stores.for_tenant(owner.tenant_id)
    read = niaga.whatsapp.read_models

    first = read.message_log(store, owner.tenant_id, None, None, None, 2, None)
    rest = read.message_log(store, owner.tenant_id, None, None, None, 2, first.end_cursor)

    assert (len(first.items), first.has_next_page, first.total_count) == (2, True, 3)
    assert (len(rest.items), rest.has_next_page) == (1, False)
    assert [e.customer_id for e in first.items + rest.items] == customers
    failed = read.message_log(store, owner.tenant_id, "failed", None, customers[0], 10, None)
    assert [e.status for e in failed.items] == ["failed"]
    with pytest.raises(ApplicationError, match="status must be one of"):
        read.message_log(store, owner.tenant_id, "lost", None, None, 10, None)
    with pytest.raises(ApplicationError, match="malformed cursor"):
        read.message_log(store, owner.tenant_id, None, None, None, 10, "bogus")
