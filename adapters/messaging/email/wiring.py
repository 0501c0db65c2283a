"""The e-mail services of one container, wired from settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from adapters.messaging.email.read_models import PostgresEmailReadModels
from adapters.messaging.email.smtp import SmtpMailer
from adapters.messaging.email.templates import JinjaEmailTemplates
from adapters.messaging.read_models import PostgresWhatsAppReadModels
from adapters.shared.settings import Settings
from adapters.shared.stores import PostgresStores
from application.messaging.email import EmailService
from application.messaging.message_templates import TemplateService
from application.shared.ports import ReadModelSync
from application.shared.secrets import SecretBox

log = logging.getLogger(__name__)


@dataclass
class Email:
    read_models: PostgresEmailReadModels
    emails: EmailService


def email_services(
    settings: Settings,
    stores: PostgresStores,
    sync: ReadModelSync,
    secrets: SecretBox,
    whatsapp: PostgresWhatsAppReadModels,
    wording: TemplateService,
) -> Email:
    read_models = PostgresEmailReadModels(
        stores, whatsapp, timedelta(hours=settings.niaga_email_max_age_hours)
    )
    mailer = SmtpMailer.from_settings(settings)
    if mailer is None:
        log.info("e-mail is off: NIAGA_SMTP_HOST is not set (e-mails wait in email_log)")
    else:
        log.info("e-mail goes through %s", mailer.describe)
    emails = EmailService(
        stores,
        read_models,
        sync,
        secrets,
        wording,
        JinjaEmailTemplates(),
        mailer,
        settings.niaga_payment_link_base,
    )
    return Email(read_models, emails)
