"""The WhatsApp concierge's queue in GraphQL: chats handed to the technicians, listed by state
and assignee; assign one, reply to the customer (sent on WhatsApp), close it. Technicians,
owners and admins."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from api.graphql.shared.errors import CustomerForgottenError, Errors
from api.graphql.shared.parsing import found, parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from api.graphql.shared.types import Connection, connection_parts
from application.ai.concierge.ports import ConversationView, TurnView
from application.ai.concierge.queries import ConciergeQueries, ConversationDetail
from application.shared.context import Principal
from application.shared.ports import Page

_STATE = "bot (the concierge answers), open (waiting for a technician), assigned or closed"
_AI_STATUS = (
    "ok, or why the model did not answer: off, no_key, quota, timeout, invalid_answer, "
    "breaker_open, provider_error, budget"
)


@strawberry.type(description="A customer's WhatsApp conversation with the shop.")
class ConciergeConversation:
    id: strawberry.ID
    customer_id: strawberry.ID
    customer_name: str | None = strawberry.field(description="As the customer list holds it now")
    state: str = strawberry.field(description=_STATE)
    handoff_reason: str | None = strawberry.field(
        description="Why the concierge handed it over: not_confident, asked_for_person or "
        "ai_unavailable"
    )
    assignee_id: strawberry.ID | None = strawberry.field(description="The technician's id")
    assignee_name: str | None
    escalated: bool = strawberry.field(
        description="The customer has waited longer than the shop's limit and staff were told"
    )
    waiting_since: dt.datetime | None = strawberry.field(
        description="Since when the customer waits for a technician's reply"
    )
    last_ai_status: str | None = strawberry.field(description=_AI_STATUS)
    turn_count: int
    started_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_view(cls, view: ConversationView) -> ConciergeConversation:
        return cls(
            id=strawberry.ID(str(view.id)),
            customer_id=strawberry.ID(str(view.customer_id)),
            customer_name=view.customer_name,
            state=view.state,
            handoff_reason=view.handoff_reason,
            assignee_id=strawberry.ID(str(view.assignee_id)) if view.assignee_id else None,
            assignee_name=view.assignee_name,
            escalated=view.escalated,
            waiting_since=view.waiting_since,
            last_ai_status=view.last_ai_status,
            turn_count=view.turns,
            started_at=view.started_at,
            updated_at=view.updated_at,
        )


@strawberry.type(description="One message of a conversation.")
class ConciergeTurn:
    number: int
    speaker: str = strawberry.field(description="customer, concierge or technician")
    text: str = strawberry.field(description="[forgotten] once the customer is forgotten")
    mode: str | None = strawberry.field(
        description="For the concierge: ai, rules (answered without the model) or handoff"
    )
    ai_status: str | None = strawberry.field(description=_AI_STATUS)
    by: str | None = strawberry.field(description="The technician's user or key")
    at: dt.datetime

    @classmethod
    def from_view(cls, turn: TurnView) -> ConciergeTurn:
        return cls(
            number=turn.number,
            speaker=turn.speaker,
            text=turn.text,
            mode=turn.mode,
            ai_status=turn.ai_status,
            by=turn.by,
            at=turn.at,
        )


@strawberry.type(description="A conversation with every message, oldest first.")
class ConciergeChat:
    conversation: ConciergeConversation
    turns: list[ConciergeTurn]

    @classmethod
    def from_detail(cls, detail: ConversationDetail) -> ConciergeChat:
        return cls(
            conversation=ConciergeConversation.from_view(detail.conversation),
            turns=[ConciergeTurn.from_view(t) for t in detail.turns],
        )


@strawberry.type
class ConciergeConversationEdge:
    cursor: str
    node: ConciergeConversation


@strawberry.type
class ConciergeConversationConnection(Connection[ConciergeConversationEdge]):
    @classmethod
    def from_page(cls, page: Page[ConversationView]) -> ConciergeConversationConnection:
        return cls(
            **connection_parts(page, ConciergeConversation.from_view, ConciergeConversationEdge)
        )


@strawberry.type
class ConciergeConversationSuccess:
    conversation: ConciergeConversation
    message_id: strawberry.ID | None = strawberry.field(
        default=None, description="The WhatsApp message a reply queued"
    )


ConciergeConversationResult = Annotated[
    ConciergeConversationSuccess | Errors | CustomerForgottenError,
    strawberry.union("ConciergeConversationResult"),
]


def _success(
    queries: ConciergeQueries,
    who: Principal,
    conversation_id: strawberry.ID,
    message: str | None = None,
) -> ConciergeConversationSuccess:
    """The conversation as the command left it (the command waited for its read model)."""
    detail = found(queries.conversation(who, parse_id(conversation_id, "id")), "conversation")
    return ConciergeConversationSuccess(
        conversation=ConciergeConversation.from_view(detail.conversation),
        message_id=strawberry.ID(message) if message else None,
    )


@strawberry.type
class ConciergeQuery:
    @strawberry.field(
        description="The technicians' queue: conversations in a state (none: open and "
        "assigned), optionally one technician's, most recent activity first."
    )
    async def concierge_conversations(
        self,
        info: NiagaInfo,
        state: str | None = None,
        assignee_id: strawberry.ID | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> ConciergeConversationConnection:
        services, who = info.context.services, info.context.principal

        def read() -> Page[ConversationView]:
            assignee = parse_id(assignee_id, "assigneeId") if assignee_id else None
            return services.concierge_queries.conversations(who, state, assignee, first, after)

        return ConciergeConversationConnection.from_page(await query(read))

    @strawberry.field(description="One conversation with its messages.")
    async def concierge_conversation(self, info: NiagaInfo, id: strawberry.ID) -> ConciergeChat:
        services, who = info.context.services, info.context.principal
        detail = await query(
            lambda: found(
                services.concierge_queries.conversation(who, parse_id(id, "id")), "conversation"
            )
        )
        return ConciergeChat.from_detail(detail)


@strawberry.type
class ConciergeMutation:
    @strawberry.mutation(description="Give a conversation to a technician of the shop.")
    async def assign_concierge_conversation(
        self, info: NiagaInfo, id: strawberry.ID, technician_id: strawberry.ID
    ) -> ConciergeConversationResult:
        services, who = info.context.services, info.context.principal

        def assign() -> ConciergeConversationSuccess:
            technician = parse_id(technician_id, "technicianId")
            services.concierge_desk.assign(who, parse_id(id, "id"), technician)
            return _success(services.concierge_queries, who, id)

        return await run_command(assign)

    @strawberry.mutation(description="Answer the customer; the reply is sent on WhatsApp.")
    async def reply_to_concierge_conversation(
        self, info: NiagaInfo, id: strawberry.ID, text: str
    ) -> ConciergeConversationResult:
        services, who = info.context.services, info.context.principal

        def reply() -> ConciergeConversationSuccess:
            message = services.concierge_desk.reply(who, parse_id(id, "id"), text)
            return _success(services.concierge_queries, who, id, str(message))

        return await run_command(reply)

    @strawberry.mutation(
        description="Close a conversation; the customer's next message starts the concierge again."
    )
    async def close_concierge_conversation(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> ConciergeConversationResult:
        services, who = info.context.services, info.context.principal

        def close() -> ConciergeConversationSuccess:
            services.concierge_desk.close(who, parse_id(id, "id"))
            return _success(services.concierge_queries, who, id)

        return await run_command(close)
