"""`customer_list`: one row per customer, searchable by name and phone; `customer_counts`: how
many each tenant has, so the list's total is a key read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql

from domain.customers.customer import Customer
from domain.shared.personal_data import FORGOTTEN
from domain.shared.recorded import RecordedEvent
from projections.shared import counters
from projections.shared.base import table

COLUMNS = (
    "id",
    "tenant_id",
    "name",
    "phone",
    "email",
    "nik",
    "address",
    "forgotten",
    "search",
    "version",
    "registered_at",
    "updated_at",
)
CONTACT = ("name", "phone", "email", "nik", "address")
COUNTS = "customer_counts"
COUNT_KEYS = (("tenant_id", "uuid"),)


class CustomerListProjection:
    name: str = "customer_list"
    event_types: tuple[type, ...] = (
        Customer.Registered,
        Customer.ContactChanged,
        Customer.Forgotten,
    )
    tables: tuple[str, ...] = ("customer_list", COUNTS)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        rows = _load(cur, schema, {e.aggregate_id for e in events})
        counted = _count_keys(rows)
        for recorded in events:
            _apply(rows, recorded)
        _store(cur, schema, list(rows.values()))
        counters.add(cur, schema, COUNTS, COUNT_KEYS, counters.moved(counted, _count_keys(rows)))


def _count_keys(rows: dict[UUID, dict[str, Any]]) -> dict[UUID, counters.Key]:
    return {customer_id: (row["tenant_id"],) for customer_id, row in rows.items()}


def _apply(rows: dict[UUID, dict[str, Any]], recorded: RecordedEvent) -> None:
    event = recorded.event
    if isinstance(event, Customer.Registered):
        rows[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": event.tenant_id,
            "forgotten": False,
            "registered_at": recorded.timestamp,
        }
    row = rows[recorded.aggregate_id]
    if isinstance(event, Customer.Forgotten):
        row.update(name=FORGOTTEN, phone=None, email=None, nik=None, address=None, forgotten=True)
    else:
        row.update({field: getattr(event, field) for field in CONTACT})
    row["search"] = _search_text(row)
    row["version"] = recorded.version
    row["updated_at"] = recorded.timestamp


def _search_text(row: dict[str, Any]) -> str:
    if row["forgotten"]:
        return ""
    phone = row.get("phone") or ""
    # Index the national form too, so "0812..." finds "+62812...".
    national = "0" + phone[3:] if phone.startswith("+62") else ""
    return " ".join(filter(None, [(row.get("name") or "").lower(), phone, national]))


def _load(cur: Cursor[Any], schema: str, ids: set[UUID]) -> dict[UUID, dict[str, Any]]:
    cur.execute(
        sql.SQL("SELECT {} FROM {} WHERE id = ANY(%s)").format(
            sql.SQL(", ").join(map(sql.Identifier, COLUMNS)), table(schema, "customer_list")
        ),
        (list(ids),),
    )
    return {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in _tuples(cur)}


def _store(cur: Cursor[Any], schema: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    updates = sql.SQL(", ").join(
        sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in COLUMNS[1:]
    )
    cur.executemany(
        sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}").format(
            table(schema, "customer_list"),
            sql.SQL(", ").join(map(sql.Identifier, COLUMNS)),
            sql.SQL(", ").join(sql.Placeholder() * len(COLUMNS)),
            updates,
        ),
        [tuple(row[c] for c in COLUMNS) for row in rows],
    )


def _tuples(cur: Cursor[Any]) -> list[tuple[Any, ...]]:
    return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in cur.fetchall()]
