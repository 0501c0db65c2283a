"""`ai_key_list`: every AI key with its label, scope and state, never the key itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from domain.ai.key import AiKey, KeyScope
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.rows import Row

KEYS = "ai_key_list"
KEY_COLUMNS = (
    "id",
    "tenant_id",
    "scope",
    "label",
    "disabled_reason",
    "cooling_until",
    "last_error",
    "added_at",
    "updated_at",
)


class AiKeyListProjection:
    name: str = "ai_key_list"
    event_types: tuple[type, ...] = (AiKey.Added, AiKey.CooledDown, AiKey.Disabled)
    tables: tuple[str, ...] = (KEYS,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(cur, schema, KEYS, KEY_COLUMNS, events, AiKey.Added, _apply)


def _apply(keys: dict[Any, Row], recorded: RecordedEvent) -> None:
    event = recorded.event
    if isinstance(event, AiKey.Added):
        keys[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": event.tenant_id,
            "scope": (KeyScope.PLATFORM if event.tenant_id is None else KeyScope.TENANT).value,
            "label": event.label,
            "disabled_reason": None,
            "cooling_until": None,
            "last_error": None,
            "added_at": recorded.timestamp,
        }
    row = keys[recorded.aggregate_id]
    if isinstance(event, AiKey.CooledDown):
        # One column for every model a key rests on: the key is cooling until the last of them.
        resting = row["cooling_until"]
        row["cooling_until"] = event.until if resting is None else max(resting, event.until)
        row["last_error"] = event.fault.shown()
    elif isinstance(event, AiKey.Disabled):
        row["disabled_reason"] = event.reason
        if event.fault is not None:
            row["last_error"] = event.fault.shown()
    row["updated_at"] = recorded.timestamp
