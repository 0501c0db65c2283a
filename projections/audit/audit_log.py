"""`audit_log`: who changed what, when and why, for every event in the store.

Built only from the event stream. Personal fields of a forgotten subject are redacted in rows
already written, so the log shows them as forgotten exactly as a rebuild from zero would.

It reads every event, so a page is cheap or the whole catch-up is slow: one look-up of the last
known fields of the page's aggregates, one binary COPY of its entries, and one COPY and one
upsert of those fields, whatever the page holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql
from psycopg.types.json import Jsonb

from domain.shared.personal_data import FORGOTTEN, erases_subject
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.base import jsonable, table

_ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})
# Secrets never reach the audit log, not even hashed.
_REDACTED = frozenset({"secret_hash"})
REDACTED = "[redacted]"
AUDIT_COLUMNS = (
    "position",
    "tenant_id",
    "actor",
    "command",
    "action",
    "aggregate_type",
    "aggregate_id",
    "version",
    "changes",
    "occurred_at",
    "correlation_id",
    "causation_id",
)
_IN_COLUMN_ORDER = itemgetter(*AUDIT_COLUMNS)
_CHANGES_AT = AUDIT_COLUMNS.index("changes")
STATE_COLUMNS = ("aggregate_id", "fields")
STATE_JSONB = frozenset({"fields"})


class AuditLogProjection:
    name: str = "audit_log"
    event_types: tuple[type, ...] = ()  # every event
    tables: tuple[str, ...] = ("audit_log", "audit_state")

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        state = _load_state(cur, schema, {e.aggregate_id for e in events})
        stored = set(state)
        rows: list[dict[str, Any]] = []
        for recorded in events:
            fields = _fields(recorded)
            known = state.setdefault(recorded.aggregate_id, {})
            rows.append(
                _row(recorded, {k: {"old": known.get(k), "new": v} for k, v in fields.items()})
            )
            known.update(fields)
            if _forgets(recorded):
                personal: frozenset[str] = getattr(recorded.event, "personal_fields", frozenset())
                _redact_state(known, personal)
                _redact_pending(rows, recorded.aggregate_id, personal)
                _redact_stored(cur, schema, recorded.aggregate_id, personal)
        _copy_rows(cur, schema, rows)
        _store_state(cur, schema, state, stored)


def _fields(recorded: RecordedEvent) -> dict[str, Any]:
    return {
        k: REDACTED if k in _REDACTED else jsonable(v)
        for k, v in vars(recorded.event).items()
        if k not in _ENVELOPE
    }


def _row(recorded: RecordedEvent, changes: dict[str, Any]) -> dict[str, Any]:
    meta = recorded.meta
    return {
        "position": recorded.position,
        "tenant_id": _tenant_uuid(meta.tenant_id) if meta.tenant_id else None,
        "actor": meta.actor,
        "command": meta.command,
        "action": recorded.name,
        "aggregate_type": recorded.aggregate_type,
        "aggregate_id": recorded.aggregate_id,
        "version": recorded.version,
        "changes": changes,
        "occurred_at": recorded.timestamp,
        "correlation_id": meta.correlation_id,
        "causation_id": meta.causation_id,
    }


@lru_cache(maxsize=1024)
def _tenant_uuid(tenant_id: str) -> UUID:
    """A store holds few tenants: their ids are parsed once, not once per event."""
    return UUID(tenant_id)


def _forgets(recorded: RecordedEvent) -> bool:
    return erases_subject(type(recorded.event))


def _redacted(value: Any) -> Any:
    return None if value is None else FORGOTTEN


def _redact_changes(changes: dict[str, Any], personal: frozenset[str]) -> dict[str, Any]:
    return {
        k: ({"old": _redacted(v["old"]), "new": _redacted(v["new"])} if k in personal else v)
        for k, v in changes.items()
    }


def _redact_state(known: dict[str, Any], personal: frozenset[str]) -> None:
    for field in personal & known.keys():
        known[field] = _redacted(known[field])


def _redact_pending(
    rows: list[dict[str, Any]], aggregate_id: UUID, personal: frozenset[str]
) -> None:
    for row in rows:
        if row["aggregate_id"] == aggregate_id:
            row["changes"] = _redact_changes(row["changes"], personal)


def _redact_stored(
    cur: Cursor[Any], schema: str, aggregate_id: UUID, personal: frozenset[str]
) -> None:
    cur.execute(
        sql.SQL("SELECT position, changes FROM {} WHERE aggregate_id = %s").format(
            table(schema, "audit_log")
        ),
        (aggregate_id,),
    )
    updates = [
        (Jsonb(_redact_changes(_value(r, 1), personal)), _value(r, 0)) for r in cur.fetchall()
    ]
    if updates:
        cur.executemany(
            sql.SQL("UPDATE {} SET changes = %s WHERE position = %s").format(
                table(schema, "audit_log")
            ),
            updates,
        )


def _load_state(cur: Cursor[Any], schema: str, ids: set[UUID]) -> dict[UUID, dict[str, Any]]:
    cur.execute(
        sql.SQL("SELECT aggregate_id, fields FROM {} WHERE aggregate_id = ANY(%s)").format(
            table(schema, "audit_state")
        ),
        (list(ids),),
    )
    return {_value(r, 0): _value(r, 1) for r in cur.fetchall()}


def _store_state(
    cur: Cursor[Any], schema: str, state: dict[UUID, dict[str, Any]], stored: set[UUID]
) -> None:
    """Write back the page's aggregates' fields: COPY those seen for the first time (the
    look-up found no row), one upsert over arrays for those already stored."""
    new = [(k, v) for k, v in state.items() if k not in stored]
    if new:
        table_rows.copy_binary(cur, schema, "audit_state", STATE_COLUMNS, new)
    known = ({"aggregate_id": k, "fields": v} for k, v in state.items() if k in stored)
    table_rows.upsert(cur, schema, "audit_state", STATE_COLUMNS, "aggregate_id", known, STATE_JSONB)


def _copy_rows(cur: Cursor[Any], schema: str, rows: list[dict[str, Any]]) -> None:
    table_rows.copy_binary(
        cur, schema, "audit_log", AUDIT_COLUMNS, (_IN_COLUMN_ORDER(row) for row in rows)
    )


def _value(row: Any, index: int) -> Any:
    return list(row.values())[index] if isinstance(row, dict) else row[index]
