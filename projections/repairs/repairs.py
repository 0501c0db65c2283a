"""`repair_jobs` (the job board, with SLA, technician and money per job), `repair_job_history`
(every event of every job) and `technicians`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor, sql
from psycopg.types.json import Jsonb

from domain.repairs.repair_job import RepairJob, Technician
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as r
from projections.shared.base import jsonable, table

_ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})
JOB_COLUMNS = (
    "id",
    "tenant_id",
    "customer_id",
    "device_type",
    "brand",
    "model",
    "serial",
    "complaint",
    "status",
    "priority",
    "technician_id",
    "technician_name",
    "received_at",
    "due_at",
    "sla_breached",
    "quote_escalated",
    "quoted_at",
    "started_at",
    "completed_at",
    "sla_met",
    "delivered_at",
    "warranty_until",
    "parts_price",
    "parts_cost",
    "labour",
    "price",
    "invoice_id",
    "updated_at",
    "position",
)
_STATUS_AFTER: dict[type, str] = {
    RepairJob.Diagnosed: "diagnosed",
    RepairJob.Quoted: "quoted",
    RepairJob.QuoteApproved: "approved",
    RepairJob.QuoteRejected: "rejected",
    RepairJob.Started: "in_progress",
    RepairJob.Completed: "completed",
    RepairJob.Delivered: "delivered",
    RepairJob.Cancelled: "cancelled",
    RepairJob.WarrantyClaimed: "in_progress",
}


class RepairBoardProjection:
    name: str = "repair_board"
    event_types: tuple[type, ...] = (
        RepairJob.Received,
        RepairJob.TechnicianAssigned,
        RepairJob.Diagnosed,
        RepairJob.Quoted,
        RepairJob.QuoteApproved,
        RepairJob.QuoteRejected,
        RepairJob.QuoteEscalated,
        RepairJob.Started,
        RepairJob.Completed,
        RepairJob.Delivered,
        RepairJob.Cancelled,
        RepairJob.SlaBreached,
        RepairJob.PriorityChanged,
        RepairJob.WarrantyClaimed,
        RepairJob.Invoiced,
    )
    tables: tuple[str, ...] = ("repair_jobs", "repair_job_history")

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        created, existing = r.split(events, RepairJob.Received)
        jobs = r.load(cur, schema, "repair_jobs", JOB_COLUMNS, "id", existing)
        for recorded in events:
            if isinstance(recorded.event, RepairJob.Received):
                jobs[recorded.aggregate_id] = _received(recorded)
            row = jobs.get(recorded.aggregate_id)
            if row is not None:
                _apply(row, recorded)
        r.save(cur, schema, "repair_jobs", JOB_COLUMNS, "id", jobs, created)
        _history(cur, schema, events, jobs)


def _received(recorded: RecordedEvent) -> dict[str, Any]:
    e = recorded.event
    row: dict[str, Any] = dict.fromkeys(JOB_COLUMNS)
    row.update(
        id=recorded.aggregate_id,
        tenant_id=e.tenant_id,
        customer_id=e.customer_id,
        device_type=e.device_type,
        brand=e.brand,
        model=e.model,
        serial=e.serial,
        complaint=e.complaint,
        status="received",
        priority=e.priority,
        received_at=e.received_at,
        due_at=e.due_at,
        sla_breached=False,
        quote_escalated=False,
        parts_price=0,
        parts_cost=0,
        labour=0,
        price=0,
    )
    return row


def _apply(row: dict[str, Any], recorded: RecordedEvent) -> None:
    e = recorded.event
    status = _STATUS_AFTER.get(type(e))
    if status:
        row["status"] = status
    if isinstance(e, RepairJob.TechnicianAssigned):
        row.update(technician_id=e.technician_id, technician_name=e.technician_name)
    elif isinstance(e, RepairJob.Quoted):
        parts_price = sum(p.quantity * p.unit_price for p in e.parts)
        parts_cost = sum(p.quantity * p.unit_cost for p in e.parts)
        labour = sum(x.amount for x in e.labour)
        row.update(
            quoted_at=e.at,
            quote_escalated=False,
            parts_price=parts_price,
            parts_cost=parts_cost,
            labour=labour,
            price=e.total,
        )
    elif isinstance(e, RepairJob.QuoteEscalated):
        row["quote_escalated"] = True
    elif isinstance(e, RepairJob.Started):
        row["started_at"] = e.at
    elif isinstance(e, RepairJob.Completed):
        row.update(completed_at=e.at, sla_met=e.at <= row["due_at"] and not row["sla_breached"])
    elif isinstance(e, RepairJob.Delivered):
        row.update(delivered_at=e.at, warranty_until=e.warranty_until)
    elif isinstance(e, RepairJob.SlaBreached):
        row["sla_breached"] = True
    elif isinstance(e, RepairJob.PriorityChanged):
        row.update(priority=e.priority, due_at=e.due_at, sla_breached=False)
    elif isinstance(e, RepairJob.WarrantyClaimed):
        row.update(due_at=e.due_at, sla_breached=False, complaint=e.complaint)
    elif isinstance(e, RepairJob.Invoiced):
        row["invoice_id"] = e.invoice_id
    row.update(updated_at=recorded.timestamp, position=recorded.position)


def _history(
    cur: Cursor[Any],
    schema: str,
    events: Sequence[RecordedEvent],
    jobs: dict[Any, dict[str, Any]],
) -> None:
    cur.executemany(
        sql.SQL(
            "INSERT INTO {} (job_id, version, tenant_id, position, event, details, actor, "
            "occurred_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        ).format(table(schema, "repair_job_history")),
        [
            (
                e.aggregate_id,
                e.version,
                jobs[e.aggregate_id]["tenant_id"],
                e.position,
                e.name.split(".", 1)[1],
                Jsonb(
                    {
                        k: jsonable(v)
                        for k, v in vars(e.event).items()
                        if k not in _ENVELOPE and k != "tenant_id"
                    }
                ),
                e.meta.actor,
                e.timestamp,
            )
            for e in events
            if e.aggregate_id in jobs
        ],
    )


class TechniciansProjection:
    name: str = "technicians"
    event_types: tuple[type, ...] = (Technician.Added, Technician.Deactivated)
    tables: tuple[str, ...] = ("technicians",)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            e = recorded.event
            if isinstance(e, Technician.Added):
                cur.execute(
                    sql.SQL("INSERT INTO {} (id, tenant_id, name) VALUES (%s, %s, %s)").format(
                        table(schema, "technicians")
                    ),
                    (recorded.aggregate_id, e.tenant_id, e.name),
                )
            else:
                cur.execute(
                    sql.SQL("UPDATE {} SET active = false WHERE id = %s").format(
                        table(schema, "technicians")
                    ),
                    (recorded.aggregate_id,),
                )
