"""WhatsApp messages: a tenant's channel, and the job that sends one message.

The send job is idempotent: it finds the message's record first and does nothing if it was
already sent or given up on. Its outcome is recorded as an event (Sent with the provider's id,
Failed with the provider's words, Skipped with why). Nobody who said stop is ever sent to.
"""

from __future__ import annotations

import json
import logging
from uuid import UUID, uuid5

from eventsourcing.persistence import IntegrityError

from application.messaging.message_templates import TemplateService, fill
from application.messaging.ports import (
    ChannelAccess,
    Outgoing,
    ProviderRejected,
    ProviderUnavailable,
    WhatsAppProvider,
    WhatsAppReadModels,
)
from application.shared.authorization import Permission, authorize
from application.shared.context import Actor, ActorKind, Principal, recording
from application.shared.errors import ApplicationError, NotFound
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.secrets import SecretBox
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver, find, require
from domain.customers.customer import Customer
from domain.messaging.campaign import Campaign, CampaignState
from domain.messaging.notification import NotificationRequest
from domain.messaging.whatsapp import OutboundMessage, Provider, WhatsAppChannel, WhatsAppConsent
from domain.shared.values import normalise_phone

log = logging.getLogger(__name__)
SENDER = Actor(ActorKind.SYSTEM, "whatsapp-sender")
MAX_ATTEMPTS = 6
# Confirmations of STOP and MULAI go to a number that just opted out: they are the last word.
CONSENT_REPLIES = frozenset({"opt_out_confirmation", "opt_in_confirmation"})
REQUIRED_CREDENTIALS = {
    Provider.CLOUD_API.value: ("access_token", "app_secret", "verify_token"),
    Provider.FONNTE.value: ("token",),
}


class WhatsAppService:
    def __init__(
        self,
        stores: Stores,
        read_models: WhatsAppReadModels,
        sync: ReadModelSync,
        secrets: SecretBox,
        templates: TemplateService,
        providers: dict[str, WhatsAppProvider],
        payment_link_base: str | None = None,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._sync = sync
        self._saver = Saver(sync)
        self._secrets = secrets
        self._templates = templates
        self._providers = providers
        self._payment_link_base = payment_link_base

    def configure(
        self, principal: Principal, provider: str, sender: str, credentials: dict[str, str]
    ) -> None:
        """Choose the tenant's provider; credentials are sealed and never given back."""
        authorize(principal, Permission.MANAGE_TENANT)
        missing = [k for k in REQUIRED_CREDENTIALS.get(provider, ()) if not credentials.get(k)]
        if missing:
            raise ApplicationError(f"{provider} needs {', '.join(missing)}", field="credentials")
        wanted = {k: credentials[k] for k in REQUIRED_CREDENTIALS.get(provider, ())}
        sealed = self._secrets.seal(json.dumps(wanted))
        store = self._stores.for_tenant(principal.tenant_id)
        channel = find(store, WhatsAppChannel, WhatsAppChannel.id_for(principal.tenant_id))
        if channel is None:
            channel = WhatsAppChannel.configure(principal.tenant_id, provider, sender, sealed)
        else:
            channel.reconfigure(provider, sender, sealed)
        self._saver.save(store, principal, "ConfigureWhatsApp", channel)

    def channel_access(self, tenant_id: UUID) -> ChannelAccess | None:
        store = self._stores.for_tenant(tenant_id)
        channel = find(store, WhatsAppChannel, WhatsAppChannel.id_for(tenant_id))
        if channel is None:
            return None
        credentials = json.loads(self._secrets.open(channel.credentials_sealed))
        return ChannelAccess(tenant_id, channel.provider, channel.sender, credentials)

    def request(
        self,
        principal: Principal,
        customer_id: UUID,
        template: str,
        variables: dict[str, str],
        subject_id: UUID,
        reason: str,
    ) -> UUID:
        """The hook for other areas (voucher delivery, repair status): ask for a message once
        per subject and reason; it is sent like every billing notice. The calling command has
        authorised what the message is about (a sale, a repair), so no permission is asked."""
        store = self._stores.for_tenant(principal.tenant_id)
        require(store, Customer, customer_id, principal.tenant_id, "customer", "customer_id")
        self._templates.get(store, principal.tenant_id, template)  # refuse an unknown template
        existing = find(store, NotificationRequest, NotificationRequest.id_for(subject_id, reason))
        if existing is not None:
            return existing.id
        request = NotificationRequest.request(
            principal.tenant_id, customer_id, template, variables, subject_id, reason
        )
        self._saver.save(store, principal, "RequestNotification", request)
        return request.id

    def request_to_number(
        self,
        tenant_id: UUID,
        actor: Actor,
        phone: str,
        template: str,
        variables: dict[str, str],
        source_id: UUID,
        reason: str,
    ) -> UUID:
        """The hook for a message to a number that is no customer's (an invitation to join a
        business): queued once per cause (`source_id` and `reason`) with the number sealed, as
        the owner's digest is, and sent like every other message. The calling command has
        authorised what it is about; the number and the template are checked here, and nothing
        is recorded when one is wrong."""
        number = normalise_phone(phone)
        store = self._stores.for_tenant(tenant_id)
        self._templates.get(store, tenant_id, template)  # refuse an unknown template
        message_id = uuid5(source_id, f"whatsapp:{reason}")
        if find(store, OutboundMessage, message_id) is not None:
            return message_id
        message = OutboundMessage.queue(
            message_id,
            tenant_id,
            None,
            template,
            variables,
            source_id,
            recipient_sealed=self._secrets.seal(number),
        )
        with recording("RequestWhatsApp", actor=actor, tenant_id=tenant_id):
            try:
                position = store.save_and_locate(message)
            except IntegrityError:
                return message_id  # asked for twice at once: the first stands
        self._sync.wait(store, position)
        return message_id

    def send(self, tenant_id: UUID, message_id: UUID) -> str:
        """Send one message if it still should go; return its status afterwards.

        Raises ProviderUnavailable (after recording the failure) while retries remain, so a job
        runner retries it with backoff."""
        store = self._stores.for_tenant(tenant_id)
        message = find(store, OutboundMessage, message_id) or self._from_log(store, message_id)
        if message is None or message.tenant_id != tenant_id:
            return "unknown"
        if message.finished:
            return message.status
        reason = self._reason_to_skip(store, message)
        if reason is not None:
            message.skip(reason)
            self._save(store, message)
            return message.status
        channel = self.channel_access(tenant_id)
        if channel is None:
            message.skip("no_channel")
            self._save(store, message)
            return message.status
        self._deliver(store, message, channel)
        return message.status

    def _deliver(self, store: EventStore, message: OutboundMessage, channel: ChannelAccess) -> None:
        phone = self._phone(store, message) or ""
        try:
            outgoing = self._render(store, message, phone)
        except NotFound as error:  # its template was reset away since it was queued
            message.failed(error.message, False)
            self._save(store, message)
            return
        provider = self._providers[channel.provider]
        try:
            provider_id = provider.send(channel, outgoing)
        except ProviderUnavailable as error:
            will_retry = message.attempts + 1 < MAX_ATTEMPTS
            message.failed(error.message, will_retry)
            self._save(store, message)
            if will_retry:
                raise
            return
        except ProviderRejected as error:
            message.failed(error.message, False)
            self._save(store, message)
            return
        message.sent(channel.provider, provider_id)
        self._save(store, message)

    def _from_log(self, store: EventStore, message_id: UUID) -> OutboundMessage | None:
        """A notice the log asked for (an invoice issued, a reminder) gets its record here."""
        row = self._read_models.message(store, message_id)
        if row is None:
            return None
        return OutboundMessage.queue(
            row.id,
            row.tenant_id,
            row.customer_id,
            row.template,
            row.variables,
            row.source_id,
            row.campaign_id,
        )

    def _reason_to_skip(self, store: EventStore, message: OutboundMessage) -> str | None:
        if message.campaign_id is not None:
            campaign = find(store, Campaign, message.campaign_id)
            if campaign is None or campaign.state is CampaignState.STOPPED:
                return "campaign_stopped"
        phone = self._phone(store, message)
        if phone is None:
            return "no_phone"
        if message.template not in CONSENT_REPLIES and opted_out(store, message.tenant_id, phone):
            return "opted_out"
        return None

    def _phone(self, store: EventStore, message: OutboundMessage) -> str | None:
        if message.recipient_sealed:
            return self._secrets.open(message.recipient_sealed)
        customer = find(store, Customer, message.customer_id) if message.customer_id else None
        if customer is None or customer.forgotten:
            return None
        return str(customer.phone)

    def _render(self, store: EventStore, message: OutboundMessage, phone: str) -> Outgoing:
        template = self._templates.get(store, message.tenant_id, message.template)
        values = {**message.variables, **self._known_values(store, message)}
        return Outgoing(
            to=phone.lstrip("+"),
            text=fill(template.text, values),
            meta_template=template.meta_template,
            language=template.language,
            parameters=[values.get(v, "-") for v in template.variables],
        )

    def _known_values(self, store: EventStore, message: OutboundMessage) -> dict[str, str]:
        values = {"perusahaan": tenant_of(self._stores, message.tenant_id).name}
        customer = find(store, Customer, message.customer_id) if message.customer_id else None
        if customer is not None:
            values["nama"] = str(customer.name)
            plan = self._read_models.plan_of(store, message.tenant_id, customer.id)
            if plan and "paket" not in message.variables:
                values["paket"] = plan
        if self._payment_link_base and "link_bayar" not in message.variables:
            values["link_bayar"] = f"{self._payment_link_base.rstrip('/')}/{message.source_id}"
        return values

    def _save(self, store: EventStore, message: OutboundMessage) -> None:
        with recording("SendWhatsApp", actor=SENDER, tenant_id=message.tenant_id):
            try:
                position = store.save_and_locate(message)
            except IntegrityError:
                log.info("message %s was recorded by another job meanwhile", message.id)
                return
        self._sync.wait(store, position)


def opted_out(store: EventStore, tenant_id: UUID, phone: str) -> bool:
    consent = find(store, WhatsAppConsent, WhatsAppConsent.id_for(tenant_id, phone_key(phone)))
    return consent is not None and consent.opted_out


def phone_key(raw: str) -> str:
    """The number as a customer record holds it (+62...), whatever form a provider sends."""
    digits = raw.strip()
    return normalise_phone(digits if digits.startswith(("+", "0")) else f"+{digits}")
