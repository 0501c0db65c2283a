"""Inventory use-cases: items, stock movements, stock takes and purchase orders.

Falling to an item's reorder point records a LowStock event and asks for a notification to the
shop's staff: a request without a customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.repairs.stock_support import low_stock_alerts, retrying
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, find, load, require
from domain.repairs.inventory import InventoryItem, PurchaseOrder, order_line
from domain.repairs.repair_job import RepairJob


class DuplicateSku(ApplicationError):
    code = "DUPLICATE_SKU"


@dataclass(frozen=True)
class RegisterItem:
    sku: str
    name: str
    cost: int
    price: int
    barcode: str | None = None
    supplier: str | None = None
    reorder_point: int = 0
    opening_stock: int = 0
    category: str | None = None


@dataclass(frozen=True)
class OrderLineInput:
    item_id: UUID
    quantity: int
    unit_cost: int


class InventoryService:
    def __init__(self, stores: Stores, sync: ReadModelSync) -> None:
        self._stores = stores
        self._saver = Saver(sync)

    def register(self, principal: Principal, command: RegisterItem) -> UUID:
        authorize(principal, Permission.MANAGE_INVENTORY)
        store = self._store(principal)
        item = InventoryItem.register(
            principal.tenant_id,
            command.sku,
            command.name,
            cost=command.cost,
            price=command.price,
            barcode=command.barcode,
            supplier=command.supplier,
            reorder_point=command.reorder_point,
        )
        if find(store, InventoryItem, item.id):
            raise DuplicateSku(f"SKU {item.sku} is already registered", field="sku")
        if command.category:
            item.categorise(command.category)
        if command.opening_stock:
            item.receive(command.opening_stock, command.cost, "opening stock")
        duplicate = DuplicateSku(f"SKU {item.sku} is already registered", field="sku")
        self._save(store, principal, "RegisterInventoryItem", item, conflict=duplicate)
        return item.id

    def reprice(
        self, principal: Principal, item_id: UUID, price: int, reorder_point: int | None
    ) -> None:
        authorize(principal, Permission.MANAGE_INVENTORY)
        self._move(principal, item_id, "RepriceItem", lambda i: i.reprice(price, reorder_point))

    def categorise(self, principal: Principal, item_id: UUID, category: str | None) -> None:
        """File an item under a category, or under none (an empty or absent category)."""
        authorize(principal, Permission.MANAGE_INVENTORY)
        self._move(principal, item_id, "CategoriseItem", lambda i: i.categorise(category))

    def receive(
        self, principal: Principal, item_id: UUID, quantity: int, unit_cost: int, reference: str
    ) -> None:
        authorize(principal, Permission.MANAGE_INVENTORY)
        self._move(
            principal,
            item_id,
            "ReceiveStock",
            lambda i: i.receive(quantity, unit_cost, reference or None),
        )

    def adjust(self, principal: Principal, item_id: UUID, delta: int, reason: str) -> None:
        authorize(principal, Permission.MANAGE_INVENTORY)
        self._move(principal, item_id, "AdjustStock", lambda i: i.adjust(delta, reason))

    def stock_take(self, principal: Principal, item_id: UUID, counted: int) -> None:
        authorize(principal, Permission.MANAGE_INVENTORY)
        self._move(principal, item_id, "StockTake", lambda i: i.count(counted))

    def reserve(self, principal: Principal, item_id: UUID, job_id: UUID, quantity: int) -> None:
        """Reserve stock for a job by hand (approving a quote does it for the quoted parts)."""
        authorize(principal, Permission.WORK_ON_REPAIRS)
        self._require_job(principal, job_id)
        self._move(principal, item_id, "ReserveStock", lambda i: i.reserve(job_id, quantity))

    def release(self, principal: Principal, item_id: UUID, job_id: UUID) -> None:
        authorize(principal, Permission.WORK_ON_REPAIRS)
        self._require_job(principal, job_id)
        self._move(principal, item_id, "ReleaseStock", lambda i: i.release(job_id))

    def consume(self, principal: Principal, item_id: UUID, job_id: UUID, quantity: int) -> None:
        authorize(principal, Permission.WORK_ON_REPAIRS)
        self._require_job(principal, job_id)
        self._move(principal, item_id, "ConsumeStock", lambda i: i.consume(job_id, quantity))

    # purchase orders

    def draft_order(self, principal: Principal, supplier: str, lines: list[OrderLineInput]) -> UUID:
        authorize(principal, Permission.MANAGE_INVENTORY)
        store = self._store(principal)
        for line in lines:
            self._item(store, principal, line.item_id)
        order = PurchaseOrder.draft(
            principal.tenant_id,
            supplier,
            [order_line(x.item_id, x.quantity, x.unit_cost) for x in lines],
        )
        self._saver.save(store, principal, "DraftPurchaseOrder", order)
        return order.id

    def place_order(self, principal: Principal, order_id: UUID) -> None:
        authorize(principal, Permission.MANAGE_INVENTORY)
        store = self._store(principal)
        order = self._order(store, principal, order_id)
        order.place()
        self._saver.save(store, principal, "PlacePurchaseOrder", order)

    def cancel_order(self, principal: Principal, order_id: UUID) -> None:
        authorize(principal, Permission.MANAGE_INVENTORY)
        store = self._store(principal)
        order = self._order(store, principal, order_id)
        order.cancel()
        self._saver.save(store, principal, "CancelPurchaseOrder", order)

    def receive_order(
        self, principal: Principal, order_id: UUID, quantities: dict[UUID, int]
    ) -> str:
        """Goods in against an order: stock and average cost move; returns the order status."""
        authorize(principal, Permission.MANAGE_INVENTORY)
        store = self._store(principal)

        def attempt() -> str:
            order = self._order(store, principal, order_id)
            items = []
            for line in order.receive(quantities):
                item = self._item(store, principal, line.item_id)
                item.receive(line.quantity, line.unit_cost, f"PO {str(order.id)[:8]}")
                items.append(item)
            self._save(store, principal, "ReceivePurchaseOrder", order, *items)
            return order.status.value

        return retrying(attempt)

    # helpers

    def _move(self, principal: Principal, item_id: UUID, command: str, change: object) -> None:
        store = self._store(principal)

        def attempt() -> None:
            item = self._item(store, principal, item_id)
            change(item)  # type: ignore[operator]
            self._save(store, principal, command, item)

        retrying(attempt)

    def _save(
        self,
        store: EventStore,
        principal: Principal,
        command: str,
        *objs: object,
        conflict: Exception | None = None,
    ) -> None:
        self._saver.save(
            store, principal, command, *objs, *low_stock_alerts(objs), conflict=conflict
        )

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)

    def _require_job(self, principal: Principal, job_id: UUID) -> None:
        # Stock moved for a job that is not the tenant's would never be given back or billed.
        require(
            self._store(principal), RepairJob, job_id, principal.tenant_id, "repair job", "job_id"
        )

    def _item(self, store: EventStore, principal: Principal, item_id: UUID) -> InventoryItem:
        return load(store, InventoryItem, item_id, principal.tenant_id, "inventory item", "item_id")

    def _order(self, store: EventStore, principal: Principal, order_id: UUID) -> PurchaseOrder:
        found = find(store, PurchaseOrder, order_id)
        if found is None or found.tenant_id != principal.tenant_id:
            raise NotFound(f"no purchase order {order_id}", field="id")
        return found
