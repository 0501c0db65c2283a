"""`audit_log`: who changed what, when and why, for every event in the store.

Built only from the event stream. Personal fields of a forgotten subject are redacted in rows
already written, so the log shows them as forgotten exactly as a rebuild from zero would.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql
from psycopg.types.json import Jsonb

from domain.shared.personal_data import FORGOTTEN, erases_subject
from domain.shared.recorded import RecordedEvent
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


class AuditLogProjection:
    name: str = "audit_log"
    event_types: tuple[type, ...] = ()  # every event
    tables: tuple[str, ...] = ("audit_log", "audit_state")

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        state = _load_state(cur, schema, {e.aggregate_id for e in events})
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
        _store_state(cur, schema, state)


def _fields(recorded: RecordedEvent) -> dict[str, Any]:
    values = {k: v for k, v in vars(recorded.event).items() if k not in _ENVELOPE}
    return {k: REDACTED if k in _REDACTED else jsonable(v) for k, v in values.items()}


def _row(recorded: RecordedEvent, changes: dict[str, Any]) -> dict[str, Any]:
    meta = recorded.meta
    return {
        "position": recorded.position,
        "tenant_id": UUID(meta.tenant_id) if meta.tenant_id else None,
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


def _store_state(cur: Cursor[Any], schema: str, state: dict[UUID, dict[str, Any]]) -> None:
    cur.executemany(
        sql.SQL(
            "INSERT INTO {} (aggregate_id, fields) VALUES (%s, %s) "
            "ON CONFLICT (aggregate_id) DO UPDATE SET fields = EXCLUDED.fields"
        ).format(table(schema, "audit_state")),
        [(aggregate_id, Jsonb(fields)) for aggregate_id, fields in state.items()],
    )


def _copy_rows(cur: Cursor[Any], schema: str, rows: list[dict[str, Any]]) -> None:
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
        table(schema, "audit_log"), sql.SQL(", ").join(map(sql.Identifier, AUDIT_COLUMNS))
    )
    with cur.copy(copy_sql) as copy:
        for row in rows:
            copy.write_row(
                [json.dumps(row[c]) if c == "changes" else row[c] for c in AUDIT_COLUMNS]
            )


def _value(row: Any, index: int) -> Any:
    return list(row.values())[index] if isinstance(row, dict) else row[index]
