"""The WhatsApp concierge's conversation with one customer of the repair shop.

The concierge answers (`Answered`) until the data does not hold the answer, then hands the
conversation to the technicians (`HandedOff`): open, assigned, replied to, closed. A message
while a technician has it waits for them; one after it was closed starts the concierge again.
A wait for a technician that lasts too long is escalated once (`Escalated`).

The texts hold personal data: the events carry them sealed with the customer's own
personal-data key (`*_sealed`), so forgetting the customer erases the conversation too. This
module validates the plain texts (`inbound_text`, `reply_text`) before the caller seals them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.ai.usage import AiUsage
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.text import check_text, printable

MAX_INBOUND = MAX_REPLY = 4096  # characters of a message (WhatsApp's own limit)
RECENT_TURNS = 20  # turns kept on the aggregate for the model's history
SEEN_KEPT = 200  # provider message ids remembered, so a webhook delivered again runs once


class ConciergeRefused(DomainError):
    """The conversation is not in a state that allows the command."""

    code = "CONCIERGE_REFUSED"


class ChatState(StrEnum):
    BOT = "bot"  # the concierge answers
    OPEN = "open"  # handed to the technicians, nobody assigned yet
    ASSIGNED = "assigned"
    CLOSED = "closed"


WITH_TECHNICIANS = frozenset({ChatState.OPEN, ChatState.ASSIGNED})


class Speaker(StrEnum):
    CUSTOMER = "customer"
    CONCIERGE = "concierge"
    TECHNICIAN = "technician"


class ReplyMode(StrEnum):
    AI = "ai"  # the model answered from the customer's records
    RULES = "rules"  # a simple question answered without the model (AI unavailable)
    HANDOFF = "handoff"  # "Tunggu sebentar ...": the technicians take over


class HandoffReason(StrEnum):
    NOT_CONFIDENT = "not_confident"  # the data does not hold the answer
    ASKED_FOR_PERSON = "asked_for_person"  # the model says a person should answer
    AI_UNAVAILABLE = "ai_unavailable"  # and no simple question the rules answer


def inbound_text(raw: str | None) -> str | None:
    """A customer's message made storable (it is never refused: it is what they wrote), or
    None when it holds no text."""
    text = printable(raw or "", MAX_INBOUND).strip()
    return text or None


def reply_text(raw: str) -> str:
    """A technician's reply: multi-line text, not empty, at most `MAX_REPLY` characters."""
    text = check_text(raw, "text", max_length=MAX_REPLY).strip()
    if not text:
        raise InvalidValue("text must not be empty", field="text")
    return text


class Conversation(Aggregate):
    """A customer's WhatsApp conversation with the repair shop's concierge, one per customer
    of a tenant (its id derives from both). The `*_sealed` texts are sealed with the
    customer's own personal-data key: forgetting the customer erases them."""

    class Started(Aggregate.Created):
        tenant_id: UUID
        customer_id: UUID

    class MessageReceived(Aggregate.Event):
        message_key: str  # the provider's message id
        text_sealed: str
        at: datetime

    class Answered(Aggregate.Event):
        text_sealed: str
        mode: str  # ai or rules
        ai_status: str  # "ok", or why the model did not answer (UnavailableReason values)
        context_sealed: str  # what the model was given (the customer's records), sealed
        ai_usage: AiUsage
        at: datetime

    class HandedOff(Aggregate.Event):
        reason: str
        text_sealed: str  # the "please wait" reply
        ai_status: str
        context_sealed: str
        ai_usage: AiUsage
        at: datetime

    class Assigned(Aggregate.Event):
        technician_id: UUID
        technician_name: str
        by: str
        at: datetime

    class Replied(Aggregate.Event):
        text_sealed: str
        by: str
        at: datetime

    class Escalated(Aggregate.Event):
        waiting_since: datetime
        after_minutes: int
        at: datetime

    class Closed(Aggregate.Event):
        by: str
        at: datetime

    @staticmethod
    def id_for(tenant_id: UUID, customer_id: UUID) -> UUID:
        return uuid5(tenant_id, f"concierge:{customer_id}")

    @classmethod
    def start(cls, tenant_id: UUID, customer_id: UUID) -> Conversation:
        return cls._create(
            cls.Started,
            id=cls.id_for(tenant_id, customer_id),
            tenant_id=tenant_id,
            customer_id=customer_id,
        )

    @event(Started)
    def __init__(self, tenant_id: UUID, customer_id: UUID) -> None:
        self.tenant_id, self.customer_id = tenant_id, customer_id
        self.state = ChatState.BOT
        self.seen: list[str] = []
        self.recent: list[tuple[Speaker, str]] = []  # (speaker, sealed text), oldest first
        self.waiting_since: datetime | None = None  # a customer waits for a technician
        self.escalated = False
        self.assignee_id: UUID | None = None
        self.assignee_name: str | None = None
        self.handoff_reason: HandoffReason | None = None

    # -- the customer and the concierge -----------------------------------------------------

    def has_seen(self, message_key: str) -> bool:
        return message_key in self.seen

    def receive(self, message_key: str, text_sealed: str, at: datetime) -> None:
        if self.has_seen(message_key):
            raise ConciergeRefused("this message was received before", field="message_key")
        self._received(message_key=message_key, text_sealed=text_sealed, at=at)

    @event(MessageReceived)
    def _received(self, message_key: str, text_sealed: str, at: datetime) -> None:
        self.seen = [*self.seen[-(SEEN_KEPT - 1) :], message_key]
        self._remember(Speaker.CUSTOMER, text_sealed)
        if self.state is ChatState.CLOSED:
            self.state = ChatState.BOT
        elif self.state in WITH_TECHNICIANS and self.waiting_since is None:
            self.waiting_since = at

    def answer(
        self,
        text_sealed: str,
        mode: ReplyMode,
        ai_status: str,
        context_sealed: str,
        ai_usage: AiUsage,
        at: datetime,
    ) -> None:
        self._require({ChatState.BOT}, "answer")
        if mode is ReplyMode.HANDOFF:
            raise InvalidValue("a handoff is recorded with hand_off", field="mode")
        self._answered(
            text_sealed=text_sealed,
            mode=mode.value,
            ai_status=ai_status,
            context_sealed=context_sealed,
            ai_usage=ai_usage,
            at=at,
        )

    @event(Answered)
    def _answered(
        self,
        text_sealed: str,
        mode: str,
        ai_status: str,
        context_sealed: str,
        ai_usage: AiUsage,
        at: datetime,
    ) -> None:
        self._remember(Speaker.CONCIERGE, text_sealed)

    def hand_off(
        self,
        reason: HandoffReason,
        text_sealed: str,
        ai_status: str,
        context_sealed: str,
        ai_usage: AiUsage,
        at: datetime,
    ) -> None:
        self._require({ChatState.BOT}, "hand off")
        self._handed_off(
            reason=reason.value,
            text_sealed=text_sealed,
            ai_status=ai_status,
            context_sealed=context_sealed,
            ai_usage=ai_usage,
            at=at,
        )

    @event(HandedOff)
    def _handed_off(
        self,
        reason: str,
        text_sealed: str,
        ai_status: str,
        context_sealed: str,
        ai_usage: AiUsage,
        at: datetime,
    ) -> None:
        self._remember(Speaker.CONCIERGE, text_sealed)
        self.state, self.handoff_reason = ChatState.OPEN, HandoffReason(reason)
        self.waiting_since, self.escalated = at, False
        self.assignee_id = self.assignee_name = None

    # -- the technicians --------------------------------------------------------------------

    def assign(self, technician_id: UUID, technician_name: str, by: str, at: datetime) -> None:
        self._require(WITH_TECHNICIANS, "assign")
        self._assigned(technician_id=technician_id, technician_name=technician_name, by=by, at=at)

    @event(Assigned)
    def _assigned(self, technician_id: UUID, technician_name: str, by: str, at: datetime) -> None:
        self.state = ChatState.ASSIGNED
        self.assignee_id, self.assignee_name = technician_id, technician_name

    def reply(self, text_sealed: str, by: str, at: datetime) -> None:
        self._require(WITH_TECHNICIANS, "reply to")
        self._replied(text_sealed=text_sealed, by=by, at=at)

    @event(Replied)
    def _replied(self, text_sealed: str, by: str, at: datetime) -> None:
        self._remember(Speaker.TECHNICIAN, text_sealed)
        self.waiting_since, self.escalated = None, False

    def close(self, by: str, at: datetime) -> None:
        self._require({ChatState.BOT, *WITH_TECHNICIANS}, "close")
        self._closed(by=by, at=at)

    @event(Closed)
    def _closed(self, by: str, at: datetime) -> None:
        self.state = ChatState.CLOSED
        self.waiting_since, self.escalated = None, False

    # -- waiting too long -------------------------------------------------------------------

    def escalation_due(self, now: datetime, minutes: int) -> bool:
        """A customer has waited `minutes` for a technician, and nobody was told yet."""
        return (
            self.state in WITH_TECHNICIANS
            and self.waiting_since is not None
            and not self.escalated
            and now - self.waiting_since >= timedelta(minutes=minutes)
        )

    def escalate(self, now: datetime, minutes: int) -> None:
        if self.waiting_since is None or not self.escalation_due(now, minutes):
            raise ConciergeRefused("nobody has waited long enough to escalate", field="state")
        self._escalated(waiting_since=self.waiting_since, after_minutes=minutes, at=now)

    @event(Escalated)
    def _escalated(self, waiting_since: datetime, after_minutes: int, at: datetime) -> None:
        self.escalated = True

    # -- helpers ----------------------------------------------------------------------------

    def _require(self, allowed: set[ChatState] | frozenset[ChatState], doing: str) -> None:
        if self.state not in allowed:
            raise ConciergeRefused(
                f"cannot {doing} a conversation that is {self.state.value}", field="state"
            )

    def _remember(self, speaker: Speaker, text_sealed: str) -> None:
        self.recent = [*self.recent[-(RECENT_TURNS - 1) :], (speaker, text_sealed)]
