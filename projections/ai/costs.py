"""`ai_costs`: what AI cost each tenant per day, feature and model; `ai_budgets`: each tenant's
monthly AI budget (rows in the platform store only, where budgets are kept).

`ai_costs` reads exactly the events of `METERED_EVENTS`, each carrying `ai_usage` (or
`ai_usages`): calls, input and output tokens, cost in millionths of a rupiah, latency, and the
calls that did not end `ok` counted by outcome. Days are WIB (`domain/ai/budget.py`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID, uuid5

from psycopg import Cursor

from domain.ai.budget import AiBudget, cost_day
from domain.ai.usage import OK, AiUsage
from domain.shared.recorded import RecordedEvent
from projections.ai.metered import METERED_EVENTS
from projections.shared import rows as table_rows
from projections.shared.rows import Row

COSTS = "ai_costs"
COST_COLUMNS = (
    "id",
    "tenant_id",
    "day",
    "feature",
    "model",
    "calls",
    "input_tokens",
    "output_tokens",
    "cost_micro_idr",
    "latency_ms",
    "failures",
)
BUDGETS = "ai_budgets"
BUDGET_COLUMNS = ("id", "tenant_id", "monthly_idr", "updated_at")
NO_MODEL = ""  # the model column of calls no model was asked for
_ROWS = UUID("4c0f6a52-3f55-4c4e-9d7e-1a2b6a0c7e11")  # namespace of the rows' ids
_JSON = frozenset({"failures"})


def usages_of(event: object) -> Iterator[AiUsage]:
    """The usage records an event carries: `ai_usage`, and `ai_usages` for several calls."""
    one = getattr(event, "ai_usage", None)
    if isinstance(one, AiUsage):
        yield one
    yield from (u for u in getattr(event, "ai_usages", ()) if isinstance(u, AiUsage))


class AiCostsProjection:
    name: str = "ai_costs"
    event_types: tuple[type, ...] = METERED_EVENTS
    tables: tuple[str, ...] = (COSTS,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        calls = [(cost_day(r.timestamp), usage) for r in events for usage in usages_of(r.event)]
        keys = {_key(day, usage): (day, usage) for day, usage in calls}
        rows = table_rows.load(cur, schema, COSTS, COST_COLUMNS, "id", keys)
        for day, usage in calls:
            key = _key(day, usage)
            row = rows.get(key) or rows.setdefault(key, _empty(key, day, usage))
            _add(row, usage)
        table_rows.upsert(cur, schema, COSTS, COST_COLUMNS, "id", rows.values(), _JSON)


def _key(day: Any, usage: AiUsage) -> UUID:
    return uuid5(_ROWS, f"{usage.tenant_id}/{day}/{usage.feature}/{usage.model or NO_MODEL}")


def _empty(key: UUID, day: Any, usage: AiUsage) -> Row:
    return {
        "id": key,
        "tenant_id": usage.tenant_id,
        "day": day,
        "feature": usage.feature,
        "model": usage.model or NO_MODEL,
        "calls": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "cost_micro_idr": 0,
        "latency_ms": 0,
        "failures": {},
    }


def _add(row: Row, usage: AiUsage) -> None:
    row["calls"] += 1
    row["input_tokens"] += usage.input_tokens
    row["output_tokens"] += usage.output_tokens
    row["cost_micro_idr"] += usage.cost_micro_idr
    row["latency_ms"] += usage.latency_ms
    if usage.outcome != OK:
        failures = dict(row["failures"])
        failures[usage.outcome] = failures.get(usage.outcome, 0) + 1
        row["failures"] = failures


class AiBudgetsProjection:
    name: str = "ai_budgets"
    event_types: tuple[type, ...] = (AiBudget.Started, AiBudget.Changed)
    tables: tuple[str, ...] = (BUDGETS,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(
            cur, schema, BUDGETS, BUDGET_COLUMNS, events, AiBudget.Started, _apply_budget
        )


def _apply_budget(budgets: dict[Any, Row], recorded: RecordedEvent) -> None:
    event = recorded.event
    if isinstance(event, AiBudget.Started):
        budgets[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": event.tenant_id,
            "monthly_idr": None,
        }
    elif isinstance(event, AiBudget.Changed):
        budgets[recorded.aggregate_id]["monthly_idr"] = event.monthly_idr
    budgets[recorded.aggregate_id]["updated_at"] = recorded.timestamp
