"""Reaching customers on WhatsApp: a tenant's channel, its messages, and who said stop.

No phone number is stored in these events: a consent record's id derives from tenant and number
(like `CustomerPhone`), and a reply to a number that is no customer carries it sealed.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import InvalidValue
from domain.shared.text import printable
from domain.shared.values import require_text


class Provider(StrEnum):
    CLOUD_API = "cloud_api"
    FONNTE = "fonnte"


# A later report of an earlier stage (statuses arrive out of order) must not move a message back.
STATUS_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


class WhatsAppChannel(Aggregate):
    """A tenant's WhatsApp provider and its credentials, sealed with the platform key."""

    class Configured(Aggregate.Created):
        tenant_id: UUID
        provider: str
        sender: str  # Cloud API phone_number_id, or the Fonnte device number
        credentials_sealed: str

    class Reconfigured(Aggregate.Event):
        tenant_id: UUID
        provider: str
        sender: str
        credentials_sealed: str

    @staticmethod
    def id_for(tenant_id: UUID) -> UUID:
        return uuid5(tenant_id, "whatsapp-channel")

    @classmethod
    def configure(
        cls, tenant_id: UUID, provider: str, sender: str, credentials_sealed: str
    ) -> WhatsAppChannel:
        return cls._create(
            cls.Configured,
            id=cls.id_for(tenant_id),
            tenant_id=tenant_id,
            provider=_provider(provider).value,
            sender=require_text(sender, "sender", 64),
            credentials_sealed=credentials_sealed,
        )

    @event(Configured)
    def __init__(
        self, tenant_id: UUID, provider: str, sender: str, credentials_sealed: str
    ) -> None:
        self.tenant_id = tenant_id
        self.provider, self.sender, self.credentials_sealed = provider, sender, credentials_sealed

    def reconfigure(self, provider: str, sender: str, credentials_sealed: str) -> None:
        self._reconfigured(
            tenant_id=self.tenant_id,
            provider=_provider(provider).value,
            sender=require_text(sender, "sender", 64),
            credentials_sealed=credentials_sealed,
        )

    @event(Reconfigured)
    def _reconfigured(
        self, tenant_id: UUID, provider: str, sender: str, credentials_sealed: str
    ) -> None:
        self.provider, self.sender, self.credentials_sealed = provider, sender, credentials_sealed


def _provider(raw: str) -> Provider:
    try:
        return Provider(raw)
    except ValueError:
        known = ", ".join(p.value for p in Provider)
        raise InvalidValue(
            f"unknown provider {raw!r}; use one of {known}", field="provider"
        ) from None


class WhatsAppConsent(Aggregate):
    """Whether a number of a tenant may be messaged. Its id derives from tenant and number."""

    class Recorded(Aggregate.Created):
        tenant_id: UUID

    class OptedOut(Aggregate.Event):
        keyword: str

    class OptedIn(Aggregate.Event):
        keyword: str

    @staticmethod
    def id_for(tenant_id: UUID, phone: str) -> UUID:
        return uuid5(tenant_id, f"whatsapp-consent:{phone}")

    @classmethod
    def start(cls, tenant_id: UUID, phone: str) -> WhatsAppConsent:
        return cls._create(cls.Recorded, id=cls.id_for(tenant_id, phone), tenant_id=tenant_id)

    @event(Recorded)
    def __init__(self, tenant_id: UUID) -> None:
        self.tenant_id = tenant_id
        self.opted_out = False

    def opt_out(self, keyword: str) -> bool:
        """True if this changed anything (a second STOP is not news)."""
        if self.opted_out:
            return False
        self._opted_out(keyword=keyword)
        return True

    @event(OptedOut)
    def _opted_out(self, keyword: str) -> None:
        self.opted_out = True

    def opt_in(self, keyword: str) -> bool:
        if not self.opted_out:
            return False
        self._opted_in(keyword=keyword)
        return True

    @event(OptedIn)
    def _opted_in(self, keyword: str) -> None:
        self.opted_out = False


class OutboundMessage(Aggregate):
    """One WhatsApp message to one customer (or, for a confirmation, to a number) and what became
    of it: sent with the provider's id, failed with the provider's words, skipped, then the
    delivery statuses the provider reports."""

    class Queued(Aggregate.Created):
        tenant_id: UUID
        customer_id: UUID | None
        template: str
        variables: dict[str, str]
        source_id: UUID  # what it is about: invoice, payment, request, campaign
        campaign_id: UUID | None
        recipient_sealed: str | None  # only for a number that is no customer

    class Sent(Aggregate.Event):
        provider: str
        provider_message_id: str
        attempt: int

    class Failed(Aggregate.Event):
        error: str
        attempt: int
        will_retry: bool

    class Skipped(Aggregate.Event):
        reason: str  # opted_out, no_phone, campaign_stopped, no_channel

    class StatusReported(Aggregate.Event):
        status: str
        error: str | None

    class Replied(Aggregate.Event):
        opted_out: bool

    @classmethod
    def queue(
        cls,
        message_id: UUID,
        tenant_id: UUID,
        customer_id: UUID | None,
        template: str,
        variables: dict[str, str],
        source_id: UUID,
        campaign_id: UUID | None = None,
        recipient_sealed: str | None = None,
    ) -> OutboundMessage:
        if customer_id is None and recipient_sealed is None:
            raise InvalidValue("a message needs a customer or a recipient", field="customer_id")
        return cls._create(
            cls.Queued,
            id=message_id,
            tenant_id=tenant_id,
            customer_id=customer_id,
            template=template,
            variables=variables,
            source_id=source_id,
            campaign_id=campaign_id,
            recipient_sealed=recipient_sealed,
        )

    @event(Queued)
    def __init__(
        self,
        tenant_id: UUID,
        customer_id: UUID | None,
        template: str,
        variables: dict[str, str],
        source_id: UUID,
        campaign_id: UUID | None,
        recipient_sealed: str | None,
    ) -> None:
        self.tenant_id, self.customer_id, self.template = tenant_id, customer_id, template
        self.variables, self.source_id, self.campaign_id = variables, source_id, campaign_id
        self.recipient_sealed = recipient_sealed
        self.attempts = 0
        self.provider_message_id: str | None = None
        self.status = "queued"
        self.replied = False

    @property
    def finished(self) -> bool:
        """Sent or given up on: a send job finding it so does nothing (jobs run twice)."""
        return self.status not in {"queued", "retrying"}

    def sent(self, provider: str, provider_message_id: str) -> None:
        self._sent(
            provider=provider, provider_message_id=provider_message_id, attempt=self.attempts + 1
        )

    @event(Sent)
    def _sent(self, provider: str, provider_message_id: str, attempt: int) -> None:
        self.attempts, self.provider_message_id, self.status = attempt, provider_message_id, "sent"

    def failed(self, error: str, will_retry: bool) -> None:
        self._failed(error=printable(error, 500), attempt=self.attempts + 1, will_retry=will_retry)

    @event(Failed)
    def _failed(self, error: str, attempt: int, will_retry: bool) -> None:
        self.attempts = attempt
        self.status = "retrying" if will_retry else "failed"

    def skip(self, reason: str) -> None:
        self._skipped(reason=reason)

    @event(Skipped)
    def _skipped(self, reason: str) -> None:
        self.status = f"skipped_{reason}"

    def report(self, status: str, error: str | None = None) -> bool:
        """Record a provider's status; an earlier stage reported late changes nothing.
        True if it was recorded."""
        if status not in STATUS_RANK:
            raise InvalidValue(f"unknown delivery status {status!r}", field="status")
        if STATUS_RANK[status] <= STATUS_RANK.get(self.status, 0):
            return False
        self._status_reported(status=status, error=printable(error, 500) if error else None)
        return True

    @event(StatusReported)
    def _status_reported(self, status: str, error: str | None) -> None:
        self.status = status

    def reply(self, opted_out: bool) -> None:
        if not self.replied:
            self._replied(opted_out=opted_out)

    @event(Replied)
    def _replied(self, opted_out: bool) -> None:
        self.replied = True
