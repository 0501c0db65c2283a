"""Queries over the repair shop's read models: job board, history, technicians, stock."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.counting import rows_matching
from adapters.shared.paging import (
    cursor_parts,
    decode_cursor,
    encode_cursor,
    like_pattern,
    one_of,
    table,
)
from adapters.shared.stores import PostgresStores
from application.repairs.ports import (
    BestSeller,
    JobHistoryEntry,
    PurchaseOrderView,
    RepairJobView,
    StockLevel,
    StockMovement,
    TechnicianPerformance,
    TechnicianView,
)
from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.repairs.inventory import PurchaseOrderStatus
from domain.repairs.repair_job import Priority, RepairStatus
from projections.repairs.repairs import JOB_COLUMNS

_JOB_SELECT = ", ".join(c for c in JOB_COLUMNS if c != "sla_met")
_STATUSES = frozenset(s.value for s in RepairStatus)
_PRIORITIES = frozenset(p.value for p in Priority)
_ORDER_STATUSES = frozenset(s.value for s in PurchaseOrderStatus)
_STOCK_SELECT = (
    "id, sku, name, barcode, supplier, average_cost, price, on_hand, reserved, "
    "on_hand - reserved, reorder_point, low_stock, updated_at, category"
)


def _job(row: Any) -> RepairJobView:
    return RepairJobView(*row)


def _key_cursor(*values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps([str(v) for v in values]).encode()).decode()


def _key_uncursor(cursor: str, size: int) -> list[str]:
    parts = cursor_parts(cursor)
    if len(parts) != size:
        raise ApplicationError("malformed cursor", field="after")
    return parts


def _first(first: int) -> int:
    if not 1 <= first <= 500:
        raise ApplicationError("first must be 1-500", field="first")
    return first


class PostgresRepairReadModels:
    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    # the job board

    def jobs(
        self,
        store: EventStore,
        tenant_id: UUID,
        *,
        status: str | None,
        technician_id: UUID | None,
        priority: str | None,
        first: int,
        after: str | None,
    ) -> Page[RepairJobView]:
        """Most urgent first: by due time, then id."""
        first = _first(first)
        filters = [sql.SQL("tenant_id = %s")]
        params: list[Any] = [tenant_id]
        if status:
            filters.append(sql.SQL("status = %s"))
            params.append(one_of(status, _STATUSES, "status"))
        if technician_id:
            filters.append(sql.SQL("technician_id = %s"))
            params.append(technician_id)
        if priority:
            filters.append(sql.SQL("priority = %s"))
            params.append(one_of(priority, _PRIORITIES, "priority"))
        where = sql.SQL(" AND ").join(filters)
        page_where, page_params = where, list(params)
        if after:
            at, last_id = decode_cursor(after)
            page_where = sql.SQL(" AND ").join([where, sql.SQL("(due_at, id) > (%s, %s)")])
            page_params += [at, last_id]
        with self._conn(store) as conn:
            rows = conn.execute(
                sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY due_at, id LIMIT %s").format(
                    sql.SQL(_JOB_SELECT), table(store, "repair_jobs"), page_where
                ),
                [*page_params, first + 1],
            ).fetchall()
        items = [_job(r) for r in rows[:first]]
        cursors = [encode_cursor(j.due_at, j.id) for j in items]
        return Page(
            items, cursors, len(rows) > first, self._count(store, "repair_jobs", where, params)
        )

    def job(self, store: EventStore, tenant_id: UUID, job_id: UUID) -> RepairJobView | None:
        rows = self._rows(
            store,
            f"SELECT {_JOB_SELECT} FROM {{}} WHERE tenant_id = %s AND id = %s",
            "repair_jobs",
            [tenant_id, job_id],
        )
        return _job(rows[0]) if rows else None

    def awaiting_answer(
        self, store: EventStore, tenant_id: UUID, customer_id: UUID
    ) -> list[RepairJobView]:
        rows = self._rows(
            store,
            f"SELECT {_JOB_SELECT} FROM {{}} WHERE tenant_id = %s AND customer_id = %s "
            "AND status = 'quoted' ORDER BY quoted_at DESC, id",
            "repair_jobs",
            [tenant_id, customer_id],
        )
        return [_job(r) for r in rows]

    def with_timers(self, store: EventStore, tenant_id: UUID) -> list[UUID]:
        rows = self._rows(
            store,
            "SELECT id FROM {} WHERE tenant_id = %s AND status IN ('received', 'diagnosed', "
            "'quoted', 'approved', 'in_progress', 'completed') ORDER BY due_at, id",
            "repair_jobs",
            [tenant_id],
        )
        return [r[0] for r in rows]

    def board_position(self, store: EventStore, tenant_id: UUID) -> int:
        rows = self._rows(
            store,
            "SELECT coalesce(max(position), 0) FROM {} WHERE tenant_id = %s",
            "repair_jobs",
            [tenant_id],
        )
        return int(rows[0][0])

    def changed_since(
        self, store: EventStore, tenant_id: UUID, position: int
    ) -> list[RepairJobView]:
        """Jobs whose row changed after `position` in the log, in the order they changed."""
        rows = self._rows(
            store,
            f"SELECT {_JOB_SELECT} FROM {{}} WHERE tenant_id = %s AND position > %s "
            "ORDER BY position LIMIT 500",
            "repair_jobs",
            [tenant_id, position],
        )
        return [_job(r) for r in rows]

    def history(self, store: EventStore, tenant_id: UUID, job_id: UUID) -> list[JobHistoryEntry]:
        rows = self._rows(
            store,
            "SELECT position, version, event, details, actor, occurred_at FROM {} "
            "WHERE tenant_id = %s AND job_id = %s ORDER BY version",
            "repair_job_history",
            [tenant_id, job_id],
        )
        return [JobHistoryEntry(*r) for r in rows]

    # technicians

    def technicians(self, store: EventStore, tenant_id: UUID) -> list[TechnicianView]:
        rows = self._rows(
            store,
            "SELECT id, name, active FROM {} WHERE tenant_id = %s ORDER BY name, id",
            "technicians",
            [tenant_id],
        )
        return [TechnicianView(*r) for r in rows]

    def performance(self, store: EventStore, tenant_id: UUID) -> list[TechnicianPerformance]:
        """Per technician: jobs completed, mean hours from start to completion, and the share
        of completed jobs finished within their SLA."""
        with self._conn(store) as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT t.id, t.name, count(j.id), "
                    "avg(extract(epoch FROM j.completed_at - j.started_at) / 3600.0), "
                    "100.0 * count(*) FILTER (WHERE j.sla_met) / nullif(count(j.id), 0) "
                    "FROM {} t LEFT JOIN {} j ON j.technician_id = t.id "
                    "AND j.completed_at IS NOT NULL AND j.status IN ('completed', 'delivered') "
                    "WHERE t.tenant_id = %s GROUP BY t.id, t.name ORDER BY t.name, t.id"
                ).format(table(store, "technicians"), table(store, "repair_jobs")),
                [tenant_id],
            ).fetchall()
        return [
            TechnicianPerformance(
                r[0],
                r[1],
                int(r[2]),
                round(float(r[3]), 2) if r[3] is not None else None,
                round(float(r[4]), 2) if r[4] is not None else None,
            )
            for r in rows
        ]

    def open_jobs(self, store: EventStore, tenant_id: UUID, now: datetime) -> tuple[int, int]:
        """Jobs still to be worked on (received up to in progress), and those of them past
        their SLA's due time at `now`."""
        rows = self._rows(
            store,
            "SELECT count(*), count(*) FILTER (WHERE due_at < %s) FROM {} WHERE tenant_id = %s "
            "AND status IN ('received', 'diagnosed', 'quoted', 'approved', 'in_progress')",
            "repair_jobs",
            [now, tenant_id],
        )
        return int(rows[0][0]), int(rows[0][1])

    # stock

    def stock_levels(
        self,
        store: EventStore,
        tenant_id: UUID,
        *,
        search: str | None,
        low_only: bool,
        first: int,
        after: str | None,
    ) -> Page[StockLevel]:
        """By SKU; search matches SKU, name or barcode."""
        first = _first(first)
        filters = ["tenant_id = %s"]
        params: list[Any] = [tenant_id]
        if search:
            filters.append("(lower(sku) LIKE %s OR lower(name) LIKE %s OR barcode = %s)")
            params += [like_pattern(search), like_pattern(search), search.strip()]
        if low_only:
            filters.append("low_stock")
        where = " AND ".join(filters)
        page_where, page_params = where, list(params)
        if after:
            (sku,) = _key_uncursor(after, 1)
            page_where += " AND sku > %s"
            page_params.append(sku)
        rows = self._rows(
            store,
            f"SELECT {_STOCK_SELECT} FROM {{}} WHERE {page_where} ORDER BY sku LIMIT %s",
            "inventory_items",
            [*page_params, first + 1],
        )
        count = self._count(store, "inventory_items", sql.SQL(where), params)
        items = [StockLevel(*r) for r in rows[:first]]
        return Page(items, [_key_cursor(i.sku) for i in items], len(rows) > first, count)

    def item(self, store: EventStore, tenant_id: UUID, item_id: UUID) -> StockLevel | None:
        rows = self._rows(
            store,
            f"SELECT {_STOCK_SELECT} FROM {{}} WHERE tenant_id = %s AND id = %s",
            "inventory_items",
            [tenant_id, item_id],
        )
        return StockLevel(*rows[0]) if rows else None

    def movements(
        self,
        store: EventStore,
        tenant_id: UUID,
        item_id: UUID | None,
        first: int,
        after: str | None,
    ) -> Page[StockMovement]:
        """Newest first."""
        first = _first(first)
        where = "tenant_id = %s" + (" AND item_id = %s" if item_id else "")
        params: list[Any] = [tenant_id, *([item_id] if item_id else [])]
        page_where, page_params = where, list(params)
        if after:
            (position,) = _key_uncursor(after, 1)
            if not position.isdigit():
                raise ApplicationError("malformed cursor", field="after")
            page_where += " AND position < %s"
            page_params.append(int(position))
        rows = self._rows(
            store,
            "SELECT position, item_id, sku, kind, quantity, on_hand_after, reference, "
            f"occurred_at FROM {{}} WHERE {page_where} ORDER BY position DESC LIMIT %s",
            "stock_movements",
            [*page_params, first + 1],
        )
        count = self._count(store, "stock_movements", sql.SQL(where), params)
        items = [StockMovement(*r) for r in rows[:first]]
        return Page(items, [_key_cursor(m.position) for m in items], len(rows) > first, count)

    def purchase_orders(
        self,
        store: EventStore,
        tenant_id: UUID,
        status: str | None,
        first: int,
        after: str | None,
    ) -> Page[PurchaseOrderView]:
        """Oldest first; filter by status."""
        first = _first(first)
        where = "tenant_id = %s"
        params: list[Any] = [tenant_id]
        if status:
            where += " AND status = %s"
            params.append(one_of(status, _ORDER_STATUSES, "status"))
        page_where, page_params = where, list(params)
        if after:
            at, last_id = decode_cursor(after)
            page_where += " AND (drafted_at, id) > (%s, %s)"
            page_params += [at, last_id]
        rows = self._rows(
            store,
            "SELECT id, supplier, status, total, lines, drafted_at, updated_at FROM {} "
            f"WHERE {page_where} ORDER BY drafted_at, id LIMIT %s",
            "purchase_orders",
            [*page_params, first + 1],
        )
        count = self._count(store, "purchase_orders", sql.SQL(where), params)
        items = [PurchaseOrderView(*r) for r in rows[:first]]
        cursors = [encode_cursor(o.drafted_at, o.id) for o in items]
        return Page(items, cursors, len(rows) > first, count)

    def best_sellers(self, store: EventStore, tenant_id: UUID, first: int) -> list[BestSeller]:
        """Items by quantity sold at the counter or used in repairs (revenue at list price)."""
        with self._conn(store) as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT m.item_id, i.sku, i.name, -sum(m.quantity), "
                    "-sum(m.quantity * m.unit_price) FROM {} m JOIN {} i ON i.id = m.item_id "
                    "WHERE m.tenant_id = %s AND m.kind IN ('sell', 'consume') "
                    "GROUP BY m.item_id, i.sku, i.name ORDER BY 4 DESC, i.sku LIMIT %s"
                ).format(table(store, "stock_movements"), table(store, "inventory_items")),
                [tenant_id, _first(first)],
            ).fetchall()
        return [BestSeller(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows]

    # plumbing

    def _conn(self, store: EventStore) -> Any:
        return self._stores.database_for(store).connection()

    def _count(
        self, store: EventStore, name: str, where: sql.Composable, params: list[Any]
    ) -> Callable[[], int]:
        connect = self._stores.database_for(store).connection
        return rows_matching(connect, table(store, name), where, params)

    def _rows(self, store: EventStore, query: str, name: str, params: list[Any]) -> list[Any]:
        statement = sql.SQL(query).format(table(store, name))
        with self._conn(store) as conn:
            return list(conn.execute(statement, params).fetchall())
