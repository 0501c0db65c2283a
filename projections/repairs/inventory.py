"""`inventory_items` (stock levels) and `stock_movements` (every movement, with the stock after
it, for the movement list and best sellers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor, sql

from domain.repairs.inventory import InventoryItem, MovementKind, PurchaseOrder
from domain.shared.payloads import to_plain
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as r
from projections.shared.base import table

ITEM_COLUMNS = (
    "id",
    "tenant_id",
    "sku",
    "name",
    "barcode",
    "supplier",
    "average_cost",
    "price",
    "on_hand",
    "reserved",
    "reorder_point",
    "low_stock",
    "updated_at",
    "category",
)


def _movement(e: Any) -> tuple[MovementKind, int, int, str | None] | None:
    """(kind, change to on hand, change to reserved, reference) of a stock event."""
    if isinstance(e, InventoryItem.StockReceived):
        return MovementKind.RECEIVE, e.quantity, 0, e.reference
    if isinstance(e, InventoryItem.StockReserved):
        return MovementKind.RESERVE, 0, e.quantity, str(e.job_id)
    if isinstance(e, InventoryItem.ReservationReleased):
        return MovementKind.RELEASE, 0, -e.quantity, str(e.job_id)
    if isinstance(e, InventoryItem.StockConsumed):
        return MovementKind.CONSUME, -e.quantity, -e.from_reserved, str(e.job_id)
    if isinstance(e, InventoryItem.StockSold):
        return MovementKind.SELL, -e.quantity, 0, str(e.sale_id)
    if isinstance(e, InventoryItem.StockAdjusted):
        return MovementKind.ADJUST, e.delta, 0, e.reason
    if isinstance(e, InventoryItem.StockCounted):
        return MovementKind.STOCK_TAKE, e.delta, 0, f"counted {e.counted}"
    return None


class InventoryProjection:
    name: str = "inventory"
    event_types: tuple[type, ...] = (
        InventoryItem.Registered,
        InventoryItem.Repriced,
        InventoryItem.Categorised,
        InventoryItem.StockReceived,
        InventoryItem.StockReserved,
        InventoryItem.ReservationReleased,
        InventoryItem.StockConsumed,
        InventoryItem.StockSold,
        InventoryItem.StockAdjusted,
        InventoryItem.StockCounted,
        InventoryItem.LowStock,
    )
    tables: tuple[str, ...] = ("inventory_items", "stock_movements")

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        created, existing = r.split(events, InventoryItem.Registered)
        items = r.load(cur, schema, "inventory_items", ITEM_COLUMNS, "id", existing)
        movements: list[tuple[Any, ...]] = []
        for recorded in events:
            e = recorded.event
            if isinstance(e, InventoryItem.Registered):
                items[recorded.aggregate_id] = _registered(recorded)
            row = items.get(recorded.aggregate_id)
            if row is None:
                continue
            if isinstance(e, InventoryItem.Repriced):
                row.update(price=e.price, reorder_point=e.reorder_point)
            elif isinstance(e, InventoryItem.Categorised):
                row["category"] = e.category
            elif isinstance(e, InventoryItem.StockReceived):
                row["average_cost"] = e.average_cost
            moved = _movement(e)
            if moved:
                kind, on_hand, reserved, reference = moved
                row["on_hand"] += on_hand
                row["reserved"] += reserved
                quantity = on_hand if on_hand else reserved
                movements.append(
                    (
                        recorded.aggregate_id,
                        recorded.version,
                        row["tenant_id"],
                        recorded.position,
                        row["sku"],
                        kind.value,
                        quantity,
                        row["on_hand"],
                        row["reserved"],
                        row["price"],
                        reference,
                        recorded.timestamp,
                    )
                )
            available = row["on_hand"] - row["reserved"]
            row["low_stock"] = row["reorder_point"] > 0 and available <= row["reorder_point"]
            row["updated_at"] = recorded.timestamp
        r.save(cur, schema, "inventory_items", ITEM_COLUMNS, "id", items, created)
        if movements:
            cur.executemany(
                sql.SQL(
                    "INSERT INTO {} (item_id, version, tenant_id, position, sku, kind, quantity, "
                    "on_hand_after, reserved_after, unit_price, reference, occurred_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                ).format(table(schema, "stock_movements")),
                movements,
            )


def _registered(recorded: RecordedEvent) -> dict[str, Any]:
    e = recorded.event
    return {
        "id": recorded.aggregate_id,
        "tenant_id": e.tenant_id,
        "sku": e.sku,
        "name": e.name,
        "barcode": e.barcode,
        "supplier": e.supplier,
        "average_cost": e.cost,
        "price": e.price,
        "on_hand": 0,
        "reserved": 0,
        "reorder_point": e.reorder_point,
        "low_stock": False,
        "updated_at": recorded.timestamp,
        "category": None,
    }


ORDER_COLUMNS = (
    "id",
    "tenant_id",
    "supplier",
    "status",
    "total",
    "lines",
    "drafted_at",
    "updated_at",
)


class PurchaseOrdersProjection:
    name: str = "purchase_orders"
    event_types: tuple[type, ...] = (
        PurchaseOrder.Drafted,
        PurchaseOrder.Ordered,
        PurchaseOrder.GoodsReceived,
        PurchaseOrder.Cancelled,
    )
    tables: tuple[str, ...] = ("purchase_orders",)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        created, existing = r.split(events, PurchaseOrder.Drafted)
        orders = r.load(cur, schema, "purchase_orders", ORDER_COLUMNS, "id", existing)
        for recorded in events:
            e = recorded.event
            if isinstance(e, PurchaseOrder.Drafted):
                orders[recorded.aggregate_id] = {
                    "id": recorded.aggregate_id,
                    "tenant_id": e.tenant_id,
                    "supplier": e.supplier,
                    "status": "draft",
                    "total": sum(x.quantity * x.unit_cost for x in e.lines),
                    "lines": [{**to_plain(x), "received": 0} for x in e.lines],
                    "drafted_at": recorded.timestamp,
                }
            row = orders.get(recorded.aggregate_id)
            if row is None:
                continue
            if isinstance(e, PurchaseOrder.Ordered):
                row["status"] = "ordered"
            elif isinstance(e, PurchaseOrder.Cancelled):
                row["status"] = "cancelled"
            elif isinstance(e, PurchaseOrder.GoodsReceived):
                row["status"] = e.status
                row["lines"] = [
                    {**x, "received": int(x["received"]) + e.received.get(str(x["item_id"]), 0)}
                    for x in row["lines"]
                ]
            row["updated_at"] = recorded.timestamp
        r.save(
            cur,
            schema,
            "purchase_orders",
            ORDER_COLUMNS,
            "id",
            orders,
            created,
            jsonb=frozenset({"lines"}),
        )
