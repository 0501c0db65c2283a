"""Stock of parts and products, and purchase orders that replenish it.

Stock on hand is never negative, and what is reserved for repair jobs counts against what is
available: a movement that would break that is refused and nothing is recorded. An item's id
derives from its tenant and SKU, so a SKU is unique per tenant (two registrations racing for one
SKU collide in the event store).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import DomainError, InvalidValue
from domain.shared.payloads import typed_fields
from domain.shared.values import require_text


class InsufficientStock(DomainError):
    code = "INSUFFICIENT_STOCK"


class PurchaseOrderRefused(DomainError):
    code = "PURCHASE_ORDER_REFUSED"


class MovementKind(StrEnum):
    RECEIVE = "receive"
    RESERVE = "reserve"
    RELEASE = "release"
    CONSUME = "consume"
    SELL = "sell"
    ADJUST = "adjust"
    STOCK_TAKE = "stock_take"


def _quantity(value: int, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
        raise InvalidValue(f"{field} must be a whole number 1-1000000", field=field)
    return value


def _amount(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(f"{field} must be a whole amount of zero or more", field=field)
    return value


def normalise_sku(raw: str) -> str:
    sku = require_text(raw, "sku", 64).upper()
    if any(c.isspace() for c in sku):
        raise InvalidValue("a SKU has no spaces", field="sku")
    return sku


class InventoryItem(Aggregate):
    class Registered(Aggregate.Created):
        tenant_id: UUID
        sku: str
        name: str
        barcode: str | None
        cost: int
        price: int
        supplier: str | None
        reorder_point: int

    class Repriced(Aggregate.Event):
        price: int
        reorder_point: int

    class Categorised(Aggregate.Event):
        category: str | None

    class StockReceived(Aggregate.Event):
        quantity: int
        unit_cost: int
        average_cost: int
        reference: str | None

    class StockReserved(Aggregate.Event):
        job_id: UUID
        quantity: int

    class ReservationReleased(Aggregate.Event):
        job_id: UUID
        quantity: int

    class StockConsumed(Aggregate.Event):
        """Stock used up by a repair job; what the job had reserved is released with it."""

        job_id: UUID
        quantity: int
        from_reserved: int

    class StockSold(Aggregate.Event):
        sale_id: UUID
        quantity: int

    class StockAdjusted(Aggregate.Event):
        delta: int
        reason: str

    class StockCounted(Aggregate.Event):
        counted: int
        delta: int

    class LowStock(Aggregate.Event):
        available: int
        reorder_point: int

    @staticmethod
    def id_for(tenant_id: UUID, sku: str) -> UUID:
        return uuid5(tenant_id, f"inventory-sku:{normalise_sku(sku)}")

    @classmethod
    def register(
        cls,
        tenant_id: UUID,
        sku: str,
        name: str,
        *,
        cost: int,
        price: int,
        barcode: str | None = None,
        supplier: str | None = None,
        reorder_point: int = 0,
    ) -> InventoryItem:
        return cls._create(
            cls.Registered,
            id=cls.id_for(tenant_id, sku),
            tenant_id=tenant_id,
            sku=normalise_sku(sku),
            name=require_text(name, "name", 120),
            barcode=require_text(barcode, "barcode", 64) if barcode else None,
            cost=_amount(cost, "cost"),
            price=_amount(price, "price"),
            supplier=require_text(supplier, "supplier", 120) if supplier else None,
            reorder_point=_amount(reorder_point, "reorder_point"),
        )

    @event(Registered)
    def __init__(
        self,
        tenant_id: UUID,
        sku: str,
        name: str,
        barcode: str | None,
        cost: int,
        price: int,
        supplier: str | None,
        reorder_point: int,
    ) -> None:
        self.tenant_id = tenant_id
        self.sku, self.name, self.barcode, self.supplier = sku, name, barcode, supplier
        self.average_cost = cost
        self.price = price
        self.reorder_point = reorder_point
        self.on_hand = 0
        self.reservations: dict[UUID, int] = {}
        self.low = False
        self.category: str | None = None

    @property
    def reserved(self) -> int:
        return sum(self.reservations.values())

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def reprice(self, price: int, reorder_point: int | None = None) -> None:
        self._repriced(
            price=_amount(price, "price"),
            reorder_point=self.reorder_point
            if reorder_point is None
            else _amount(reorder_point, "reorder_point"),
        )
        self._check_low()

    @event(Repriced)
    def _repriced(self, price: int, reorder_point: int) -> None:
        self.price, self.reorder_point = price, reorder_point
        self._rearm()

    def categorise(self, category: str | None) -> None:
        """File the item under a category (promotions may apply to one), or under none."""
        self._categorised(category=require_text(category, "category", 60) if category else None)

    @event(Categorised)
    def _categorised(self, category: str | None) -> None:
        self.category = category

    def receive(self, quantity: int, unit_cost: int, reference: str | None = None) -> None:
        """Stock in; the average cost moves by the weight of what came in."""
        quantity, unit_cost = _quantity(quantity), _amount(unit_cost, "unit_cost")
        held = max(self.on_hand, 0)
        value, units = held * self.average_cost + quantity * unit_cost, held + quantity
        average = (value + units // 2) // units  # to the nearest rupiah
        self._received(
            quantity=quantity, unit_cost=unit_cost, average_cost=average, reference=reference
        )
        self._check_low()

    @event(StockReceived)
    def _received(
        self, quantity: int, unit_cost: int, average_cost: int, reference: str | None
    ) -> None:
        self.on_hand += quantity
        self.average_cost = average_cost
        self._rearm()

    def reserve(self, job_id: UUID, quantity: int) -> None:
        quantity = _quantity(quantity)
        if quantity > self.available:
            raise InsufficientStock(
                f"{self.sku}: {quantity} wanted, {self.available} available", field="quantity"
            )
        self._reserved(job_id=job_id, quantity=quantity)
        self._check_low()

    @event(StockReserved)
    def _reserved(self, job_id: UUID, quantity: int) -> None:
        self.reservations[job_id] = self.reservations.get(job_id, 0) + quantity
        self._rearm()

    def release(self, job_id: UUID) -> None:
        """Give back what a job had reserved (nothing if it had none)."""
        quantity = self.reservations.get(job_id, 0)
        if quantity:
            self._released(job_id=job_id, quantity=quantity)

    @event(ReservationReleased)
    def _released(self, job_id: UUID, quantity: int) -> None:
        self.reservations.pop(job_id, None)
        self._rearm()

    def consume(self, job_id: UUID, quantity: int) -> None:
        """Use stock for a job: first what it reserved, then available stock for the rest."""
        quantity = _quantity(quantity)
        reserved = self.reservations.get(job_id, 0)
        if quantity > reserved + self.available:
            raise InsufficientStock(
                f"{self.sku}: {quantity} to consume, {self.on_hand} in stock "
                f"({self.available} available)",
                field="quantity",
            )
        self._consumed(job_id=job_id, quantity=quantity, from_reserved=reserved)
        self._check_low()

    @event(StockConsumed)
    def _consumed(self, job_id: UUID, quantity: int, from_reserved: int) -> None:
        self.on_hand -= quantity
        self.reservations.pop(job_id, None)
        self._rearm()

    def sell(self, sale_id: UUID, quantity: int) -> None:
        quantity = _quantity(quantity)
        if quantity > self.available:
            raise InsufficientStock(
                f"{self.sku}: {quantity} to sell, {self.available} available", field="quantity"
            )
        self._sold(sale_id=sale_id, quantity=quantity)
        self._check_low()

    @event(StockSold)
    def _sold(self, sale_id: UUID, quantity: int) -> None:
        self.on_hand -= quantity
        self._rearm()

    def adjust(self, delta: int, reason: str) -> None:
        """A correction (damage, loss, found); it may not take stock below what is reserved."""
        if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
            raise InvalidValue("an adjustment is a whole number other than zero", field="delta")
        if self.available + delta < 0:
            raise InsufficientStock(
                f"{self.sku}: adjusting by {delta} leaves {self.available + delta} available",
                field="delta",
            )
        self._adjusted(delta=delta, reason=require_text(reason, "reason", 200))
        self._check_low()

    @event(StockAdjusted)
    def _adjusted(self, delta: int, reason: str) -> None:
        self.on_hand += delta
        self._rearm()

    def count(self, counted: int) -> None:
        """A stock take: what is on the shelf replaces what was on the books."""
        if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
            raise InvalidValue("a counted quantity is a whole number >= 0", field="counted")
        if counted < self.reserved:
            raise InsufficientStock(
                f"{self.sku}: counted {counted} but {self.reserved} are reserved for jobs",
                field="counted",
            )
        self._counted(counted=counted, delta=counted - self.on_hand)
        self._check_low()

    @event(StockCounted)
    def _counted(self, counted: int, delta: int) -> None:
        self.on_hand = counted
        self._rearm()

    def _check_low(self) -> None:
        """Alert once when available stock falls to the reorder point; re-arm when above."""
        below = self.reorder_point > 0 and self.available <= self.reorder_point
        if below and not self.low:
            self._low_stock(available=self.available, reorder_point=self.reorder_point)

    def _rearm(self) -> None:
        """Called by every event that moves stock, so a replay re-arms the alert the same way."""
        if not (self.reorder_point > 0 and self.available <= self.reorder_point):
            self.low = False

    @event(LowStock)
    def _low_stock(self, available: int, reorder_point: int) -> None:
        self.low = True


class PurchaseOrderStatus(StrEnum):
    DRAFT = "draft"
    ORDERED = "ordered"
    PARTLY_RECEIVED = "partly_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class OrderLine:
    item_id: UUID
    quantity: int
    unit_cost: int


def order_line(item_id: UUID, quantity: int, unit_cost: int) -> OrderLine:
    return OrderLine(item_id, _quantity(quantity), _amount(unit_cost, "unit_cost"))


class PurchaseOrder(Aggregate):
    class Drafted(Aggregate.Created):
        class_version = 2  # version 1 held `lines` as plain JSON objects
        tenant_id: UUID
        supplier: str
        lines: list[OrderLine]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            typed_fields(state, lines=list[OrderLine])

    class Ordered(Aggregate.Event):
        pass

    class GoodsReceived(Aggregate.Event):
        received: dict[str, int]  # item id -> quantity received now
        status: str

    class Cancelled(Aggregate.Event):
        pass

    @classmethod
    def draft(cls, tenant_id: UUID, supplier: str, lines: list[OrderLine]) -> PurchaseOrder:
        if not lines:
            raise InvalidValue("a purchase order needs at least one line", field="lines")
        if len({line.item_id for line in lines}) != len(lines):
            raise InvalidValue("each item appears once on a purchase order", field="lines")
        return cls(
            tenant_id=tenant_id,
            supplier=require_text(supplier, "supplier", 120),
            lines=list(lines),
        )

    @event(Drafted)
    def __init__(self, tenant_id: UUID, supplier: str, lines: list[OrderLine]) -> None:
        self.tenant_id = tenant_id
        self.supplier = supplier
        self.lines = list(lines)
        self.received: dict[UUID, int] = {}
        self.status = PurchaseOrderStatus.DRAFT

    @property
    def total(self) -> int:
        return sum(line.quantity * line.unit_cost for line in self.lines)

    def outstanding(self, item_id: UUID) -> int:
        line = next((li for li in self.lines if li.item_id == item_id), None)
        return 0 if line is None else line.quantity - self.received.get(item_id, 0)

    def place(self) -> None:
        if self.status is not PurchaseOrderStatus.DRAFT:
            raise PurchaseOrderRefused(f"the order is already {self.status.value}")
        self._ordered()

    @event(Ordered)
    def _ordered(self) -> None:
        self.status = PurchaseOrderStatus.ORDERED

    def receive(self, quantities: dict[UUID, int]) -> list[OrderLine]:
        """Record goods in; returns what each item takes into stock (at the order's cost)."""
        if self.status not in {PurchaseOrderStatus.ORDERED, PurchaseOrderStatus.PARTLY_RECEIVED}:
            raise PurchaseOrderRefused(f"cannot receive goods on a {self.status.value} order")
        if not quantities:
            raise InvalidValue("receive at least one line", field="lines")
        arriving: list[OrderLine] = []
        for item_id, quantity in quantities.items():
            _quantity(quantity)
            if quantity > self.outstanding(item_id):
                raise PurchaseOrderRefused(
                    f"item {item_id}: {quantity} received but {self.outstanding(item_id)} "
                    "outstanding",
                    field="lines",
                )
            line = next(li for li in self.lines if li.item_id == item_id)
            arriving.append(OrderLine(item_id, quantity, line.unit_cost))
        after = {**self.received}
        for line in arriving:
            after[line.item_id] = after.get(line.item_id, 0) + line.quantity
        complete = all(after.get(li.item_id, 0) >= li.quantity for li in self.lines)
        status = PurchaseOrderStatus.RECEIVED if complete else PurchaseOrderStatus.PARTLY_RECEIVED
        self._goods_received(
            received={str(k): v for k, v in quantities.items()}, status=status.value
        )
        return arriving

    @event(GoodsReceived)
    def _goods_received(self, received: dict[str, int], status: str) -> None:
        for raw_id, quantity in received.items():
            item_id = UUID(raw_id)
            self.received[item_id] = self.received.get(item_id, 0) + quantity
        self.status = PurchaseOrderStatus(status)

    def cancel(self) -> None:
        if self.status not in {PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.ORDERED}:
            raise PurchaseOrderRefused(f"cannot cancel a {self.status.value} order")
        self._cancelled()

    @event(Cancelled)
    def _cancelled(self) -> None:
        self.status = PurchaseOrderStatus.CANCELLED
