"""`project_list`: a tenant's projects (`projects`) with their milestones, team and progress,
and which invoice each reached milestone became (`project_invoices`), so that billing's
`Invoice.Paid` marks its milestone paid."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql

from domain.agency.project import Project
from domain.billing.invoice import Invoice
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.base import table
from projections.shared.rows import Row

PROJECTS = "projects"
PROJECT_INVOICES = "project_invoices"
COLUMNS = (
    "id",
    "tenant_id",
    "customer_id",
    "quotation_id",
    "name",
    "description",
    "staging_url",
    "status",
    "milestones",
    "member_ids",
    "total_amount",
    "reached_amount",
    "paid_amount",
    "created_at",
    "updated_at",
)
LINK_COLUMNS = ("invoice_id", "tenant_id", "project_id", "milestone_id")
_DETAILS = ("name", "description", "staging_url")
_JSONB = frozenset({"milestones", "member_ids"})
_STATUS = {Project.Completed: "completed", Project.Cancelled: "cancelled"}
Links = dict[UUID, tuple[UUID, UUID]]  # invoice id -> project id, milestone id


class ProjectListProjection:
    name: str = "project_list"
    event_types: tuple[type, ...] = (
        Project.Created,
        Project.DetailsChanged,
        Project.MilestoneAdded,
        Project.MilestoneChanged,
        Project.MilestoneRemoved,
        Project.MilestoneReached,
        Project.MembersAssigned,
        Project.Completed,
        Project.Cancelled,
        Invoice.Paid,
    )
    tables: tuple[str, ...] = (PROJECTS, PROJECT_INVOICES)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        """Load the projects the page touches (also through the invoices it pays), reduce the
        page over them, write them back with the milestones' new invoices."""
        ours = [r for r in events if not isinstance(r.event, Invoice.Paid)]
        paid = {r.aggregate_id for r in events if isinstance(r.event, Invoice.Paid)}
        new, earlier = table_rows.split(ours, Project.Created)
        links = _links(cur, schema, paid)
        earlier |= {project_id for project_id, _ in links.values()} - new
        projects = table_rows.load(cur, schema, PROJECTS, COLUMNS, "id", earlier)
        reached: list[Row] = []
        for recorded in events:
            _apply(projects, links, reached, recorded)
        table_rows.save(cur, schema, PROJECTS, COLUMNS, "id", projects, new, _JSONB)
        if reached:
            table_rows.copy_in(cur, schema, PROJECT_INVOICES, LINK_COLUMNS, reached)


def _links(cur: Cursor[Any], schema: str, invoice_ids: set[UUID]) -> Links:
    if not invoice_ids:
        return {}
    cur.execute(
        sql.SQL(
            "SELECT invoice_id, project_id, milestone_id FROM {} WHERE invoice_id = ANY(%s)"
        ).format(table(schema, PROJECT_INVOICES)),
        (list(invoice_ids),),
    )
    return {row[0]: (row[1], row[2]) for row in cur.fetchall()}


def _apply(projects: dict[Any, Row], links: Links, reached: list[Row], r: RecordedEvent) -> None:
    event = r.event
    if isinstance(event, Invoice.Paid):
        _paid(projects, links, r)
        return
    if isinstance(event, Project.Created):
        projects[r.aggregate_id] = _created(r)
    row = projects.get(r.aggregate_id)
    if row is None:
        return
    if isinstance(event, Project.DetailsChanged):
        row.update({column: getattr(event, column) for column in _DETAILS})
    elif isinstance(event, Project.MilestoneAdded):
        row["milestones"] = [*row["milestones"], _milestone(event)]
    elif isinstance(event, Project.MilestoneChanged):
        _change_milestone(row, event.milestone_id, **_terms(event))
    elif isinstance(event, Project.MilestoneRemoved):
        gone = str(event.milestone_id)
        row["milestones"] = [m for m in row["milestones"] if m["id"] != gone]
    elif isinstance(event, Project.MilestoneReached):
        _change_milestone(
            row,
            event.milestone_id,
            status="invoiced",
            reached_on=event.on.isoformat(),
            invoice_id=str(event.invoice_id),
            invoice_number=event.invoice_number,
        )
        links[event.invoice_id] = (r.aggregate_id, event.milestone_id)
        reached.append(
            {
                "invoice_id": event.invoice_id,
                "tenant_id": row["tenant_id"],
                "project_id": r.aggregate_id,
                "milestone_id": event.milestone_id,
            }
        )
    elif isinstance(event, Project.MembersAssigned):
        row["member_ids"] = [str(p) for p in event.person_ids]
    elif type(event) in _STATUS:
        row["status"] = _STATUS[type(event)]
    _progress(row)
    row["updated_at"] = r.timestamp


def _created(r: RecordedEvent) -> Row:
    event = r.event
    return {
        "id": r.aggregate_id,
        "tenant_id": event.tenant_id,
        "customer_id": event.customer_id,
        "quotation_id": event.quotation_id,
        **{column: getattr(event, column) for column in _DETAILS},
        "status": "active",
        "milestones": [],
        "member_ids": [],
        "created_at": r.timestamp,
    }


def _paid(projects: dict[Any, Row], links: Links, r: RecordedEvent) -> None:
    link = links.get(r.aggregate_id)
    row = projects.get(link[0]) if link else None
    if link is None or row is None:
        return  # an invoice of no project's
    _change_milestone(row, link[1], status="paid", paid_on=r.event.paid_on.isoformat())
    _progress(row)
    row["updated_at"] = r.timestamp


def _milestone(event: Project.MilestoneAdded) -> Row:
    return {
        "id": str(event.milestone_id),
        **_terms(event),
        "status": "pending",
        "reached_on": None,
        "invoice_id": None,
        "invoice_number": None,
        "paid_on": None,
    }


def _terms(event: Project.MilestoneAdded | Project.MilestoneChanged) -> Row:
    due: date | None = event.due_on
    return {"title": event.title, "amount": event.amount, "due_on": due and due.isoformat()}


def _change_milestone(row: Row, milestone_id: UUID, **changes: Any) -> None:
    wanted = str(milestone_id)
    row["milestones"] = [{**m, **changes} if m["id"] == wanted else m for m in row["milestones"]]


def _progress(row: Row) -> None:
    milestones = row["milestones"]
    row["total_amount"] = sum(m["amount"] for m in milestones)
    row["reached_amount"] = sum(m["amount"] for m in milestones if m["status"] != "pending")
    row["paid_amount"] = sum(m["amount"] for m in milestones if m["status"] == "paid")
