"""Streams a period of a store's audit log or events, and writes them as CSV or JSON Lines.

Rows come through a server-side cursor a page at a time, so an export of any size holds one
page in memory. Events are selected by their own recorded time and envelope (not through a
read model) and decoded like any reader decodes them: a forgotten subject's personal fields read
`[forgotten]`, and secrets are redacted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from psycopg import sql

from adapters.shared.stores import PostgresEventStore, PostgresStores
from application.audit.audit_exports import AUDIT_COLUMNS, COLUMNS, ExportKind
from application.audit.time_travel import as_json
from application.shared.event_store import EventStore
from domain.shared.recorded import RecordedEvent

PAGE_SIZE = 1000
_ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})
# The event's own time and tenant, read from the stored JSON without decrypting anything.
_EVENT_TIME = sql.SQL("(convert_from(state, 'UTF8')::jsonb #>> '{timestamp,_data_}')::timestamptz")
_EVENT_TENANT = sql.SQL("convert_from(state, 'UTF8')::jsonb #>> '{__meta__,tenant_id}'")


class PostgresExportSource:
    """Implements ExportSource."""

    def __init__(self, stores: PostgresStores, page_size: int = PAGE_SIZE) -> None:
        self._stores = stores
        self._page_size = page_size

    def rows(
        self,
        store: EventStore,
        kind: ExportKind,
        tenant_id: UUID | None,
        start: datetime,
        end: datetime,
    ) -> Iterator[dict[str, Any]]:
        pg_store = self._stores.open(store.ref)  # type: ignore[attr-defined]
        if kind is ExportKind.AUDIT:
            return self._audit_rows(pg_store, tenant_id, start, end)
        return self._event_rows(pg_store, tenant_id, start, end)

    def _audit_rows(
        self, store: PostgresEventStore, tenant_id: UUID | None, start: datetime, end: datetime
    ) -> Iterator[dict[str, Any]]:
        query = sql.SQL(
            "SELECT {} FROM {}.audit_log WHERE occurred_at >= %s AND occurred_at < %s"
        ).format(
            sql.SQL(", ").join(map(sql.Identifier, AUDIT_COLUMNS)),
            sql.Identifier(store.ref.schema),
        )
        params: list[Any] = [start, end]
        if tenant_id is not None:
            query += sql.SQL(" AND tenant_id = %s")
            params.append(tenant_id)
        query += sql.SQL(" ORDER BY position")
        for page in self._pages(store, query, params):
            for row in page:
                yield {c: as_json(c, v) for c, v in zip(AUDIT_COLUMNS, row, strict=True)}

    def _event_rows(
        self, store: PostgresEventStore, tenant_id: UUID | None, start: datetime, end: datetime
    ) -> Iterator[dict[str, Any]]:
        query = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {}.niaga_events WHERE {} >= %s AND {} < %s"
        ).format(sql.Identifier(store.ref.schema), _EVENT_TIME, _EVENT_TIME)
        params: list[Any] = [start, end]
        if tenant_id is not None:
            query += sql.SQL(" AND {} = %s").format(_EVENT_TENANT)
            params.append(str(tenant_id))
        query += sql.SQL(" ORDER BY notification_id")
        mapper = store.niaga_mapper
        for page in self._pages(store, query, params):
            stored = [(r[0], StoredEvent(r[1], r[2], r[3], bytes(r[4]))) for r in page]
            mapper.refresh_keys(s for _, s in stored)
            for position, event in stored:
                yield event_row(mapper.decode(position, event))

    def _pages(
        self, store: PostgresEventStore, query: sql.Composed, params: list[Any]
    ) -> Iterator[list[tuple[Any, ...]]]:
        database = self._stores.database_for(store)
        with (
            database.connection() as conn,
            conn.transaction(),
            conn.cursor(name="audit_export") as cur,
        ):
            cur.itersize = self._page_size
            cur.execute(query, params)
            while page := cur.fetchmany(self._page_size):
                yield [tuple(r) for r in page]


def event_row(recorded: RecordedEvent) -> dict[str, Any]:
    meta = recorded.meta
    fields = {k: v for k, v in vars(recorded.event).items() if k not in _ENVELOPE}
    return {
        "position": recorded.position,
        "occurred_at": recorded.timestamp.isoformat(),
        "tenant_id": meta.tenant_id,
        "actor": meta.actor,
        "command": meta.command,
        "event": recorded.name,
        "aggregate_type": recorded.aggregate_type,
        "aggregate_id": str(recorded.aggregate_id),
        "version": recorded.version,
        "data": {k: as_json(k, v) for k, v in fields.items()},
        "correlation_id": meta.correlation_id,
        "causation_id": meta.causation_id,
    }


def jsonl_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def csv_lines(rows: Iterable[dict[str, Any]], kind: ExportKind) -> Iterator[str]:
    """A header, then one line per row; nested values (changes, data) as JSON in their cell."""
    columns = COLUMNS[kind]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    yield _drain(buffer)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
        yield _drain(buffer)


def lines(rows: Iterable[dict[str, Any]], kind: ExportKind, fmt: str) -> Iterator[str]:
    if fmt == "csv":
        return csv_lines(rows, kind)
    if fmt == "jsonl":
        return jsonl_lines(rows)
    raise ValueError(f"unknown export format {fmt!r}; use csv or jsonl")


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
