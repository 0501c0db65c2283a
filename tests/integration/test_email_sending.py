"""E-mail reaches a local mail server (aiosmtpd) over a real socket: billing notices to customers
with an address, in Indonesian, as plain text with an HTML alternative; retried through the
shared process manager when the server fails, and sent once."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from adapters.bootstrap import Niaga, email_dispatcher
from adapters.messaging.email.dispatcher import email_effect
from adapters.shared.job_transport import LocalPool
from adapters.shared.settings import Settings
from application.customers.customers import RegisterCustomer
from application.messaging.email_ports import EmailLogEntry, MailUnavailable
from application.shared.context import Principal
from application.shared.process_manager import Pending, ProcessManager, RetryPolicy
from domain.shared.errors import InvalidValue
from tests.fakes.smtp_fake import FakeSmtp, smtp_fixture  # noqa: F401 - fixture
from tests.integration.billing import Books
from tests.integration.read_models import assert_live_equals_rebuild, store_of

ON = date(2026, 1, 5)
COMPANY = "Warung Net Sejahtera"  # the tenant of tests/conftest.py


@pytest.fixture(name="settings")
def smtp_settings(settings: Settings, smtp: FakeSmtp) -> Settings:
    return smtp.settings_for(
        settings.model_copy(update={"niaga_payment_link_base": "https://bayar.example.id/i"})
    )


def customer(books: Books, name: str, email: str | None, phone: str = "081299990001") -> UUID:
    return books.niaga.customers.register(books.owner, RegisterCustomer(name, phone, email))


def send_inline(niaga: Niaga) -> int:
    """Submit what is due; each job runs at once in this thread (a failure is recorded)."""

    def send(tenant_id: UUID, email_id: UUID) -> None:
        with contextlib.suppress(MailUnavailable):
            niaga.email.emails.send(tenant_id, email_id)

    dispatcher = email_dispatcher(niaga, send)
    assert dispatcher is not None
    return dispatcher.dispatch()


def email_log(niaga: Niaga, owner: Principal) -> list[EmailLogEntry]:
    store = niaga.stores.for_tenant(owner.tenant_id)
    return niaga.email.read_models.email_log(store, owner.tenant_id, 100)


def test_a_payment_receipt_reaches_the_customer_in_indonesian_as_text_and_html(
    niaga: Niaga, owner: Principal, smtp: FakeSmtp
) -> None:
    books = Books(niaga, owner)
    books.pay(customer(books, "Sari <Dewi>", "Sari@Contoh.co.id"), 50_000, ON, "kas-1")
    books.caught_up()

    assert send_inline(niaga) == 1

    [received] = smtp.received
    assert received.recipients == ["sari@contoh.co.id"]
    assert received.sender == "tagihan@niaga.example.id"
    assert received.message["To"] == "sari@contoh.co.id"
    assert COMPANY in str(received.message["From"])
    assert received.subject == f"Pembayaran Rp50.000 sudah kami terima - {COMPANY}"
    text = received.part("plain")
    assert "Halo Sari <Dewi>," in text
    assert "Pembayaran sebesar Rp50.000 sudah kami terima. Terima kasih." in text
    html = received.part("html")
    assert "Halo Sari &lt;Dewi&gt;," in html  # autoescaped: a name is never markup
    assert "<strong>Rp50.000</strong>" in html
    [entry] = email_log(niaga, owner)
    assert (entry.template, entry.status, entry.attempts) == ("payment_received", "sent", 1)
    assert [m["status"] for m in entry.timeline] == ["queued", "sent"]
    assert entry.timeline[1]["detail"] == "250 2.0.0 Ok: queued as Q00001"
    assert send_inline(niaga) == 0  # sent: nothing is due any more


def test_a_reminder_uses_its_own_template_and_a_dunning_step_the_general_notice(
    niaga: Niaga, owner: Principal, smtp: FakeSmtp
) -> None:
    books = Books(niaga, owner)
    budi = customer(books, "Budi", "budi@contoh.co.id")
    invoice_id = books.invoice(budi, 150_000, ON, date(2026, 1, 12))
    variables = {"nomor": "INV/2026/00001", "tagihan": "Rp150.000", "jatuh_tempo": "12/01/2026"}
    for template in ("reminder_overdue", "soft_limited"):
        niaga.whatsapp.messages.request(owner, budi, template, variables, invoice_id, template)
    books.caught_up()

    assert send_inline(niaga) == 3  # the invoice issued, the reminder, the isolir notice

    by_subject = {r.subject: r for r in smtp.received}
    reminder = by_subject["Tagihan INV/2026/00001 telah lewat jatuh tempo"]
    assert f"https://bayar.example.id/i/{invoice_id}" in reminder.part("plain")
    assert f'href="https://bayar.example.id/i/{invoice_id}"' in reminder.part("html")
    notice = by_subject[f"Layanan internet dibatasi - {COMPANY}"]
    # The general notice carries the WhatsApp wording of the step.
    assert "layanan internet Anda dibatasi karena tagihan INV/2026/00001" in notice.part("plain")
    assert f"Tagihan INV/2026/00001 sebesar Rp150.000 - {COMPANY}" in by_subject
    assert_live_equals_rebuild(niaga, store_of(niaga, owner.tenant_id), ("email_log",))


def test_a_server_that_fails_is_retried_by_the_process_manager_and_sends_once(
    niaga: Niaga, owner: Principal, smtp: FakeSmtp
) -> None:
    books = Books(niaga, owner)
    books.pay(customer(books, "Sari", "sari@contoh.co.id"), 50_000, ON, "kas-1")
    books.caught_up()
    store = niaga.stores.for_tenant(owner.tenant_id)
    smtp.fail_next(1)  # greylisted: 451
    manager = ProcessManager(
        RetryPolicy(max_wait=0.0, first_wait=0.0, jitter=0.0),
        LocalPool(email_effect(niaga.email.emails)),
    )

    def sweep() -> int:
        rows = niaga.email.read_models.pending(store, 10)
        pending = [Pending(r.tenant_id, r.id, r.attempts, r.updated_at) for r in rows]
        submitted = manager.submit_due(pending, datetime.now(UTC))
        manager.wait()
        return submitted

    assert sweep() == 1  # 451: recorded, left for a retry
    smtp.stop()
    assert sweep() == 1  # connection refused: recorded, left for a retry
    smtp.start()
    assert sweep() == 1  # sent
    assert sweep() == 0
    manager.close()

    assert len(smtp.received) == 1
    assert smtp.attempts == 2
    [entry] = email_log(niaga, owner)
    assert (entry.status, entry.attempts, entry.error) == ("sent", 3, None)
    assert [m["status"] for m in entry.timeline] == ["queued", "retrying", "retrying", "sent"]
    assert "451" in entry.timeline[1]["detail"]
    assert "unreachable" in entry.timeline[2]["detail"]


def test_a_refusal_fails_for_good_with_the_servers_words(
    niaga: Niaga, owner: Principal, smtp: FakeSmtp
) -> None:
    books = Books(niaga, owner)
    books.pay(customer(books, "Sari", "sari@contoh.co.id"), 50_000, ON, "kas-1")
    books.caught_up()
    smtp.fail_next(1, "550 5.1.1 No such mailbox")

    assert send_inline(niaga) == 1
    assert send_inline(niaga) == 0

    [entry] = email_log(niaga, owner)
    assert (entry.status, entry.attempts) == ("failed", 1)
    assert "550 5.1.1 No such mailbox" in (entry.error or "")


def test_a_customer_without_an_address_or_forgotten_gets_no_email(
    niaga: Niaga, owner: Principal, smtp: FakeSmtp
) -> None:
    books = Books(niaga, owner)
    without = customer(books, "Tanpa Surel", None, "081299990001")
    forgotten = customer(books, "Lupa", "lupa@contoh.co.id", "081299990002")
    books.pay(without, 10_000, ON, "kas-1")
    books.pay(forgotten, 20_000, ON, "kas-2")
    niaga.customers.forget(owner, forgotten)
    books.caught_up()

    assert send_inline(niaga) == 0  # neither is due: no address to send to

    # A job that runs anyway (the read model lagged) records why it sent nothing.
    entries = {e.customer_id: e for e in email_log(niaga, owner)}
    tenant = owner.tenant_id
    assert niaga.email.emails.send(tenant, entries[without].id) == "skipped_no_address"
    assert niaga.email.emails.send(tenant, entries[forgotten].id) == "skipped_forgotten"
    assert smtp.received == []
    assert smtp.attempts == 0


def test_the_send_email_command_writes_a_sign_in_link_once_per_cause(
    niaga: Niaga, owner: Principal, smtp: FakeSmtp
) -> None:
    emails = niaga.email.emails
    cause = uuid4()
    variables = {"nama": "Ani", "tautan": "https://niaga.example.id/masuk?t=abc&x=1"}
    args = ("sign_in_link", variables, cause, "magic-link")
    first = emails.request(owner.tenant_id, owner.actor, "Ani@Contoh.co.id", *args)
    again = emails.request(owner.tenant_id, owner.actor, "ani@contoh.co.id", *args)
    assert first == again

    assert send_inline(niaga) == 1

    [received] = smtp.received
    assert received.recipients == ["ani@contoh.co.id"]
    assert received.subject == f"Tautan masuk ke {COMPANY}"
    assert "https://niaga.example.id/masuk?t=abc&x=1" in received.part("plain")
    assert 'href="https://niaga.example.id/masuk?t=abc&amp;x=1"' in received.part("html")


def test_the_send_email_command_refuses_a_bad_address_or_template_and_records_nothing(
    niaga: Niaga, owner: Principal
) -> None:
    emails = niaga.email.emails
    with pytest.raises(InvalidValue) as bad_address:
        emails.request(
            owner.tenant_id, owner.actor, "bukan-alamat", "sign_in_link", {}, uuid4(), "x"
        )
    assert bad_address.value.field == "email"
    with pytest.raises(InvalidValue) as bad_template:
        emails.request(owner.tenant_id, owner.actor, "a@b.id", "tidak_ada", {}, uuid4(), "x")
    assert bad_template.value.field == "template"
    with pytest.raises(InvalidValue) as bad_text:
        emails.request(
            owner.tenant_id, owner.actor, "a@b.id", "sign_in_link", {"nama": "A\x00"}, uuid4(), "x"
        )
    assert bad_text.value.field == "variables.nama"
    assert email_log(niaga, owner) == []
