"""The repair shop's read side for clients: the job board, technicians, stock and purchase
orders, each read authorised, scoped to the caller's tenant and validated."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from application.repairs.ports import (
    BestSeller,
    JobHistoryEntry,
    PurchaseOrderView,
    RepairJobView,
    RepairReadModels,
    StockLevel,
    StockMovement,
    TechnicianPerformance,
    TechnicianView,
)
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore
from application.shared.paging import filter_text
from application.shared.ports import Page, Stores
from application.shared.unit_of_work import find
from domain.billing.invoice import Invoice
from domain.repairs.inventory import PurchaseOrder, PurchaseOrderStatus
from domain.repairs.repair_job import Priority, RepairStatus

# The repair shop's lists page further than the shared bound: a busy board, a long stock list.
MAX_PAGE = 500


def _first(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise ApplicationError(f"first must be 1-{MAX_PAGE}", field="first")
    return first


def _one_of(raw: str | None, kind: type[StrEnum], field: str) -> str | None:
    """`raw` when it is one of the enum's values (or absent); else a refusal naming them."""
    if raw is None or raw in {k.value for k in kind}:
        return raw
    known = ", ".join(sorted(k.value for k in kind))
    raise ApplicationError(f"{field} must be one of {known}, got {raw!r}", field=field)


class RepairQueries:
    """Repair shop reads: each checks a permission, then reads the caller's tenant."""

    def __init__(self, stores: Stores, read_models: RepairReadModels) -> None:
        self._stores = stores
        self._read_models = read_models

    # the job board

    def jobs(
        self,
        principal: Principal,
        *,
        status: str | None = None,
        technician_id: UUID | None = None,
        priority: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page[RepairJobView]:
        """The board, most urgent first."""
        authorize(principal, Permission.READ_REPAIRS)
        return self._read_models.jobs(
            self._store(principal),
            principal.tenant_id,
            status=_one_of(status, RepairStatus, "status"),
            technician_id=technician_id,
            priority=_one_of(priority, Priority, "priority"),
            first=_first(first),
            after=after,
        )

    def job(self, principal: Principal, job_id: UUID) -> RepairJobView | None:
        authorize(principal, Permission.READ_REPAIRS)
        return self._read_models.job(self._store(principal), principal.tenant_id, job_id)

    def history(self, principal: Principal, job_id: UUID) -> list[JobHistoryEntry]:
        """Everything that happened to a job, oldest first."""
        authorize(principal, Permission.READ_REPAIRS)
        return self._read_models.history(self._store(principal), principal.tenant_id, job_id)

    def board_position(self, principal: Principal) -> int:
        """Where the board is now, so a dashboard can follow it from there."""
        authorize(principal, Permission.READ_REPAIRS)
        return self._read_models.board_position(self._store(principal), principal.tenant_id)

    def changed_since(self, principal: Principal, position: int) -> list[RepairJobView]:
        """Jobs whose place on the board changed after `position`, in the order they changed."""
        authorize(principal, Permission.READ_REPAIRS)
        return self._read_models.changed_since(
            self._store(principal), principal.tenant_id, position
        )

    # technicians

    def technicians(self, principal: Principal) -> list[TechnicianView]:
        authorize(principal, Permission.READ_REPAIRS)
        return self._read_models.technicians(self._store(principal), principal.tenant_id)

    def technician(self, principal: Principal, technician_id: UUID) -> TechnicianView | None:
        return next((t for t in self.technicians(principal) if t.id == technician_id), None)

    def performance(self, principal: Principal) -> list[TechnicianPerformance]:
        authorize(principal, Permission.READ_REPORTS)
        return self._read_models.performance(self._store(principal), principal.tenant_id)

    # stock

    def stock_levels(
        self,
        principal: Principal,
        *,
        search: str | None = None,
        low_only: bool = False,
        first: int = 50,
        after: str | None = None,
    ) -> Page[StockLevel]:
        authorize(principal, Permission.READ_INVENTORY)
        return self._read_models.stock_levels(
            self._store(principal),
            principal.tenant_id,
            search=filter_text(search, "search"),
            low_only=low_only,
            first=_first(first),
            after=after,
        )

    def item(self, principal: Principal, item_id: UUID) -> StockLevel | None:
        authorize(principal, Permission.READ_INVENTORY)
        return self._read_models.item(self._store(principal), principal.tenant_id, item_id)

    def movements(
        self,
        principal: Principal,
        item_id: UUID | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page[StockMovement]:
        """Stock movements, newest first; of one item when `item_id` is given."""
        authorize(principal, Permission.READ_INVENTORY)
        return self._read_models.movements(
            self._store(principal), principal.tenant_id, item_id, _first(first), after
        )

    def best_sellers(self, principal: Principal, first: int = 10) -> list[BestSeller]:
        authorize(principal, Permission.READ_REPORTS)
        return self._read_models.best_sellers(
            self._store(principal), principal.tenant_id, _first(first)
        )

    # purchase orders

    def purchase_orders(
        self,
        principal: Principal,
        status: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page[PurchaseOrderView]:
        """Oldest first."""
        authorize(principal, Permission.READ_INVENTORY)
        return self._read_models.purchase_orders(
            self._store(principal),
            principal.tenant_id,
            _one_of(status, PurchaseOrderStatus, "status"),
            _first(first),
            after,
        )

    def purchase_order(self, principal: Principal, order_id: UUID) -> PurchaseOrderView | None:
        """One order as it stands, read from the order itself so that what a command just did
        to it shows even before the read models catch up."""
        authorize(principal, Permission.READ_INVENTORY)
        order = find(self._store(principal), PurchaseOrder, order_id)
        if order is None or order.tenant_id != principal.tenant_id:
            return None
        return _order_view(order)

    # invoices

    def invoice_total(self, principal: Principal, invoice_id: UUID) -> int | None:
        """What an invoice issued for a job comes to, read from the invoice itself so a
        just-issued one is there before the billing read models catch up."""
        authorize(principal, Permission.READ_BILLING)
        invoice = find(self._store(principal), Invoice, invoice_id)
        if invoice is None or invoice.tenant_id != principal.tenant_id:
            return None
        return invoice.total

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)


def _order_view(order: PurchaseOrder) -> PurchaseOrderView:
    """The order in the shape of its read-model row (lines as plain values)."""
    return PurchaseOrderView(
        id=order.id,
        supplier=order.supplier,
        status=order.status.value,
        total=order.total,
        lines=[
            {
                "item_id": str(line.item_id),
                "quantity": line.quantity,
                "unit_cost": line.unit_cost,
                "received": order.received.get(line.item_id, 0),
            }
            for line in order.lines
        ],
        drafted_at=order.created_on,
        updated_at=order.modified_on,
    )
