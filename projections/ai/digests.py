"""`ceo_digests`: every digest compiled, one row per tenant and day."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from domain.ai.digest import CeoDigest
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.base import jsonable
from projections.shared.rows import Row

DIGESTS = "ceo_digests"
COLUMNS = (
    "id",
    "tenant_id",
    "day",
    "mode",
    "ai_status",
    "figures",
    "insights",
    "messages",
    "model",
    "cost_micro_idr",
    "compiled_at",
)
JSONB = frozenset({"figures", "insights"})


class CeoDigestsProjection:
    name: str = "ceo_digests"
    event_types: tuple[type, ...] = (CeoDigest.Compiled,)
    tables: tuple[str, ...] = (DIGESTS,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        # A digest is compiled once (its id derives from tenant and day): the first row stays.
        compiled: dict[Any, Row] = {}
        for recorded in events:
            compiled.setdefault(recorded.aggregate_id, _row(recorded))
        table_rows.insert_absent(cur, schema, DIGESTS, COLUMNS, "id", compiled.values(), JSONB)


def _row(recorded: RecordedEvent) -> Row:
    e = recorded.event
    return {
        "id": recorded.aggregate_id,
        "tenant_id": e.tenant_id,
        "day": e.day,
        "mode": e.mode,
        "ai_status": e.ai_status,
        "figures": jsonable(e.figures),
        "insights": jsonable(e.insights),
        "messages": e.messages,
        "model": e.ai_usage.model,
        "cost_micro_idr": e.ai_usage.cost_micro_idr,
        "compiled_at": recorded.timestamp,
    }
