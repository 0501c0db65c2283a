"""E-mail without a server: the outbound e-mail's rules, the templates, and the SMTP settings."""

from __future__ import annotations

from uuid import uuid4

import pytest

from adapters.messaging.email.smtp import SmtpMailer
from adapters.messaging.email.templates import JinjaEmailTemplates
from adapters.shared.settings import Settings, SmtpTls
from application.messaging.templates import TEMPLATES
from domain.messaging.email import MAX_ATTEMPTS, EmailStatus, OutboundEmail, SkipReason, email_id
from domain.shared.errors import InvalidValue
from projections.messaging.notices import WHATSAPP_ONLY

OWN_FILES = (
    "invoice_issued",
    "reminder_before_due",
    "reminder_overdue",
    "payment_received",
    "ceo_digest",
    "platform_payment_failed",
    "platform_locked",
    "sign_in_link",
    "invitation",
)


def queued() -> OutboundEmail:
    source = uuid4()
    return OutboundEmail.queue(email_id(source, "x"), uuid4(), uuid4(), "t", {}, source)


def test_an_email_has_one_id_per_cause() -> None:
    source = uuid4()
    assert email_id(source, "payment") == email_id(source, "payment")
    assert email_id(source, "payment") != email_id(source, "issued")


def test_an_email_needs_a_customer_or_an_address_and_storable_variables() -> None:
    with pytest.raises(InvalidValue) as nobody:
        OutboundEmail.queue(uuid4(), uuid4(), None, "t", {}, uuid4())
    assert nobody.value.field == "customer_id"
    with pytest.raises(InvalidValue) as control:
        OutboundEmail.queue(uuid4(), uuid4(), uuid4(), "t", {"nama": "a\x07"}, uuid4())
    assert control.value.field == "variables.nama"


def test_a_temporary_failure_is_retried_until_the_attempts_run_out() -> None:
    email = queued()
    retried = [email.failed("451 greylisted", retryable=True) for _ in range(MAX_ATTEMPTS)]
    assert retried == [True] * (MAX_ATTEMPTS - 1) + [False]
    assert (email.status, email.attempts, email.finished) == (EmailStatus.FAILED, 6, True)


def test_a_refusal_is_final_and_a_skip_says_why() -> None:
    refused, skipped = queued(), queued()
    assert refused.failed("550 no such mailbox", retryable=False) is False
    assert refused.status is EmailStatus.FAILED
    skipped.skip(SkipReason.FORGOTTEN)
    assert (skipped.status, skipped.finished) == (EmailStatus.SKIPPED_FORGOTTEN, True)


@pytest.mark.parametrize("template", OWN_FILES)
def test_each_template_of_its_own_has_a_subject_text_and_html(template: str) -> None:
    rendered = JinjaEmailTemplates().render(template, {"perusahaan": "Warung <Net>"})
    assert rendered is not None
    assert rendered.subject
    assert "\n" not in rendered.subject
    assert "<Net>" not in rendered.html  # escaped
    assert rendered.html.startswith("<!DOCTYPE html>")


def test_every_customer_notice_can_be_written_around_its_whatsapp_wording() -> None:
    templates = JinjaEmailTemplates()
    for name in set(TEMPLATES) - WHATSAPP_ONLY - set(OWN_FILES):
        rendered = templates.render(name, {"pesan": "Halo <b>Budi</b>", "perusahaan": "W"})
        assert rendered is not None, name
        assert "Halo <b>Budi</b>" in rendered.text
        assert "Halo &lt;b&gt;Budi&lt;/b&gt;" in rendered.html
    assert templates.render("tidak_ada", {}) is None  # no file and no wording: nothing to send


def test_without_a_host_email_is_off_and_a_host_needs_a_sender() -> None:
    base = Settings(niaga_env="test")
    assert SmtpMailer.from_settings(base.model_copy(update={"niaga_smtp_host": None})) is None
    with pytest.raises(ValueError, match="NIAGA_SMTP_FROM"):
        SmtpMailer.from_settings(base.model_copy(update={"niaga_smtp_host": "smtp.example.id"}))
    mailer = SmtpMailer.from_settings(
        base.model_copy(
            update={
                "niaga_smtp_host": "smtp.example.id",
                "niaga_smtp_port": 465,
                "niaga_smtp_tls": SmtpTls.SSL,
                "niaga_smtp_from": "Niaga <tagihan@example.id>",
            }
        )
    )
    assert mailer is not None
    assert mailer.describe == "smtp.example.id:465 (ssl) as tagihan@example.id"
