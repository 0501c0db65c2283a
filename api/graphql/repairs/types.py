"""GraphQL types and inputs of the repair shop, inventory and counter."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, cast
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from api.graphql.shared.errors import Errors
from api.graphql.shared.support import NiagaInfo, query
from api.graphql.shared.types import Connection, connection_parts
from application.repairs.ports import (
    BestSeller as BestSellerView,
)
from application.repairs.ports import (
    JobHistoryEntry,
    PurchaseOrderView,
    RepairJobView,
    StockLevel,
    StockMovement,
    TechnicianPerformance,
    TechnicianView,
)
from application.shared.ports import Page
from domain.repairs.repair_job import SLA_RUNNING, RepairPolicy

_SLA_RUNNING = {s.value for s in SLA_RUNNING}


def _id(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


@strawberry.type(description="Something that happened to a job, from its events.")
class RepairJobEvent:
    version: int
    event: str
    details: JSON
    actor: str
    occurred_at: datetime

    @classmethod
    def from_entry(cls, entry: JobHistoryEntry) -> RepairJobEvent:
        return cls(
            version=entry.version,
            event=entry.event,
            details=cast(JSON, entry.details),
            actor=entry.actor,
            occurred_at=entry.occurred_at,
        )


@strawberry.type(description="A device in the shop: its state, SLA, technician and money.")
class RepairJob:
    id: strawberry.ID
    customer_id: strawberry.ID
    device_type: str
    brand: str
    model: str
    serial: str | None
    complaint: str
    status: str
    priority: str
    technician_id: strawberry.ID | None
    technician_name: str | None
    received_at: datetime
    due_at: datetime = strawberry.field(description="When the SLA of its priority runs out")
    sla_seconds_left: int | None = strawberry.field(
        description="Seconds until due (negative when late); null once the SLA stops running"
    )
    sla_breached: bool
    quote_escalated: bool
    quoted_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    delivered_at: datetime | None
    warranty_until: date | None
    parts_price: int
    parts_cost: int = strawberry.field(description="Quoted parts at their average cost")
    labour: int
    price: int = strawberry.field(description="The quote's total (before PPN)")
    margin: int = strawberry.field(description="Price less the cost of the parts")
    invoice_id: strawberry.ID | None
    updated_at: datetime

    @strawberry.field(description="Everything that happened to the job, oldest first.")
    async def history(self, info: NiagaInfo) -> list[RepairJobEvent]:
        services, who = info.context.services, info.context.principal
        job_id = UUID(str(self.id))
        entries = await query(lambda: services.repair_queries.history(who, job_id))
        return [RepairJobEvent.from_entry(e) for e in entries]

    @classmethod
    def from_view(cls, view: RepairJobView, now: datetime) -> RepairJob:
        running = view.status in _SLA_RUNNING
        return cls(
            id=_id(view.id),
            customer_id=_id(view.customer_id),
            device_type=view.device_type,
            brand=view.brand,
            model=view.model,
            serial=view.serial,
            complaint=view.complaint,
            status=view.status,
            priority=view.priority,
            technician_id=_id(view.technician_id) if view.technician_id else None,
            technician_name=view.technician_name,
            received_at=view.received_at,
            due_at=view.due_at,
            sla_seconds_left=int((view.due_at - now).total_seconds()) if running else None,
            sla_breached=view.sla_breached,
            quote_escalated=view.quote_escalated,
            quoted_at=view.quoted_at,
            started_at=view.started_at,
            completed_at=view.completed_at,
            delivered_at=view.delivered_at,
            warranty_until=cast(date | None, view.warranty_until),
            parts_price=view.parts_price,
            parts_cost=view.parts_cost,
            labour=view.labour,
            price=view.price,
            margin=view.margin,
            invoice_id=_id(view.invoice_id) if view.invoice_id else None,
            updated_at=view.updated_at,
        )


@strawberry.type
class RepairJobEdge:
    cursor: str
    node: RepairJob


@strawberry.type
class RepairJobConnection(Connection[RepairJobEdge]):
    @classmethod
    def from_page(cls, page: Page[RepairJobView], now: datetime) -> RepairJobConnection:
        return cls(**connection_parts(page, lambda v: RepairJob.from_view(v, now), RepairJobEdge))


@strawberry.type
class Technician:
    id: strawberry.ID
    name: str
    active: bool

    @classmethod
    def from_view(cls, view: TechnicianView) -> Technician:
        return cls(id=_id(view.id), name=view.name, active=view.active)


@strawberry.type
class TechnicianStats:
    technician_id: strawberry.ID
    name: str
    jobs_done: int
    mean_hours_to_repair: float | None = strawberry.field(
        description="Mean hours from starting work to completing it"
    )
    sla_met_percent: float | None

    @classmethod
    def from_view(cls, view: TechnicianPerformance) -> TechnicianStats:
        return cls(
            technician_id=_id(view.technician_id),
            name=view.name,
            jobs_done=view.jobs_done,
            mean_hours_to_repair=view.mean_hours_to_repair,
            sla_met_percent=view.sla_met_percent,
        )


@strawberry.type
class PrioritySla:
    priority: str
    hours: int


@strawberry.type
class RepairPolicyType:
    sla: list[PrioritySla]
    quote_escalation_hours: int
    warranty_days: int
    collection_reminder_days: list[int]

    @classmethod
    def from_policy(cls, policy: RepairPolicy) -> RepairPolicyType:
        return cls(
            sla=[PrioritySla(priority=p, hours=h) for p, h in policy.sla_hours.items()],
            quote_escalation_hours=policy.quote_escalation_hours,
            warranty_days=policy.warranty_days,
            collection_reminder_days=list(policy.collection_reminder_days),
        )


@strawberry.type
class InventoryItem:
    id: strawberry.ID
    sku: str
    name: str
    barcode: str | None
    supplier: str | None
    average_cost: int
    price: int
    on_hand: int
    reserved: int = strawberry.field(description="Held for approved repair jobs")
    available: int
    reorder_point: int
    low_stock: bool
    updated_at: datetime
    category: str | None = strawberry.field(description="Promotions may apply to a category")

    @classmethod
    def from_view(cls, view: StockLevel) -> InventoryItem:
        return cls(**{**vars(view), "id": _id(view.id)})


@strawberry.type
class InventoryItemEdge:
    cursor: str
    node: InventoryItem


@strawberry.type
class InventoryItemConnection(Connection[InventoryItemEdge]):
    @classmethod
    def from_page(cls, page: Page[StockLevel]) -> InventoryItemConnection:
        return cls(**connection_parts(page, InventoryItem.from_view, InventoryItemEdge))


@strawberry.type
class StockMovementType:
    position: int
    item_id: strawberry.ID
    sku: str
    kind: str = strawberry.field(
        description="receive, reserve, release, consume, sell, adjust or stock_take"
    )
    quantity: int = strawberry.field(description="Change to stock on hand (or reserved)")
    on_hand_after: int
    reference: str | None
    occurred_at: datetime

    @classmethod
    def from_view(cls, view: StockMovement) -> StockMovementType:
        return cls(**{**vars(view), "item_id": _id(view.item_id)})


@strawberry.type
class StockMovementEdge:
    cursor: str
    node: StockMovementType


@strawberry.type
class StockMovementConnection(Connection[StockMovementEdge]):
    @classmethod
    def from_page(cls, page: Page[StockMovement]) -> StockMovementConnection:
        return cls(**connection_parts(page, StockMovementType.from_view, StockMovementEdge))


@strawberry.type
class BestSeller:
    item_id: strawberry.ID
    sku: str
    name: str
    quantity: int
    revenue: int = strawberry.field(description="At the item's list price")

    @classmethod
    def from_view(cls, view: BestSellerView) -> BestSeller:
        return cls(**{**vars(view), "item_id": _id(view.item_id)})


@strawberry.type
class PurchaseOrderLine:
    item_id: strawberry.ID
    quantity: int
    unit_cost: int
    received: int


@strawberry.type
class PurchaseOrder:
    id: strawberry.ID
    supplier: str
    status: str = strawberry.field(
        description="draft, ordered, partly_received, received or cancelled"
    )
    total: int
    lines: list[PurchaseOrderLine]


def purchase_order_of(view: PurchaseOrderView) -> PurchaseOrder:
    return PurchaseOrder(
        id=_id(view.id),
        supplier=view.supplier,
        status=view.status,
        total=view.total,
        lines=[
            PurchaseOrderLine(
                item_id=_id(x["item_id"]),
                quantity=int(x["quantity"]),
                unit_cost=int(x["unit_cost"]),
                received=int(x["received"]),
            )
            for x in view.lines
        ],
    )


@strawberry.type
class PurchaseOrderEdge:
    cursor: str
    node: PurchaseOrder


@strawberry.type
class PurchaseOrderConnection(Connection[PurchaseOrderEdge]):
    @classmethod
    def from_page(cls, page: Page[PurchaseOrderView]) -> PurchaseOrderConnection:
        return cls(**connection_parts(page, purchase_order_of, PurchaseOrderEdge))


# inputs


@strawberry.input
class ReceiveRepairJobInput:
    customer_id: strawberry.ID
    device_type: str = strawberry.field(description="e.g. smartphone, laptop")
    brand: str
    model: str
    complaint: str
    serial: str | None = strawberry.field(default=None, description="Serial number or IMEI")
    accessories: list[str] = strawberry.field(default_factory=list)
    photos: list[str] = strawberry.field(
        default_factory=list, description="References to photos taken at intake"
    )
    priority: str = strawberry.field(default="normal", description="low, normal, high, urgent")
    technician_id: strawberry.ID | None = None


@strawberry.input
class QuotePartInput:
    item_id: strawberry.ID
    quantity: int = 1
    unit_price: int | None = strawberry.field(
        default=None, description="The item's price when left out"
    )


@strawberry.input
class QuoteLabourInput:
    description: str
    amount: int


@strawberry.input
class QuoteRepairJobInput:
    job_id: strawberry.ID
    parts: list[QuotePartInput] = strawberry.field(default_factory=list)
    labour: list[QuoteLabourInput] = strawberry.field(default_factory=list)


@strawberry.input
class PrioritySlaInput:
    priority: str
    hours: int


@strawberry.input
class RepairPolicyInput:
    sla: list[PrioritySlaInput]
    quote_escalation_hours: int = 24
    warranty_days: int = 30
    collection_reminder_days: list[int] = strawberry.field(default_factory=lambda: [1, 20, 30])


@strawberry.input
class RegisterInventoryItemInput:
    sku: str
    name: str
    cost: int
    price: int
    barcode: str | None = None
    supplier: str | None = None
    reorder_point: int = 0
    opening_stock: int = 0
    category: str | None = strawberry.field(
        default=None, description="e.g. Aksesoris; promotions may apply to a category"
    )


@strawberry.input
class PurchaseOrderLineInput:
    item_id: strawberry.ID
    quantity: int
    unit_cost: int


@strawberry.input
class ReceivedLineInput:
    item_id: strawberry.ID
    quantity: int


@strawberry.input
class SaleLineInput:
    item_id: strawberry.ID | None = strawberry.field(
        default=None, description="An item from stock; leave out for a service"
    )
    description: str | None = None
    quantity: int = 1
    unit_price: int | None = strawberry.field(
        default=None, description="An item's own price when left out; required for a service"
    )
    taxable: bool = True


@strawberry.input
class SalePaymentInput:
    method: str = strawberry.field(
        description="cash, bank_transfer, qris, debit_card, credit_card or ewallet"
    )
    amount: int


@strawberry.input
class CounterSaleInput:
    customer_id: strawberry.ID
    lines: list[SaleLineInput]
    payments: list[SalePaymentInput] = strawberry.field(
        description="One or several; they must add up to the total with PPN"
    )


# payloads


@strawberry.type
class RepairJobSuccess:
    job: RepairJob


@strawberry.type
class TechnicianSuccess:
    technician: Technician


@strawberry.type
class RepairPolicySuccess:
    policy: RepairPolicyType


@strawberry.type
class InventoryItemSuccess:
    item: InventoryItem


@strawberry.type
class PurchaseOrderSuccess:
    order: PurchaseOrder


@strawberry.type
class InvoicedSuccess:
    invoice_id: strawberry.ID
    number: str
    total: int


RepairJobResult = Annotated[RepairJobSuccess | Errors, strawberry.union("RepairJobResult")]
TechnicianResult = Annotated[TechnicianSuccess | Errors, strawberry.union("TechnicianResult")]
RepairPolicyResult = Annotated[RepairPolicySuccess | Errors, strawberry.union("RepairPolicyResult")]
InventoryItemResult = Annotated[
    InventoryItemSuccess | Errors, strawberry.union("InventoryItemResult")
]
PurchaseOrderResult = Annotated[
    PurchaseOrderSuccess | Errors, strawberry.union("PurchaseOrderResult")
]
InvoicedResult = Annotated[InvoicedSuccess | Errors, strawberry.union("InvoicedResult")]
