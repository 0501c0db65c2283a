"""The owner's e-mail: the morning digest and the platform's warning about a failed payment of
the Niaga plan go to the addresses the tenant set for its digest, beside WhatsApp."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.shared.context import Principal
from application.shared.errors import PermissionDenied
from domain.shared.errors import InvalidValue
from domain.shared.roles import Role
from tests.conftest import principal_for
from tests.fakes.smtp_fake import FakeSmtp, smtp_fixture  # noqa: F401 - fixture
from tests.fakes.stripe_fake import FakeStripe, signed_event
from tests.integration.test_email_sending import COMPANY, email_log, send_inline

SECRET = "whsec_test_owner_email"


@pytest.fixture
def stripe_fake() -> Iterator[FakeStripe]:
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture(name="settings")
def owner_settings(settings: Settings, smtp: FakeSmtp, stripe_fake: FakeStripe) -> Settings:
    return smtp.settings_for(
        settings.model_copy(
            update={
                "niaga_stripe_api_key": "sk_test_niaga",
                "niaga_stripe_webhook_secret": SECRET,
                "niaga_stripe_api_base": stripe_fake.url,
            }
        )
    )


def test_the_digest_goes_to_the_owners_addresses_as_text_and_html(
    niaga: Niaga, owner: Principal, smtp: FakeSmtp
) -> None:
    digests = niaga.services.ceo_digests
    assert digests.set_email_recipients(owner, ["Pemilik@Contoh.co.id"]) == ["pemilik@contoh.co.id"]
    assert digests.email_recipients(owner) == ["pe****@contoh.co.id"]

    digests.compile(owner)  # AI has no key here: the rule-based digest
    niaga.projections.catch_up(niaga.stores.for_tenant(owner.tenant_id))  # type: ignore[arg-type]
    assert send_inline(niaga) == 1

    [received] = smtp.received
    assert received.recipients == ["pemilik@contoh.co.id"]
    assert received.subject == f"Ringkasan bisnis {COMPANY} tanggal 04/01/2026"
    assert "Tiga wawasan (ringkasan otomatis):" in received.part("plain")
    assert "<li>" in received.part("html")


def test_digest_addresses_are_checked_and_only_owners_and_admins_set_them(
    niaga: Niaga, owner: Principal
) -> None:
    digests = niaga.services.ceo_digests
    with pytest.raises(InvalidValue) as refused:
        digests.set_email_recipients(owner, ["pemilik@contoh.co.id", "bukan alamat"])
    assert refused.value.field == "email"
    with pytest.raises(PermissionDenied):
        digests.set_email_recipients(principal_for(owner.tenant_id, Role.STAFF), ["a@b.id"])
    assert digests.email_recipients(owner) == []


def test_a_failed_platform_payment_warns_the_owner_by_email_too(
    niaga: Niaga, tenant_id: UUID, smtp: FakeSmtp
) -> None:
    owner = principal_for(tenant_id)
    niaga.services.platform_billing.sync_plans()
    niaga.services.platform_billing.subscribe(tenant_id, "starter", owner.actor)
    niaga.services.ceo_digests.set_email_recipients(owner, ["pemilik@contoh.co.id"])
    customer = _stripe_customer(niaga, tenant_id)
    body, signature = signed_event(
        SECRET, "invoice.payment_failed", {"id": "in_1", "customer": customer}
    )

    answer = niaga.services.stripe_webhooks.receive({"stripe-signature": signature}, body)
    assert answer.verdict == "applied"
    assert send_inline(niaga) == 1

    [received] = smtp.received
    assert received.recipients == ["pemilik@contoh.co.id"]
    assert received.subject == "Pembayaran paket Niaga starter gagal"
    assert "gagal (percobaan ke-1)" in received.part("plain")
    assert [e.template for e in email_log(niaga, owner)] == ["platform_payment_failed"]


def _stripe_customer(niaga: Niaga, tenant_id: UUID) -> str:
    [view] = [
        s for s in niaga.platform_billing.read_models.subscriptions() if s.tenant_id == tenant_id
    ]
    return str(view.customer_id)
