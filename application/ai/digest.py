"""The CEO digest: every morning at 05:00 in the tenant's time zone, yesterday's figures and three
strategic insights, stored once per tenant and day and sent to the owner on WhatsApp.

The insights come from the model (as a business analyst, in Indonesian, with the customers' and
agents' names masked and put back in the answer, since it goes to the owner); when AI cannot
answer (off, no key, quota, time-out, breaker, budget, invalid answers) three rule-based
observations of the same figures take their place, and the digest says which mode answered.
The WhatsApp messages and the e-mails (to the addresses the tenant set) are queued in the same
transaction as the digest, so their dispatchers send them (and retry them) from the log like
every other message.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from application.ai.digest_ports import DigestSource, SourcedFigures
from application.ai.digest_text import (
    SYSTEM,
    DigestAnswer,
    day_shown,
    figures_text,
    insights_text,
    observations,
    prompt_text,
)
from application.ai.ports import Ai, AiUnavailable, Prompt, UnavailableReason
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Actor, ActorKind, Principal
from application.shared.errors import ApplicationError, ConcurrentModification
from application.shared.ports import ReadModelSync, Stores
from application.shared.secrets import SecretBox
from application.shared.tenancy import TenantCalendar
from application.shared.unit_of_work import Saver, find
from domain.ai.digest import (
    CeoDigest,
    DigestInsight,
    DigestMode,
    DigestRecipients,
    message_id,
)
from domain.ai.usage import AiUsage
from domain.messaging.email import OutboundEmail, email_id
from domain.messaging.whatsapp import OutboundMessage
from domain.shared.local_time import local_time
from domain.shared.personal_data import FORGOTTEN
from domain.shared.roles import Role
from domain.shared.text import printable

log = logging.getLogger(__name__)
FEATURE = "ceo_digest"
TEMPLATE = "ceo_digest"  # application/messaging/templates.py
DIGEST_HOUR = 5  # local time from which yesterday's digest is due
DIGEST_JOB = Actor(ActorKind.SYSTEM, "ceo-digest")
_MODE_SHOWN = {DigestMode.AI: "analisis AI", DigestMode.TEMPLATE: "ringkasan otomatis"}


@dataclass(frozen=True)
class _Written:
    insights: list[DigestInsight]
    mode: DigestMode
    usage: AiUsage


class CeoDigests:
    """Compiles digests: the scheduler's step (`compile_due`) and on demand (`compile`)."""

    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        ai: Ai,
        source: DigestSource,
        clock: Clock,
        secrets: SecretBox,
    ) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._ai = ai
        self._source = source
        self._clock = clock
        self._calendar = TenantCalendar(stores, clock)
        self._secrets = secrets

    def compile_due(self, tenant_id: UUID) -> UUID | None:
        """Yesterday's digest, once the tenant's clock is past 05:00 and it does not exist yet;
        None when there is nothing to do (too early, or done)."""
        zone = self._calendar.zone(tenant_id)
        local = local_time(self._clock.now(), zone)
        if local.hour < DIGEST_HOUR:
            return None
        day = local.date() - timedelta(days=1)
        store = self._stores.for_tenant(tenant_id)
        if find(store, CeoDigest, CeoDigest.id_for(tenant_id, day)) is not None:
            return None
        return self._compile(Principal(tenant_id, Role.OWNER, DIGEST_JOB), day, zone)

    def compile(self, principal: Principal, day: date | None = None) -> UUID:
        """The digest of `day` (yesterday by default), compiled now unless it exists already
        (owners and admins; `niaga ai digest`)."""
        authorize(principal, Permission.READ_CEO_DIGEST)
        zone = self._calendar.zone(principal.tenant_id)
        today = local_time(self._clock.now(), zone).date()
        day = day or today - timedelta(days=1)
        if day >= today:
            raise ApplicationError(
                f"a digest covers a day that has ended; {day} has not", field="date"
            )
        store = self._stores.for_tenant(principal.tenant_id)
        digest_id = CeoDigest.id_for(principal.tenant_id, day)
        if find(store, CeoDigest, digest_id) is not None:
            return digest_id
        return self._compile(principal, day, zone)

    def set_recipients(self, principal: Principal, phones: list[str]) -> list[str]:
        """The WhatsApp numbers the digest goes to (owners and admins); sealed at rest."""
        authorize(principal, Permission.MANAGE_TENANT)
        store = self._stores.for_tenant(principal.tenant_id)
        recipients = find(store, DigestRecipients, DigestRecipients.id_for(principal.tenant_id))
        recipients = recipients or DigestRecipients.start(principal.tenant_id)
        normalised = recipients.change(phones, self._secrets.seal)
        self._saver.save(store, principal, "SetCeoDigestRecipients", recipients)
        return normalised

    def set_email_recipients(self, principal: Principal, emails: list[str]) -> list[str]:
        """The e-mail addresses the digest goes to (owners and admins); sealed at rest."""
        authorize(principal, Permission.MANAGE_TENANT)
        store = self._stores.for_tenant(principal.tenant_id)
        recipients = find(store, DigestRecipients, DigestRecipients.id_for(principal.tenant_id))
        recipients = recipients or DigestRecipients.start(principal.tenant_id)
        checked = recipients.change_emails(emails, self._secrets.seal)
        self._saver.save(store, principal, "SetCeoDigestEmailRecipients", recipients)
        return checked

    def email_recipients(self, principal: Principal) -> list[str]:
        """The addresses, each shown with its mailbox hidden (bu****@example.id)."""
        authorize(principal, Permission.MANAGE_TENANT)
        store = self._stores.for_tenant(principal.tenant_id)
        found = find(store, DigestRecipients, DigestRecipients.id_for(principal.tenant_id))
        sealed = found.emails_sealed if found else []
        return [_hidden_address(self._secrets.open(address)) for address in sealed]

    def recipients(self, principal: Principal) -> list[str]:
        """The numbers, each shown with its middle hidden (+62812****5678)."""
        authorize(principal, Permission.MANAGE_TENANT)
        store = self._stores.for_tenant(principal.tenant_id)
        found = find(store, DigestRecipients, DigestRecipients.id_for(principal.tenant_id))
        sealed = found.phones_sealed if found else []
        return [_hidden(self._secrets.open(phone)) for phone in sealed]

    # -- one digest --------------------------------------------------------------------------

    def _compile(self, principal: Principal, day: date, zone: str) -> UUID:
        tenant_id = principal.tenant_id
        store = self._stores.for_tenant(tenant_id)
        sourced = self._source.figures(store, tenant_id, day, zone, self._clock.now())
        written = self._write(tenant_id, day, sourced)
        recipients = find(store, DigestRecipients, DigestRecipients.id_for(tenant_id))
        sealed = recipients.phones_sealed if recipients else []
        digest = CeoDigest.compile(
            tenant_id,
            day,
            sourced.figures,
            written.insights,
            written.mode,
            written.usage,
            len(sealed),
        )
        variables = {
            "tanggal": day_shown(day),
            "angka": figures_text(sourced.figures, sourced.names),
            "wawasan": insights_text(written.insights),
            "mode": _MODE_SHOWN[written.mode],
        }
        messages = [
            OutboundMessage.queue(
                message_id(digest.id, n),
                tenant_id,
                None,
                TEMPLATE,
                variables,
                digest.id,
                recipient_sealed=phone,
            )
            for n, phone in enumerate(sealed)
        ]
        addresses = recipients.emails_sealed if recipients else []
        emails = [
            OutboundEmail.queue(
                email_id(digest.id, f"owner:{n}"),
                tenant_id,
                None,
                TEMPLATE,
                variables,
                digest.id,
                recipient_sealed=address,
            )
            for n, address in enumerate(addresses)
        ]
        try:
            self._saver.save(store, principal, "CompileCeoDigest", digest, *messages, *emails)
        except ConcurrentModification:
            if find(store, CeoDigest, digest.id) is None:
                raise
            log.info("the digest of %s for %s was compiled meanwhile", day, tenant_id)
        return digest.id

    def _write(self, tenant_id: UUID, day: date, sourced: SourcedFigures) -> _Written:
        """Three insights from the model, or three observations by rule when it cannot."""
        known = tuple(name for name in sourced.names.values() if name and name != FORGOTTEN)
        prompt = Prompt(
            prompt_text(day, sourced.figures, sourced.names),
            system=SYSTEM,
            known=known,
            restore=True,
            temperature=0.4,
        )
        try:
            answer = self._ai.generate_json(tenant_id, FEATURE, prompt, DigestAnswer)
        except AiUnavailable as unavailable:
            usage = unavailable.usage or _nothing_spent(tenant_id, unavailable.reason)
            return _Written(observations(sourced.figures), DigestMode.TEMPLATE, usage)
        insights = [
            DigestInsight(_line(i.title, 120), printable(i.detail, 600).strip())
            for i in answer.value.insights
        ]
        if any(not i.title or not i.detail for i in insights):
            usage = dataclasses.replace(
                answer.usage, outcome=UnavailableReason.INVALID_ANSWER.value
            )
            return _Written(observations(sourced.figures), DigestMode.TEMPLATE, usage)
        return _Written(insights, DigestMode.AI, answer.usage)


def _line(text: str, max_length: int) -> str:
    """A model's text as one storable line."""
    return " ".join(printable(text).split())[:max_length].strip()


def _nothing_spent(tenant_id: UUID, reason: UnavailableReason) -> AiUsage:
    return AiUsage(tenant_id, FEATURE, None, None, 0, 0, 0, 0, reason.value)


def _hidden_address(address: str) -> str:
    mailbox, _, domain = address.partition("@")
    return f"{mailbox[:2]}****@{domain}"


def _hidden(phone: str) -> str:
    return f"{phone[:6]}****{phone[-4:]}" if len(phone) > 10 else phone
