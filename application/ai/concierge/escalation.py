"""Chats left unanswered: a customer who has waited `NIAGA_CONCIERGE_ESCALATE_MINUTES` for a
technician is escalated once per wait, and the shop's staff get a notice (`concierge_unanswered`,
in the notification outbox like the other staff notices). Idempotent: the read model says who
may be due, the conversation itself decides, and the notice's id derives from the conversation
and its version, so running it again (or in two processes) records nothing new.

What else an escalation hands over (the support area's ticket for the chat) comes from the
`hand_over` hook and is saved in the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from uuid import UUID

from application.ai.concierge.ports import ConciergeReadModels
from application.shared.clock import Clock
from application.shared.context import Actor, ActorKind, Principal
from application.shared.errors import ConcurrentModification
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver, find
from domain.ai.conversation import Conversation
from domain.messaging.notification import NotificationRequest
from domain.shared.local_time import shown_time
from domain.shared.roles import Role

log = logging.getLogger(__name__)
ESCALATION = Actor(ActorKind.SYSTEM, "concierge-escalation")
NOTICE = "concierge_unanswered"
# Aggregates to save with an escalation, given the store, the escalated chat and the time.
HandOver = Callable[[EventStore, Conversation, datetime], Sequence[object]]


class ConciergeEscalations:
    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        clock: Clock,
        read_models: ConciergeReadModels,
        minutes: int,
        hand_over: HandOver | None = None,
    ) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock
        self._read_models = read_models
        self.minutes = minutes
        self._hand_over = hand_over or _nothing_more

    def escalate_due(self, store: EventStore) -> list[UUID]:
        """Escalate every conversation of the store whose customer has waited too long, as of
        the clock's now; returns those escalated now."""
        now = self._clock.now()
        cutoff = now - timedelta(minutes=self.minutes)
        escalated = []
        for tenant_id, conversation_id in self._read_models.waiting_since_before(store, cutoff):
            if self._escalate(store, tenant_id, conversation_id):
                escalated.append(conversation_id)
        return escalated

    def _escalate(self, store: EventStore, tenant_id: UUID, conversation_id: UUID) -> bool:
        now = self._clock.now()
        conversation = find(store, Conversation, conversation_id)
        if conversation is None or conversation.tenant_id != tenant_id:
            return False
        if conversation.waiting_since is None or not conversation.escalation_due(now, self.minutes):
            return False  # answered or closed since the read model looked
        since = conversation.waiting_since
        conversation.escalate(now, self.minutes)
        zone = tenant_of(self._stores, tenant_id).timezone
        notice = NotificationRequest.request(
            tenant_id,
            None,  # for the shop's staff
            NOTICE,
            {
                "nomor_chat": str(conversation.id)[:8].upper(),
                "menit": str(self.minutes),
                "sejak": shown_time(since, zone),
            },
            conversation.id,
            f"{NOTICE}:{conversation.version}",
        )
        handed = self._hand_over(store, conversation, now)
        principal = Principal(tenant_id, Role.OWNER, ESCALATION)
        try:
            self._saver.save(
                store, principal, "EscalateConciergeConversation", conversation, notice, *handed
            )
        except ConcurrentModification:
            log.info(
                "conversation %s changed while escalating; the next run looks again",
                conversation_id,
            )
            return False
        return True


def _nothing_more(_store: EventStore, _conversation: Conversation, _at: datetime) -> list[object]:
    return []
