"""Client projects' GraphQL types: a project, its milestones and progress. Amounts are whole
rupiah."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from api.graphql.shared.errors import Errors
from api.graphql.shared.types import Connection, connection_parts
from application.agency.project_ports import MilestoneView, ProgressView, ProjectView
from application.shared.ports import Page


def _id(value: object | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


@strawberry.type(description="A milestone (termin): invoiced once when reached.")
class Milestone:
    id: strawberry.ID
    title: str
    amount: int = strawberry.field(description="Rupiah, before PPN")
    due_on: date | None
    status: str = strawberry.field(description="pending, invoiced or paid")
    reached_on: date | None
    invoice_id: strawberry.ID | None = strawberry.field(description="Once reached")
    invoice_number: str | None
    paid_on: date | None

    @classmethod
    def from_view(cls, view: MilestoneView) -> Milestone:
        return cls(
            id=strawberry.ID(str(view.id)),
            title=view.title,
            amount=view.amount,
            due_on=view.due_on,
            status=view.status.value,
            reached_on=view.reached_on,
            invoice_id=_id(view.invoice_id),
            invoice_number=view.invoice_number,
            paid_on=view.paid_on,
        )


@strawberry.type(description="Shares of the milestones' amounts reached and paid.")
class ProjectProgress:
    total: int = strawberry.field(description="Every milestone's amount, before PPN")
    reached: int
    paid: int
    reached_percent: int = strawberry.field(description="Whole percent, rounded down")
    paid_percent: int = strawberry.field(description="Whole percent, rounded down")

    @classmethod
    def from_view(cls, view: ProgressView) -> ProjectProgress:
        return cls(
            total=view.total,
            reached=view.reached,
            paid=view.paid,
            reached_percent=view.reached_percent,
            paid_percent=view.paid_percent,
        )


@strawberry.type(description="A client's project: its milestones, team and progress.")
class Project:
    id: strawberry.ID
    client_id: strawberry.ID = strawberry.field(description="The customer it is built for")
    client_name: str
    quotation_id: strawberry.ID | None = strawberry.field(description="The quotation it sold on")
    name: str
    description: str
    staging_url: str | None
    status: str = strawberry.field(description="active, completed or cancelled")
    milestones: list[Milestone]
    member_ids: list[strawberry.ID] = strawberry.field(description="People of your team")
    progress: ProjectProgress
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_view(cls, view: ProjectView) -> Project:
        return cls(
            id=strawberry.ID(str(view.id)),
            client_id=strawberry.ID(str(view.customer_id)),
            client_name=view.customer_name,
            quotation_id=_id(view.quotation_id),
            name=view.name,
            description=view.description,
            staging_url=view.staging_url,
            status=view.status.value,
            milestones=[Milestone.from_view(m) for m in view.milestones],
            member_ids=[strawberry.ID(str(p)) for p in view.member_ids],
            progress=ProjectProgress.from_view(view.progress),
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


@strawberry.type
class ProjectEdge:
    cursor: str
    node: Project


@strawberry.type
class ProjectConnection(Connection[ProjectEdge]):
    @classmethod
    def from_page(cls, page: Page[ProjectView]) -> ProjectConnection:
        return cls(**connection_parts(page, Project.from_view, ProjectEdge))


@strawberry.input(description="A new project for one of your customers.")
class CreateProjectInput:
    client_id: strawberry.ID
    name: str
    description: str | None = None
    staging_url: str | None = strawberry.field(default=None, description="An http(s) URL")
    quotation_id: strawberry.ID | None = strawberry.field(
        default=None, description="The client's quotation the project was sold on"
    )


@strawberry.input(description="What changes: a field left out stays as it is.")
class UpdateProjectInput:
    id: strawberry.ID
    name: str | None = None
    description: str | None = None
    staging_url: str | None = strawberry.field(default=None, description="Empty: none")


@strawberry.input(description="A milestone's terms.")
class MilestoneInput:
    title: str
    amount: int = strawberry.field(description="Rupiah, before PPN; above zero")
    due_on: date | None = None


@strawberry.type
class ProjectSuccess:
    project: Project


@strawberry.type(description="The new milestone's id, and the project.")
class AddMilestoneSuccess:
    milestone_id: strawberry.ID
    project: Project


@strawberry.type(description="The invoice a reached milestone became, and the project.")
class ReachMilestoneSuccess:
    invoice_id: strawberry.ID
    invoice_number: str
    project: Project


ProjectResult = Annotated[ProjectSuccess | Errors, strawberry.union("ProjectResult")]
AddMilestoneResult = Annotated[AddMilestoneSuccess | Errors, strawberry.union("AddMilestoneResult")]
ReachMilestoneResult = Annotated[
    ReachMilestoneSuccess | Errors, strawberry.union("ReachMilestoneResult")
]
