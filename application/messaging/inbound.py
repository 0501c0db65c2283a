"""What customers send back, and what providers report about messages sent.

Inbound messages go through a small dispatcher: opt-out runs first and is honoured at once,
then whatever other handlers were registered (repair approvals, the support tickets' KELUHAN /
TIKET, the concierge, voucher commands; see adapters/bootstrap.py), in order, until one takes
the message. Another area's keyword (SETUJU, KELUHAN, HARGA) is that area's own handler.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID, uuid5

from eventsourcing.persistence import IntegrityError

from application.messaging.messaging import phone_key
from application.messaging.ports import WhatsAppReadModels
from application.shared.context import Actor, ActorKind, recording
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.secrets import SecretBox
from application.shared.unit_of_work import find
from domain.customers.customer import CustomerPhone
from domain.messaging.whatsapp import STATUS_RANK, OutboundMessage, WhatsAppConsent
from domain.shared.errors import InvalidValue

log = logging.getLogger(__name__)
WEBHOOK = Actor(ActorKind.GATEWAY, "whatsapp")
OPT_OUT_WORDS = frozenset({"STOP", "BERHENTI"})
OPT_IN_WORDS = frozenset({"MULAI"})
_NOISE = re.compile(r"[\s.!,]+")


@dataclass(frozen=True)
class Inbound:
    tenant_id: UUID
    phone: str  # +62...
    text: str
    provider_message_id: str


class InboundHandler(Protocol):
    name: str

    def handle(self, message: Inbound) -> bool:
        """True if the message was this handler's (later handlers then do not see it)."""
        ...


def keyword(text: str) -> str:
    """`' stop '`, `'Stop!'` and `'s t o p'` all read as STOP."""
    return _NOISE.sub("", text).upper()


class _Recorder:
    def __init__(self, stores: Stores, sync: ReadModelSync) -> None:
        self._stores = stores
        self._sync = sync

    def save(self, tenant_id: UUID, command: str, *objs: object) -> bool:
        store = self._stores.for_tenant(tenant_id)
        with recording(command, actor=WEBHOOK, tenant_id=tenant_id):
            try:
                position = store.save_and_locate(*objs)
            except IntegrityError:
                # The provider delivered the same webhook twice, and both got this far.
                return False
        self._sync.wait(store, position)
        return True


class OptOut:
    """STOP / BERHENTI stop every later message to the number at once; MULAI undoes it. Each is
    confirmed in Indonesian, and counted as a reply to the campaign that reached the number."""

    name = "opt_out"

    def __init__(
        self,
        stores: Stores,
        read_models: WhatsAppReadModels,
        sync: ReadModelSync,
        secrets: SecretBox,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._recorder = _Recorder(stores, sync)
        self._secrets = secrets

    def handle(self, message: Inbound) -> bool:
        word = keyword(message.text)
        if word not in OPT_OUT_WORDS | OPT_IN_WORDS:
            return False
        store = self._stores.for_tenant(message.tenant_id)
        consent = find(
            store, WhatsAppConsent, WhatsAppConsent.id_for(message.tenant_id, message.phone)
        ) or WhatsAppConsent.start(message.tenant_id, message.phone)
        stopping = word in OPT_OUT_WORDS
        changed = consent.opt_out(word) if stopping else consent.opt_in(word)
        if not changed:
            return True
        customer_id = customer_of(store, message.tenant_id, message.phone)
        confirmation = OutboundMessage.queue(
            uuid5(consent.id, f"confirmation:{consent.version}"),
            message.tenant_id,
            customer_id,
            "opt_out_confirmation" if stopping else "opt_in_confirmation",
            {},
            consent.id,
            recipient_sealed=None if customer_id else self._secrets.seal(message.phone),
        )
        replied = _replied_to(store, self._read_models, message, customer_id, stopping)
        self._recorder.save(
            message.tenant_id, "RecordWhatsAppConsent", consent, confirmation, *replied
        )
        return True


# A command interpreter: (tenant, sender's number, text) -> the reply, or None if not its message.
Interpreter = Callable[[UUID, str, str], str | None]


class CommandReplies:
    """Hands a message to a command interpreter (voucher commands, answers to repair quotes) and
    sends its Indonesian reply back to the sender through the outbox.

    The reply's id derives from the provider's message id, so a webhook delivered again finds
    the reply already queued and runs the command only once."""

    def __init__(
        self,
        name: str,
        interpret: Interpreter,
        stores: Stores,
        sync: ReadModelSync,
        secrets: SecretBox,
    ) -> None:
        self.name = name
        self._interpret = interpret
        self._stores = stores
        self._recorder = _Recorder(stores, sync)
        self._secrets = secrets

    def handle(self, message: Inbound) -> bool:
        store = self._stores.for_tenant(message.tenant_id)
        reply_id = uuid5(message.tenant_id, f"reply:{message.provider_message_id}")
        if find(store, OutboundMessage, reply_id) is not None:
            return True  # this message was answered before
        reply = self._interpret(message.tenant_id, message.phone, message.text)
        if reply is None:
            return False
        customer_id = customer_of(store, message.tenant_id, message.phone)
        outbound = OutboundMessage.queue(
            reply_id,
            message.tenant_id,
            customer_id,
            "command_reply",
            {"balasan": reply},
            reply_id,
            recipient_sealed=None if customer_id else self._secrets.seal(message.phone),
        )
        self._recorder.save(message.tenant_id, "ReplyOnWhatsApp", outbound)
        return True


class ReplyTracker:
    """Any other message counts as a reply to the last campaign message the customer got."""

    name = "replies"

    def __init__(
        self, stores: Stores, read_models: WhatsAppReadModels, sync: ReadModelSync
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._recorder = _Recorder(stores, sync)

    def handle(self, message: Inbound) -> bool:
        store = self._stores.for_tenant(message.tenant_id)
        customer_id = customer_of(store, message.tenant_id, message.phone)
        replied = _replied_to(store, self._read_models, message, customer_id, False)
        if replied:
            self._recorder.save(message.tenant_id, "RecordWhatsAppReply", *replied)
        return False


def _replied_to(
    store: EventStore,
    read_models: WhatsAppReadModels,
    message: Inbound,
    customer_id: UUID | None,
    opted_out: bool,
) -> list[OutboundMessage]:
    if customer_id is None:
        return []
    last = read_models.last_campaign_message(store, message.tenant_id, customer_id)
    outbound = find(store, OutboundMessage, last) if last else None
    if outbound is None or outbound.replied:
        return []
    outbound.reply(opted_out)
    return [outbound]


def customer_of(store: EventStore, tenant_id: UUID, phone: str) -> UUID | None:
    claim = find(store, CustomerPhone, CustomerPhone.id_for(tenant_id, phone))
    return claim.customer_id if claim else None


class InboundDispatcher:
    def __init__(self, opt_out: InboundHandler) -> None:
        self._handlers: list[InboundHandler] = [opt_out]

    def register(self, handler: InboundHandler) -> None:
        """Add a handler after those already there; opt-out always stays first."""
        self._handlers.append(handler)

    def dispatch(
        self, tenant_id: UUID, phone: str, text: str, provider_message_id: str
    ) -> str | None:
        """Hand the message to each handler in turn; return the name of the one that took it."""
        try:
            number = phone_key(phone)
        except InvalidValue:
            log.info("inbound WhatsApp message from a number that is not Indonesian; ignored")
            return None
        message = Inbound(tenant_id, number, text, provider_message_id)
        for handler in self._handlers:
            if handler.handle(message):
                return handler.name
        return None


class DeliveryStatuses:
    """Records what the provider reports (sent, delivered, read, failed), in any order."""

    def __init__(
        self, stores: Stores, read_models: WhatsAppReadModels, sync: ReadModelSync
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._recorder = _Recorder(stores, sync)

    def report(self, tenant_id: UUID, provider_id: str, status: str, error: str | None) -> bool:
        """True if it changed the message's record; unknown ids, stale statuses and statuses
        Niaga does not track (Meta adds new ones) do not."""
        if status not in STATUS_RANK:
            log.info("WhatsApp status %r is not tracked; ignored", status)
            return False
        store = self._stores.for_tenant(tenant_id)
        message_id = self._read_models.by_provider_id(store, tenant_id, provider_id)
        message = find(store, OutboundMessage, message_id) if message_id else None
        if message is None or message.tenant_id != tenant_id:
            log.info("status %s for unknown WhatsApp message %s", status, provider_id)
            return False
        if not message.report(status, error):
            return False
        return self._recorder.save(tenant_id, "ReportWhatsAppStatus", message)
