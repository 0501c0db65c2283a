"""The repair shop, inventory and counter in GraphQL, and a subscription that pushes job-board
changes to a dashboard as they happen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from functools import partial
from typing import Annotated, Any
from uuid import UUID

import strawberry

from api.graphql.repairs import types as t
from api.graphql.shared.parsing import found, parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.repairs.counter import CounterSale, SaleLine, SalePayment
from application.repairs.inventory import OrderLineInput, RegisterItem
from application.repairs.ports import RepairJobView, StockMovement
from application.repairs.repairs import QuoteLabour, QuotePart, ReceiveJob
from application.shared.ports import Page
from domain.repairs.repair_job import RepairPolicy
from domain.shared.errors import InvalidValue

# How often a subscription looks at the job board's position for changes.
BOARD_POLL_SECONDS = 0.25


def _job(info: NiagaInfo, job_id: UUID) -> t.RepairJobSuccess:
    """The job as the board now shows it, for a mutation's result."""
    services, who = info.context.services, info.context.principal
    view = found(services.repair_queries.job(who, job_id), "repair job")
    return t.RepairJobSuccess(job=t.RepairJob.from_view(view, services.calendar.now()))


def _item(info: NiagaInfo, item_id: UUID) -> t.InventoryItemSuccess:
    services, who = info.context.services, info.context.principal
    view = found(services.repair_queries.item(who, item_id), "inventory item")
    return t.InventoryItemSuccess(item=t.InventoryItem.from_view(view))


def _order(info: NiagaInfo, order_id: UUID) -> t.PurchaseOrderSuccess:
    services, who = info.context.services, info.context.principal
    view = found(services.repair_queries.purchase_order(who, order_id), "purchase order")
    return t.PurchaseOrderSuccess(order=t.purchase_order_of(view))


def _technician(info: NiagaInfo, technician_id: UUID) -> t.TechnicianSuccess:
    services, who = info.context.services, info.context.principal
    view = found(services.repair_queries.technician(who, technician_id), "technician")
    return t.TechnicianSuccess(technician=t.Technician.from_view(view))


async def _on(
    info: NiagaInfo,
    raw_id: strawberry.ID,
    field: str,
    answer: Callable[[NiagaInfo, UUID], object],
    change: Callable[[UUID], object],
) -> Any:
    """Parse the id, run the command, answer with what it changed as the read model now
    shows it."""

    def run() -> object:
        aggregate_id = parse_id(raw_id, field)
        change(aggregate_id)
        return answer(info, aggregate_id)

    return await run_command(run)


async def _on_job(info: NiagaInfo, raw_id: strawberry.ID, change: Callable[[UUID], object]) -> Any:
    return await _on(info, raw_id, "jobId", _job, change)


async def _on_item(info: NiagaInfo, raw_id: strawberry.ID, change: Callable[[UUID], object]) -> Any:
    return await _on(info, raw_id, "itemId", _item, change)


async def _on_order(
    info: NiagaInfo, raw_id: strawberry.ID, change: Callable[[UUID], object]
) -> Any:
    return await _on(info, raw_id, "id", _order, change)


def _policy(input: t.RepairPolicyInput) -> RepairPolicy:
    sla: dict[str, int] = {}
    for entry in input.sla:
        if entry.priority in sla:
            raise InvalidValue(f"priority {entry.priority} is given twice", field="sla")
        sla[entry.priority] = entry.hours
    return RepairPolicy(
        sla,
        input.quote_escalation_hours,
        input.warranty_days,
        tuple(input.collection_reminder_days),
    )


@strawberry.type
class RepairQuery:
    @strawberry.field(
        description="The job board, most urgent first; filter by status, technician, priority."
    )
    async def repair_jobs(
        self,
        info: NiagaInfo,
        status: str | None = None,
        technician_id: strawberry.ID | None = None,
        priority: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> t.RepairJobConnection:
        services, who = info.context.services, info.context.principal

        def read() -> Page[RepairJobView]:
            technician = parse_id(technician_id, "technicianId") if technician_id else None
            return services.repair_queries.jobs(
                who,
                status=status,
                technician_id=technician,
                priority=priority,
                first=first,
                after=after,
            )

        page = await query(read)
        return t.RepairJobConnection.from_page(page, services.calendar.now())

    @strawberry.field(
        description="Where the job board is now; pass it to jobBoardChanged(since:) so a "
        "dashboard misses no change between loading the board and subscribing."
    )
    async def repair_board_position(self, info: NiagaInfo) -> int:
        services, who = info.context.services, info.context.principal
        return await query(lambda: services.repair_queries.board_position(who))

    @strawberry.field(description="One repair job of your tenant by id, with its history.")
    async def repair_job(self, info: NiagaInfo, id: strawberry.ID) -> t.RepairJob:
        services, who = info.context.services, info.context.principal
        view = await query(
            lambda: found(services.repair_queries.job(who, parse_id(id, "id")), "repair job")
        )
        return t.RepairJob.from_view(view, services.calendar.now())

    @strawberry.field(description="The technicians jobs can be assigned to.")
    async def technicians(self, info: NiagaInfo) -> list[t.Technician]:
        services, who = info.context.services, info.context.principal
        views = await query(lambda: services.repair_queries.technicians(who))
        return [t.Technician.from_view(v) for v in views]

    @strawberry.field(description="Jobs done, mean time to repair and SLA met, per technician.")
    async def technician_performance(self, info: NiagaInfo) -> list[t.TechnicianStats]:
        services, who = info.context.services, info.context.principal
        views = await query(lambda: services.repair_queries.performance(who))
        return [t.TechnicianStats.from_view(v) for v in views]

    @strawberry.field(description="SLA per priority, quote escalation, warranty, reminders.")
    async def repair_policy(self, info: NiagaInfo) -> t.RepairPolicyType:
        services, who = info.context.services, info.context.principal
        return t.RepairPolicyType.from_policy(await query(lambda: services.repairs.policy(who)))

    @strawberry.field(description="Stock levels by SKU; search SKU, name or barcode.")
    async def inventory_items(
        self,
        info: NiagaInfo,
        search: str | None = None,
        low_stock_only: bool = False,
        first: int = 50,
        after: str | None = None,
    ) -> t.InventoryItemConnection:
        services, who = info.context.services, info.context.principal
        page = await query(
            lambda: services.repair_queries.stock_levels(
                who, search=search, low_only=low_stock_only, first=first, after=after
            )
        )
        return t.InventoryItemConnection.from_page(page)

    @strawberry.field(description="Stock movements, newest first; optionally of one item.")
    async def stock_movements(
        self,
        info: NiagaInfo,
        item_id: strawberry.ID | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> t.StockMovementConnection:
        services, who = info.context.services, info.context.principal

        def read() -> Page[StockMovement]:
            item = parse_id(item_id, "itemId") if item_id else None
            return services.repair_queries.movements(who, item, first, after)

        return t.StockMovementConnection.from_page(await query(read))

    @strawberry.field(description="Items by quantity sold or used in repairs.")
    async def best_selling_items(self, info: NiagaInfo, first: int = 10) -> list[t.BestSeller]:
        services, who = info.context.services, info.context.principal
        sellers = await query(lambda: services.repair_queries.best_sellers(who, first))
        return [t.BestSeller.from_view(b) for b in sellers]

    @strawberry.field(description="Purchase orders, oldest first; filter by status.")
    async def purchase_orders(
        self,
        info: NiagaInfo,
        status: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> t.PurchaseOrderConnection:
        services, who = info.context.services, info.context.principal
        page = await query(
            lambda: services.repair_queries.purchase_orders(who, status, first, after)
        )
        return t.PurchaseOrderConnection.from_page(page)

    @strawberry.field(description="A purchase order of your tenant and how much of it arrived.")
    async def purchase_order(self, info: NiagaInfo, id: strawberry.ID) -> t.PurchaseOrder:
        services, who = info.context.services, info.context.principal
        view = await query(
            lambda: found(
                services.repair_queries.purchase_order(who, parse_id(id, "id")), "purchase order"
            )
        )
        return t.purchase_order_of(view)


@strawberry.type
class RepairMutation:
    @strawberry.mutation(description="Set the SLA per priority, quote escalation and warranty.")
    async def set_repair_policy(
        self, info: NiagaInfo, input: t.RepairPolicyInput
    ) -> t.RepairPolicyResult:
        services, who = info.context.services, info.context.principal

        def run() -> t.RepairPolicySuccess:
            policy = services.repairs.set_policy(who, _policy(input))
            return t.RepairPolicySuccess(policy=t.RepairPolicyType.from_policy(policy))

        return await run_command(run)

    @strawberry.mutation(description="Add a technician.")
    async def add_technician(self, info: NiagaInfo, name: str) -> t.TechnicianResult:
        services, who = info.context.services, info.context.principal
        return await run_command(
            lambda: _technician(info, services.repairs.add_technician(who, name))
        )

    @strawberry.mutation(description="No new work for a technician; assigned jobs stay.")
    async def deactivate_technician(self, info: NiagaInfo, id: strawberry.ID) -> t.TechnicianResult:
        services, who = info.context.services, info.context.principal

        def run() -> t.TechnicianSuccess:
            technician_id = parse_id(id, "id")
            services.repairs.deactivate_technician(who, technician_id)
            return _technician(info, technician_id)

        return await run_command(run)

    @strawberry.mutation(description="Take a device in; the customer is told by WhatsApp.")
    async def receive_repair_job(
        self, info: NiagaInfo, input: t.ReceiveRepairJobInput
    ) -> t.RepairJobResult:
        services, who = info.context.services, info.context.principal

        def run() -> t.RepairJobSuccess:
            command = ReceiveJob(
                parse_id(input.customer_id, "customerId"),
                input.device_type,
                input.brand,
                input.model,
                input.complaint,
                input.serial,
                list(input.accessories),
                list(input.photos),
                input.priority,
                parse_id(input.technician_id, "technicianId") if input.technician_id else None,
            )
            return _job(info, services.repairs.receive(who, command))

        return await run_command(run)

    @strawberry.mutation(description="Assign (or reassign) the job to a technician.")
    async def assign_technician(
        self, info: NiagaInfo, job_id: strawberry.ID, technician_id: strawberry.ID
    ) -> t.RepairJobResult:
        services, who = info.context.services, info.context.principal
        return await _on_job(
            info,
            job_id,
            lambda j: services.repairs.assign(who, j, parse_id(technician_id, "technicianId")),
        )

    @strawberry.mutation(description="Change the priority; the due time follows its SLA.")
    async def change_repair_priority(
        self, info: NiagaInfo, job_id: strawberry.ID, priority: str
    ) -> t.RepairJobResult:
        services, who = info.context.services, info.context.principal
        return await _on_job(
            info, job_id, lambda j: services.repairs.change_priority(who, j, priority)
        )

    @strawberry.mutation(description="Record what is wrong with the device.")
    async def diagnose_repair_job(
        self, info: NiagaInfo, job_id: strawberry.ID, diagnosis: str
    ) -> t.RepairJobResult:
        services, who = info.context.services, info.context.principal
        return await _on_job(info, job_id, lambda j: services.repairs.diagnose(who, j, diagnosis))

    @strawberry.mutation(
        description="Quote parts and labour; the customer answers Setuju / Tidak Setuju."
    )
    async def quote_repair_job(
        self, info: NiagaInfo, input: t.QuoteRepairJobInput
    ) -> t.RepairJobResult:
        services, who = info.context.services, info.context.principal

        def quote(job_id: UUID) -> None:
            parts = [
                QuotePart(parse_id(p.item_id, "itemId"), p.quantity, p.unit_price)
                for p in input.parts
            ]
            labour = [QuoteLabour(x.description, x.amount) for x in input.labour]
            services.repairs.quote(who, job_id, parts, labour)

        return await _on_job(info, input.job_id, quote)

    @strawberry.mutation(
        description="Record the customer's answer to the quote; approving reserves the parts."
    )
    async def answer_repair_quote(
        self,
        info: NiagaInfo,
        job_id: strawberry.ID,
        approve: bool,
        reason: str | None = None,
    ) -> t.RepairJobResult:
        services, who = info.context.services, info.context.principal
        return await _on_job(
            info, job_id, lambda j: services.repairs.answer_quote(who, j, approve, reason)
        )

    @strawberry.mutation(description="Start work on an approved job.")
    async def start_repair(self, info: NiagaInfo, job_id: strawberry.ID) -> t.RepairJobResult:
        services, who = info.context.services, info.context.principal
        return await _on_job(info, job_id, lambda j: services.repairs.start(who, j))

    @strawberry.mutation(description="Finish the work; the reserved parts leave stock.")
    async def complete_repair(
        self, info: NiagaInfo, job_id: strawberry.ID, notes: str | None = None
    ) -> t.RepairJobResult:
        services, who = info.context.services, info.context.principal
        return await _on_job(info, job_id, lambda j: services.repairs.complete(who, j, notes))

    @strawberry.mutation(description="Hand the device back; the warranty starts.")
    async def deliver_repair_job(self, info: NiagaInfo, job_id: strawberry.ID) -> t.RepairJobResult:
        services, who = info.context.services, info.context.principal
        return await _on_job(info, job_id, lambda j: services.repairs.deliver(who, j))

    @strawberry.mutation(description="Cancel the job; reserved parts go back to stock.")
    async def cancel_repair_job(
        self, info: NiagaInfo, job_id: strawberry.ID, reason: str
    ) -> t.RepairJobResult:
        services, who = info.context.services, info.context.principal
        return await _on_job(info, job_id, lambda j: services.repairs.cancel(who, j, reason))

    @strawberry.mutation(description="A warranty claim within the period reopens the job.")
    async def claim_repair_warranty(
        self, info: NiagaInfo, job_id: strawberry.ID, complaint: str
    ) -> t.RepairJobResult:
        services, who = info.context.services, info.context.principal
        return await _on_job(
            info, job_id, lambda j: services.repairs.claim_warranty(who, j, complaint)
        )

    @strawberry.mutation(description="Issue the job's invoice (billing numbering, PPN, PDF).")
    async def invoice_repair_job(self, info: NiagaInfo, job_id: strawberry.ID) -> t.InvoicedResult:
        services, who = info.context.services, info.context.principal

        def run() -> t.InvoicedSuccess:
            invoice_id, number = services.repairs.invoice(who, parse_id(job_id, "jobId"))
            total = found(services.repair_queries.invoice_total(who, invoice_id), "invoice")
            return t.InvoicedSuccess(
                invoice_id=strawberry.ID(str(invoice_id)), number=number, total=total
            )

        return await run_command(run)

    # inventory

    @strawberry.mutation(description="Register a stock item; its SKU must be new to your tenant.")
    async def register_inventory_item(
        self, info: NiagaInfo, input: t.RegisterInventoryItemInput
    ) -> t.InventoryItemResult:
        services, who = info.context.services, info.context.principal
        command = RegisterItem(
            input.sku,
            input.name,
            input.cost,
            input.price,
            input.barcode,
            input.supplier,
            input.reorder_point,
            input.opening_stock,
            input.category,
        )
        return await run_command(lambda: _item(info, services.inventory.register(who, command)))

    @strawberry.mutation(description="Change an item's price or reorder point.")
    async def reprice_inventory_item(
        self,
        info: NiagaInfo,
        item_id: strawberry.ID,
        price: int,
        reorder_point: int | None = None,
    ) -> t.InventoryItemResult:
        services, who = info.context.services, info.context.principal
        return await _on_item(
            info, item_id, lambda i: services.inventory.reprice(who, i, price, reorder_point)
        )

    @strawberry.mutation(
        description="File an item under a category (promotions may apply to one); "
        "null or empty for none."
    )
    async def categorise_inventory_item(
        self, info: NiagaInfo, item_id: strawberry.ID, category: str | None = None
    ) -> t.InventoryItemResult:
        services, who = info.context.services, info.context.principal
        return await _on_item(
            info, item_id, lambda i: services.inventory.categorise(who, i, category)
        )

    @strawberry.mutation(description="Stock in outside a purchase order.")
    async def receive_stock(
        self,
        info: NiagaInfo,
        item_id: strawberry.ID,
        quantity: int,
        unit_cost: int,
        reference: str = "",
    ) -> t.InventoryItemResult:
        services, who = info.context.services, info.context.principal
        return await _on_item(
            info,
            item_id,
            lambda i: services.inventory.receive(who, i, quantity, unit_cost, reference),
        )

    @strawberry.mutation(description="Correct stock up or down, with a reason.")
    async def adjust_stock(
        self, info: NiagaInfo, item_id: strawberry.ID, delta: int, reason: str
    ) -> t.InventoryItemResult:
        services, who = info.context.services, info.context.principal
        return await _on_item(
            info, item_id, lambda i: services.inventory.adjust(who, i, delta, reason)
        )

    @strawberry.mutation(
        description="Record a stock take: the counted quantity replaces the books."
    )
    async def stock_take(
        self, info: NiagaInfo, item_id: strawberry.ID, counted: int
    ) -> t.InventoryItemResult:
        services, who = info.context.services, info.context.principal
        return await _on_item(
            info, item_id, lambda i: services.inventory.stock_take(who, i, counted)
        )

    @strawberry.mutation(description="Reserve stock for a job by hand.")
    async def reserve_stock(
        self, info: NiagaInfo, item_id: strawberry.ID, job_id: strawberry.ID, quantity: int
    ) -> t.InventoryItemResult:
        services, who = info.context.services, info.context.principal
        return await _on_item(
            info,
            item_id,
            lambda i: services.inventory.reserve(who, i, parse_id(job_id, "jobId"), quantity),
        )

    @strawberry.mutation(description="Release what a job reserved of an item.")
    async def release_stock(
        self, info: NiagaInfo, item_id: strawberry.ID, job_id: strawberry.ID
    ) -> t.InventoryItemResult:
        services, who = info.context.services, info.context.principal
        return await _on_item(
            info, item_id, lambda i: services.inventory.release(who, i, parse_id(job_id, "jobId"))
        )

    @strawberry.mutation(description="Use stock for a job (its reservation first).")
    async def consume_stock(
        self, info: NiagaInfo, item_id: strawberry.ID, job_id: strawberry.ID, quantity: int
    ) -> t.InventoryItemResult:
        services, who = info.context.services, info.context.principal
        return await _on_item(
            info,
            item_id,
            lambda i: services.inventory.consume(who, i, parse_id(job_id, "jobId"), quantity),
        )

    @strawberry.mutation(description="Draft a purchase order to a supplier.")
    async def draft_purchase_order(
        self, info: NiagaInfo, supplier: str, lines: list[t.PurchaseOrderLineInput]
    ) -> t.PurchaseOrderResult:
        services, who = info.context.services, info.context.principal

        def run() -> t.PurchaseOrderSuccess:
            parsed = [
                OrderLineInput(parse_id(x.item_id, "itemId"), x.quantity, x.unit_cost)
                for x in lines
            ]
            return _order(info, services.inventory.draft_order(who, supplier, parsed))

        return await run_command(run)

    @strawberry.mutation(description="Send a drafted purchase order to its supplier.")
    async def place_purchase_order(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> t.PurchaseOrderResult:
        services, who = info.context.services, info.context.principal

        return await _on_order(info, id, lambda o: services.inventory.place_order(who, o))

    @strawberry.mutation(description="Cancel a purchase order nothing has arrived on.")
    async def cancel_purchase_order(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> t.PurchaseOrderResult:
        services, who = info.context.services, info.context.principal

        return await _on_order(info, id, lambda o: services.inventory.cancel_order(who, o))

    @strawberry.mutation(description="Goods in on an order: stock and average cost move.")
    async def receive_purchase_order(
        self, info: NiagaInfo, id: strawberry.ID, lines: list[t.ReceivedLineInput]
    ) -> t.PurchaseOrderResult:
        services, who = info.context.services, info.context.principal

        def receive(order_id: UUID) -> None:
            quantities: dict[UUID, int] = {}
            for line in lines:
                item_id = parse_id(line.item_id, "itemId")
                quantities[item_id] = quantities.get(item_id, 0) + line.quantity
            services.inventory.receive_order(who, order_id, quantities)

        return await _on_order(info, id, receive)

    @strawberry.mutation(
        description="Sell items and services at the counter, paid by one or several methods."
    )
    async def counter_sale(self, info: NiagaInfo, input: t.CounterSaleInput) -> t.InvoicedResult:
        services, who = info.context.services, info.context.principal

        def run() -> t.InvoicedSuccess:
            sale = CounterSale(
                parse_id(input.customer_id, "customerId"),
                [
                    SaleLine(
                        x.quantity,
                        parse_id(x.item_id, "itemId") if x.item_id else None,
                        x.description,
                        x.unit_price,
                        x.taxable,
                    )
                    for x in input.lines
                ],
                [SalePayment(p.method, p.amount) for p in input.payments],
            )
            receipt = services.counter.sell(who, sale)
            return t.InvoicedSuccess(
                invoice_id=strawberry.ID(str(receipt.invoice_id)),
                number=receipt.number,
                total=receipt.total,
            )

        return await run_command(run)


@strawberry.type
class RepairSubscription:
    @strawberry.subscription(
        description="Jobs as they change on the board (received, assigned, quoted, done...)."
    )
    async def job_board_changed(
        self,
        info: NiagaInfo,
        status: str | None = None,
        since: Annotated[
            int | None,
            strawberry.argument(
                description="A board position from repairBoardPosition: changes after it are "
                "pushed too, so none is missed between reading the board and subscribing"
            ),
        ] = None,
    ) -> AsyncGenerator[t.RepairJob, None]:
        services, who = info.context.services, info.context.principal
        board = services.repair_queries
        seen = since if since is not None else await query(partial(board.board_position, who))
        while True:
            changed = await query(partial(board.changed_since, who, seen))
            for view in changed:
                seen = max(seen, view.position)
                if status is None or view.status == status:
                    yield t.RepairJob.from_view(view, services.calendar.now())
            await asyncio.sleep(BOARD_POLL_SECONDS)
