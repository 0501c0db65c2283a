"""`concierge_conversations` (the technicians' queue: one row per conversation with its state,
assignee and wait) and `concierge_turns` (every turn, its text still sealed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from domain.ai.conversation import ChatState, Conversation, ReplyMode, Speaker
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.rows import Row

CONVERSATIONS = "concierge_conversations"
TURNS = "concierge_turns"
COLUMNS = (
    "id",
    "tenant_id",
    "customer_id",
    "state",
    "handoff_reason",
    "assignee_id",
    "assignee_name",
    "escalated",
    "waiting_since",
    "last_ai_status",
    "turns",
    "started_at",
    "updated_at",
)
TURN_COLUMNS = (
    "conversation_id",
    "number",
    "tenant_id",
    "speaker",
    "text",
    "mode",
    "ai_status",
    "by_actor",
    "at",
)
_QUEUE = frozenset({ChatState.OPEN.value, ChatState.ASSIGNED.value})


class ConciergeProjection:
    name: str = "concierge_conversations"
    event_types: tuple[type, ...] = (
        Conversation.Started,
        Conversation.MessageReceived,
        Conversation.Answered,
        Conversation.HandedOff,
        Conversation.Assigned,
        Conversation.Replied,
        Conversation.Escalated,
        Conversation.Closed,
    )
    tables: tuple[str, ...] = (CONVERSATIONS, TURNS)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        created, existing = table_rows.split(events, Conversation.Started)
        rows = table_rows.load(cur, schema, CONVERSATIONS, COLUMNS, "id", existing)
        turns: list[Row] = []
        for recorded in events:
            if isinstance(recorded.event, Conversation.Started):
                rows[recorded.aggregate_id] = _started(recorded)
            row = rows.get(recorded.aggregate_id)
            if row is None:
                continue
            turn = _turn(row, recorded)
            if turn is not None:
                turns.append(turn)
                row["turns"] += 1
            _apply(row, recorded)
        table_rows.save(cur, schema, CONVERSATIONS, COLUMNS, "id", rows, created)
        if turns:
            table_rows.copy_in(cur, schema, TURNS, TURN_COLUMNS, turns)


def _started(recorded: RecordedEvent) -> Row:
    e = recorded.event
    row: Row = dict.fromkeys(COLUMNS)
    row.update(
        id=recorded.aggregate_id,
        tenant_id=e.tenant_id,
        customer_id=e.customer_id,
        state=ChatState.BOT.value,
        escalated=False,
        turns=0,
        started_at=recorded.timestamp,
    )
    return row


def _apply(row: Row, recorded: RecordedEvent) -> None:
    e = recorded.event
    if isinstance(e, Conversation.MessageReceived):
        if row["state"] == ChatState.CLOSED.value:
            row["state"] = ChatState.BOT.value
        elif row["state"] in _QUEUE and row["waiting_since"] is None:
            row["waiting_since"] = e.at
    elif isinstance(e, Conversation.Answered):
        row["last_ai_status"] = e.ai_status
    elif isinstance(e, Conversation.HandedOff):
        row.update(
            state=ChatState.OPEN.value,
            handoff_reason=e.reason,
            last_ai_status=e.ai_status,
            waiting_since=e.at,
            escalated=False,
            assignee_id=None,
            assignee_name=None,
        )
    elif isinstance(e, Conversation.Assigned):
        row.update(
            state=ChatState.ASSIGNED.value,
            assignee_id=e.technician_id,
            assignee_name=e.technician_name,
        )
    elif isinstance(e, Conversation.Replied):
        row.update(waiting_since=None, escalated=False)
    elif isinstance(e, Conversation.Escalated):
        row["escalated"] = True
    elif isinstance(e, Conversation.Closed):
        row.update(state=ChatState.CLOSED.value, waiting_since=None, escalated=False)
    row["updated_at"] = recorded.timestamp


def _turn(row: Row, recorded: RecordedEvent) -> Row | None:
    e = recorded.event
    if isinstance(e, Conversation.MessageReceived):
        speaker, mode, status, by = Speaker.CUSTOMER, None, None, None
    elif isinstance(e, Conversation.Answered):
        speaker, mode, status, by = Speaker.CONCIERGE, e.mode, e.ai_status, None
    elif isinstance(e, Conversation.HandedOff):
        speaker, mode, status, by = Speaker.CONCIERGE, ReplyMode.HANDOFF.value, e.ai_status, None
    elif isinstance(e, Conversation.Replied):
        speaker, mode, status, by = Speaker.TECHNICIAN, None, None, e.by
    else:
        return None
    return {
        "conversation_id": recorded.aggregate_id,
        "number": recorded.version,
        "tenant_id": row["tenant_id"],
        "speaker": speaker.value,
        "text": e.text_sealed,
        "mode": mode,
        "ai_status": status,
        "by_actor": by,
        "at": e.at,
    }
