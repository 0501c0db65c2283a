"""What the repair shop reads: the job board, a job's history, technicians, stock and sales."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.shared.event_store import EventStore
from application.shared.ports import Page


@dataclass(frozen=True)
class RepairJobView:
    id: UUID
    tenant_id: UUID
    customer_id: UUID
    device_type: str
    brand: str
    model: str
    serial: str | None
    complaint: str
    status: str
    priority: str
    technician_id: UUID | None
    technician_name: str | None
    received_at: datetime
    due_at: datetime
    sla_breached: bool
    quote_escalated: bool
    quoted_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    delivered_at: datetime | None
    warranty_until: datetime | None
    parts_price: int
    parts_cost: int
    labour: int
    price: int
    invoice_id: UUID | None
    updated_at: datetime
    position: int

    @property
    def margin(self) -> int:
        """What the job earns over the cost of its parts (labour is the shop's own work)."""
        return self.price - self.parts_cost


@dataclass(frozen=True)
class JobHistoryEntry:
    position: int
    version: int
    event: str
    details: dict[str, Any]
    actor: str
    occurred_at: datetime


@dataclass(frozen=True)
class TechnicianView:
    id: UUID
    name: str
    active: bool


@dataclass(frozen=True)
class TechnicianPerformance:
    technician_id: UUID
    name: str
    jobs_done: int
    mean_hours_to_repair: float | None
    sla_met_percent: float | None


@dataclass(frozen=True)
class StockLevel:
    id: UUID
    sku: str
    name: str
    barcode: str | None
    supplier: str | None
    average_cost: int
    price: int
    on_hand: int
    reserved: int
    available: int
    reorder_point: int
    low_stock: bool
    updated_at: datetime
    category: str | None


@dataclass(frozen=True)
class StockMovement:
    position: int
    item_id: UUID
    sku: str
    kind: str
    quantity: int
    on_hand_after: int
    reference: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class BestSeller:
    item_id: UUID
    sku: str
    name: str
    quantity: int
    revenue: int


@dataclass(frozen=True)
class PurchaseOrderView:
    id: UUID
    supplier: str
    status: str
    total: int
    lines: list[dict[str, Any]]  # item_id, quantity, unit_cost, received
    drafted_at: datetime
    updated_at: datetime


class RepairReadModels(Protocol):
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
    ) -> Page[RepairJobView]: ...

    def job(self, store: EventStore, tenant_id: UUID, job_id: UUID) -> RepairJobView | None: ...

    def awaiting_answer(
        self, store: EventStore, tenant_id: UUID, customer_id: UUID
    ) -> list[RepairJobView]:
        """The customer's jobs with a quote waiting for an answer, latest quote first."""
        ...

    def with_timers(self, store: EventStore, tenant_id: UUID) -> list[UUID]:
        """Jobs a timer may fire for: open, quoted, or completed and not collected."""
        ...

    def history(
        self, store: EventStore, tenant_id: UUID, job_id: UUID
    ) -> list[JobHistoryEntry]: ...

    def technicians(self, store: EventStore, tenant_id: UUID) -> list[TechnicianView]: ...

    def performance(self, store: EventStore, tenant_id: UUID) -> list[TechnicianPerformance]: ...

    def stock_levels(
        self,
        store: EventStore,
        tenant_id: UUID,
        *,
        search: str | None,
        low_only: bool,
        first: int,
        after: str | None,
    ) -> Page[StockLevel]: ...

    def item(self, store: EventStore, tenant_id: UUID, item_id: UUID) -> StockLevel | None: ...

    def movements(
        self,
        store: EventStore,
        tenant_id: UUID,
        item_id: UUID | None,
        first: int,
        after: str | None,
    ) -> Page[StockMovement]: ...

    def purchase_orders(
        self,
        store: EventStore,
        tenant_id: UUID,
        status: str | None,
        first: int,
        after: str | None,
    ) -> Page[PurchaseOrderView]: ...

    def best_sellers(self, store: EventStore, tenant_id: UUID, first: int) -> list[BestSeller]: ...

    def board_position(self, store: EventStore, tenant_id: UUID) -> int:
        """The log position of the latest change to the tenant's job board (0 if none)."""
        ...

    def changed_since(
        self, store: EventStore, tenant_id: UUID, position: int
    ) -> list[RepairJobView]:
        """Jobs whose row changed after `position` in the log, in the order they changed."""
        ...
