"""`agent_list` and `agent_ledger`: resellers with their balances, and every balance movement
with the balance before and after it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from domain.shared.recorded import RecordedEvent
from domain.vouchers.agent import Agent, Movement
from projections.shared import rows as table_rows
from projections.shared.base import jsonable
from projections.shared.rows import Row

AGENTS = "agent_list"
AGENT_COLUMNS = (
    "id",
    "tenant_id",
    "name",
    "phone",
    "parent_id",
    "ancestors",
    "level",
    "balance",
    "credit_limit",
    "enrolled_at",
    "updated_at",
)
LEDGER = "agent_ledger"
LEDGER_COLUMNS = (
    "agent_id",
    "version",
    "tenant_id",
    "kind",
    "amount",
    "balance_before",
    "balance_after",
    "detail",
    "occurred_at",
)
MOVEMENTS: dict[type, Movement] = {
    Agent.ToppedUp: Movement.TOP_UP,
    Agent.Debited: Movement.PURCHASE,
    Agent.Refunded: Movement.REFUND,
    Agent.CommissionEarned: Movement.COMMISSION,
    Agent.Adjusted: Movement.ADJUSTMENT,
}
_BASE_FIELDS = {
    "originator_id",
    "originator_version",
    "timestamp",
    "amount",
    "balance_before",
    "balance_after",
}


class AgentListProjection:
    name: str = AGENTS
    event_types: tuple[type, ...] = (Agent.Enrolled, Agent.CreditLimitChanged, *MOVEMENTS)
    tables: tuple[str, ...] = (AGENTS,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(
            cur,
            schema,
            AGENTS,
            AGENT_COLUMNS,
            events,
            Agent.Enrolled,
            _apply_agent,
            frozenset({"ancestors"}),
        )


def _apply_agent(rows: dict[Any, Row], recorded: RecordedEvent) -> None:
    e = recorded.event
    if isinstance(e, Agent.Enrolled):
        rows[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": e.tenant_id,
            "name": e.name,
            "phone": e.phone,
            "parent_id": e.parent_id,
            "ancestors": [str(a) for a in e.ancestors],
            "level": len(e.ancestors) + 1,
            "balance": 0,
            "credit_limit": e.credit_limit,
            "enrolled_at": recorded.timestamp,
        }
    row = rows[recorded.aggregate_id]
    if isinstance(e, Agent.CreditLimitChanged):
        row["credit_limit"] = e.credit_limit
    elif type(e) in MOVEMENTS:
        row["balance"] = e.balance_after
    row["updated_at"] = recorded.timestamp


class AgentLedgerProjection:
    name: str = LEDGER
    event_types: tuple[type, ...] = tuple(MOVEMENTS)
    tables: tuple[str, ...] = (LEDGER,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        entries = [_entry(r) for r in events]
        if entries:
            table_rows.copy_in(cur, schema, LEDGER, LEDGER_COLUMNS, entries, frozenset({"detail"}))


def _entry(recorded: RecordedEvent) -> dict[str, Any]:
    e = recorded.event
    detail = {k: jsonable(v) for k, v in vars(e).items() if k not in _BASE_FIELDS}
    return {
        "agent_id": recorded.aggregate_id,
        "version": recorded.version,
        "tenant_id": recorded.meta.tenant_id,
        "kind": MOVEMENTS[type(e)].value,
        "amount": e.balance_after - e.balance_before,
        "balance_before": e.balance_before,
        "balance_after": e.balance_after,
        "detail": detail,
        "occurred_at": recorded.timestamp,
    }
