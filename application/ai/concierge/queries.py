"""What the technicians read of the concierge: the queue of conversations (by state and
assignee, most recent activity first) and one conversation with its turns, the texts opened
with the customer's key (`[forgotten]` once the customer is forgotten)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from application.ai.concierge.ports import ConciergeReadModels, ConversationView, TurnView
from application.ai.concierge.sealing import unseal
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError
from application.shared.paging import MAX_PAGE
from application.shared.ports import Page, Stores
from domain.ai.conversation import WITH_TECHNICIANS, ChatState
from domain.shared.errors import InvalidValue

QUEUE = tuple(sorted(state.value for state in WITH_TECHNICIANS))


@dataclass(frozen=True)
class ConversationDetail:
    conversation: ConversationView
    turns: list[TurnView]


class ConciergeQueries:
    def __init__(self, stores: Stores, read_models: ConciergeReadModels) -> None:
        self._stores = stores
        self._read_models = read_models

    def conversations(
        self,
        principal: Principal,
        state: str | None,
        assignee_id: UUID | None,
        first: int,
        after: str | None,
    ) -> Page[ConversationView]:
        """The queue: conversations in `state` (none: open and assigned, those waiting for the
        technicians), optionally only one technician's."""
        authorize(principal, Permission.HANDLE_CONCIERGE)
        if not 1 <= first <= MAX_PAGE:
            raise ApplicationError(f"first must be between 1 and {MAX_PAGE}", field="first")
        states = QUEUE if state is None else (_state(state),)
        store = self._stores.for_tenant(principal.tenant_id)
        return self._read_models.conversations(
            store,
            principal.tenant_id,
            states=states,
            assignee_id=assignee_id,
            first=first,
            after=after,
        )

    def conversation(
        self, principal: Principal, conversation_id: UUID
    ) -> ConversationDetail | None:
        authorize(principal, Permission.HANDLE_CONCIERGE)
        store = self._stores.for_tenant(principal.tenant_id)
        view = self._read_models.conversation(store, principal.tenant_id, conversation_id)
        if view is None:
            return None
        turns = self._read_models.turns(store, principal.tenant_id, conversation_id)
        opened = [replace(t, text=unseal(store, view.customer_id, t.text)) for t in turns]
        return ConversationDetail(view, opened)


def _state(raw: str) -> str:
    try:
        return ChatState(raw).value
    except ValueError:
        allowed = ", ".join(s.value for s in ChatState)
        raise InvalidValue(f"state must be one of {allowed}", field="state") from None
