"""Projects: a client's software project, its team, and its milestones paid in instalments.

Reaching a milestone invoices it through `WorkInvoicing`, as an accepted quotation is
invoiced: billing's own invoice with the tenant's PPN and numbering, saved with the project's
`MilestoneReached`, once. Whether the invoice was paid is billing's to say; the project list
follows billing's events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.agency.invoicing import Billable, Invoiced, WorkInvoicing
from application.agency.project_ports import TeamMembers
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.errors import NotFound
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver, load, require
from domain.agency.project import Project, milestone_terms, project_details
from domain.agency.quotation import Quotation
from domain.billing.invoice import new_line
from domain.customers.customer import Customer
from domain.shared.errors import InvalidValue

MAX_LINE = 200  # billing's longest line description


@dataclass(frozen=True)
class CreateProject:
    customer_id: UUID
    name: str
    description: str | None = None
    staging_url: str | None = None
    quotation_id: UUID | None = None


@dataclass(frozen=True)
class UpdateProject:
    """What is None stays as it is; an empty staging URL removes it."""

    name: str | None = None
    description: str | None = None
    staging_url: str | None = None


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    amount: int
    due_on: date | None = None


class Projects:
    """Every change needs `projects:manage`; reaching a milestone needs `invoices:issue`, as
    issuing any invoice does."""

    def __init__(
        self, stores: Stores, sync: ReadModelSync, clock: Clock, team: TeamMembers
    ) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock
        self._team = team
        self._invoicing = WorkInvoicing(stores, self._saver, clock)

    def create(self, principal: Principal, command: CreateProject) -> UUID:
        """A project for one of the tenant's customers, optionally sold on one of its
        quotations (for that customer)."""
        authorize(principal, Permission.MANAGE_PROJECTS)
        store, tenant_id = self._store(principal), principal.tenant_id
        details = project_details(command.name, command.description, command.staging_url)
        require(store, Customer, command.customer_id, tenant_id, "customer", "customer_id")
        if command.quotation_id is not None:
            quotation = load(
                store, Quotation, command.quotation_id, tenant_id, "quotation", "quotation_id"
            )
            if quotation.customer_id != command.customer_id:
                raise InvalidValue(
                    f"quotation {quotation.number} is another customer's", field="quotation_id"
                )
        project = Project.create(tenant_id, command.customer_id, details, command.quotation_id)
        self._saver.save(store, principal, "CreateProject", project)
        return project.id

    def update(self, principal: Principal, project_id: UUID, command: UpdateProject) -> None:
        def change(project: Project, _: date) -> None:
            was = project.details
            name = was.name if command.name is None else command.name
            text = was.description if command.description is None else command.description
            url = was.staging_url if command.staging_url is None else command.staging_url
            project.change_details(project_details(name, text, url))

        self._change(principal, project_id, "UpdateProject", change)

    def add_milestone(
        self, principal: Principal, project_id: UUID, milestone: MilestoneInput
    ) -> UUID:
        authorize(principal, Permission.MANAGE_PROJECTS)
        terms = milestone_terms(milestone.title, milestone.amount, milestone.due_on)
        added: list[UUID] = []
        self._change(
            principal,
            project_id,
            "AddMilestone",
            lambda project, _: added.append(project.add_milestone(terms)),
        )
        return added[0]

    def update_milestone(
        self,
        principal: Principal,
        project_id: UUID,
        milestone_id: UUID,
        milestone: MilestoneInput,
    ) -> None:
        """Its title, amount and due date (none: no due date), while it is not reached."""
        authorize(principal, Permission.MANAGE_PROJECTS)
        terms = milestone_terms(milestone.title, milestone.amount, milestone.due_on)
        self._change(
            principal,
            project_id,
            "UpdateMilestone",
            lambda project, _: _milestone_of(project, milestone_id).change_milestone(
                milestone_id, terms
            ),
        )

    def remove_milestone(self, principal: Principal, project_id: UUID, milestone_id: UUID) -> None:
        self._change(
            principal,
            project_id,
            "RemoveMilestone",
            lambda project, _: _milestone_of(project, milestone_id).remove_milestone(milestone_id),
        )

    def assign_members(
        self, principal: Principal, project_id: UUID, person_ids: list[UUID]
    ) -> None:
        """The project's team: people of the tenant's business, replacing those before."""
        authorize(principal, Permission.MANAGE_PROJECTS)
        members = self._team(principal.tenant_id)
        strangers = [str(p) for p in person_ids if p not in members]
        if strangers:
            raise NotFound(f"no member of this business {', '.join(strangers)}", field="person_ids")
        self._change(
            principal,
            project_id,
            "AssignProjectMembers",
            lambda project, _: project.assign_members(person_ids),
        )

    def complete(self, principal: Principal, project_id: UUID) -> None:
        """Every milestone is reached (the rest removed)."""
        self._change(principal, project_id, "CompleteProject", lambda p, today: p.complete(today))

    def cancel(self, principal: Principal, project_id: UUID, reason: str | None) -> None:
        self._change(
            principal,
            project_id,
            "CancelProject",
            lambda project, today: project.cancel(today, reason),
        )

    def reach_milestone(
        self, principal: Principal, project_id: UUID, milestone_id: UUID
    ) -> Invoiced:
        """The milestone is delivered: it becomes one issued invoice, once."""
        authorize(principal, Permission.ISSUE_INVOICES)

        def billable(store: EventStore, tenant_id: UUID) -> Billable:
            project = _milestone_of(
                load(store, Project, project_id, tenant_id, "project"), milestone_id
            )
            milestone = project.milestone(milestone_id)
            description = _line_description(project.name, milestone.title)
            return Billable(
                project,
                project.customer_id,
                [new_line("service", description, 1, milestone.amount, True)],
                Project.invoice_id_for(project.id, milestone_id),
                lambda invoice_id, number, today: project.reach_milestone(
                    milestone_id, invoice_id, number, today
                ),
            )

        return self._invoicing.invoice(principal, "ReachMilestone", billable)

    def _change(
        self,
        principal: Principal,
        project_id: UUID,
        command: str,
        change: Callable[[Project, date], object],
    ) -> None:
        authorize(principal, Permission.MANAGE_PROJECTS)
        store, tenant = self._store(principal), tenant_of(self._stores, principal.tenant_id)
        project = load(store, Project, project_id, tenant.id, "project")
        change(project, self._clock.today(tenant.timezone))
        if project.pending_events:
            self._saver.save(store, principal, command, project)

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)


def _milestone_of(project: Project, milestone_id: UUID) -> Project:
    """The project, or NotFound when it has no such milestone."""
    if milestone_id not in project.milestones:
        raise NotFound(f"project has no milestone {milestone_id}", field="milestone_id")
    return project


def _line_description(name: str, title: str) -> str:
    """The invoice line: the milestone and its project, within billing's 200 characters."""
    text = f"{title} ({name})"
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "\u2026"
