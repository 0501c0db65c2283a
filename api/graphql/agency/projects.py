"""Client projects in GraphQL: projects, their milestones (each invoiced once when reached) and
their team."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.graphql.agency.project_types import (
    AddMilestoneResult,
    AddMilestoneSuccess,
    CreateProjectInput,
    MilestoneInput,
    Project,
    ProjectConnection,
    ProjectResult,
    ProjectSuccess,
    ReachMilestoneResult,
    ReachMilestoneSuccess,
    UpdateProjectInput,
)
from api.graphql.shared.parsing import found, parse_enum, parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.agency import projects as commands
from application.agency.project_ports import ProjectFilter, ProjectView
from application.shared.context import Principal
from application.shared.ports import Page
from domain.agency.project import ProjectStatus


@strawberry.type
class ProjectQuery:
    @strawberry.field(
        description="Projects, newest first: of one status (active, completed, cancelled), of "
        "one client, whose name contains `search` (any case)."
    )
    async def projects(
        self,
        info: NiagaInfo,
        status: str | None = None,
        client_id: strawberry.ID | None = None,
        search: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> ProjectConnection:
        services, who = info.context.services, info.context.principal

        def projects() -> Page[ProjectView]:
            chosen = parse_enum(ProjectStatus, status, "status") if status is not None else None
            client = parse_id(client_id, "clientId") if client_id is not None else None
            which = ProjectFilter(chosen, client, search)
            return services.project_queries.projects(who, which, first, after)

        return ProjectConnection.from_page(await query(projects))

    @strawberry.field(description="One project, with its milestones and progress.")
    async def project(self, info: NiagaInfo, id: strawberry.ID) -> Project:
        services, who = info.context.services, info.context.principal
        view = await query(
            lambda: found(services.project_queries.project(who, parse_id(id, "id")), "project")
        )
        return Project.from_view(view)


@strawberry.type
class ProjectMutation:
    @strawberry.mutation(description="A project for one of your customers.")
    async def create_project(self, info: NiagaInfo, input: CreateProjectInput) -> ProjectResult:
        services, who = info.context.services, info.context.principal

        def create() -> ProjectSuccess:
            quotation = input.quotation_id
            command = commands.CreateProject(
                parse_id(input.client_id, "clientId"),
                input.name,
                input.description,
                input.staging_url,
                parse_id(quotation, "quotationId") if quotation is not None else None,
            )
            return _project(info, who, services.projects.create(who, command))

        return await run_command(create)

    @strawberry.mutation(description="A project's name, description or staging URL.")
    async def update_project(self, info: NiagaInfo, input: UpdateProjectInput) -> ProjectResult:
        services, who = info.context.services, info.context.principal

        def update() -> ProjectSuccess:
            project_id = parse_id(input.id, "id")
            change = commands.UpdateProject(input.name, input.description, input.staging_url)
            services.projects.update(who, project_id, change)
            return _project(info, who, project_id)

        return await run_command(update)

    @strawberry.mutation(description="Add a milestone (termin) to an active project.")
    async def add_milestone(
        self, info: NiagaInfo, project_id: strawberry.ID, input: MilestoneInput
    ) -> AddMilestoneResult:
        services, who = info.context.services, info.context.principal

        def add() -> AddMilestoneSuccess:
            project = parse_id(project_id, "projectId")
            added = services.projects.add_milestone(who, project, _milestone(input))
            return AddMilestoneSuccess(
                milestone_id=strawberry.ID(str(added)), project=_project(info, who, project).project
            )

        return await run_command(add)

    @strawberry.mutation(description="Change a milestone that is not reached yet.")
    async def update_milestone(
        self,
        info: NiagaInfo,
        project_id: strawberry.ID,
        milestone_id: strawberry.ID,
        input: MilestoneInput,
    ) -> ProjectResult:
        services, who = info.context.services, info.context.principal

        def update() -> ProjectSuccess:
            project, milestone = _ids(project_id, milestone_id)
            services.projects.update_milestone(who, project, milestone, _milestone(input))
            return _project(info, who, project)

        return await run_command(update)

    @strawberry.mutation(description="Remove a milestone that is not reached yet.")
    async def remove_milestone(
        self, info: NiagaInfo, project_id: strawberry.ID, milestone_id: strawberry.ID
    ) -> ProjectResult:
        services, who = info.context.services, info.context.principal

        def remove() -> ProjectSuccess:
            project, milestone = _ids(project_id, milestone_id)
            services.projects.remove_milestone(who, project, milestone)
            return _project(info, who, project)

        return await run_command(remove)

    @strawberry.mutation(
        description="The milestone is delivered: it becomes an issued invoice (your invoice "
        "numbering and PPN), once; a second call is refused with MILESTONE_ALREADY_INVOICED."
    )
    async def reach_milestone(
        self, info: NiagaInfo, project_id: strawberry.ID, milestone_id: strawberry.ID
    ) -> ReachMilestoneResult:
        services, who = info.context.services, info.context.principal

        def reach() -> ReachMilestoneSuccess:
            project, milestone = _ids(project_id, milestone_id)
            invoiced = services.projects.reach_milestone(who, project, milestone)
            return ReachMilestoneSuccess(
                invoice_id=strawberry.ID(str(invoiced.invoice_id)),
                invoice_number=invoiced.invoice_number,
                project=_project(info, who, project).project,
            )

        return await run_command(reach)

    @strawberry.mutation(
        description="The project's team: people of your business (replacing those before)."
    )
    async def assign_project_members(
        self, info: NiagaInfo, id: strawberry.ID, person_ids: list[strawberry.ID]
    ) -> ProjectResult:
        services, who = info.context.services, info.context.principal

        def assign() -> ProjectSuccess:
            project_id = parse_id(id, "id")
            people = [parse_id(p, "personIds") for p in person_ids]
            services.projects.assign_members(who, project_id, people)
            return _project(info, who, project_id)

        return await run_command(assign)

    @strawberry.mutation(description="Complete a project whose milestones are all reached.")
    async def complete_project(self, info: NiagaInfo, id: strawberry.ID) -> ProjectResult:
        services, who = info.context.services, info.context.principal

        def complete() -> ProjectSuccess:
            project_id = parse_id(id, "id")
            services.projects.complete(who, project_id)
            return _project(info, who, project_id)

        return await run_command(complete)

    @strawberry.mutation(
        description="Cancel a project; invoices of milestones already reached stay."
    )
    async def cancel_project(
        self, info: NiagaInfo, id: strawberry.ID, reason: str | None = None
    ) -> ProjectResult:
        services, who = info.context.services, info.context.principal

        def cancel() -> ProjectSuccess:
            project_id = parse_id(id, "id")
            services.projects.cancel(who, project_id, reason)
            return _project(info, who, project_id)

        return await run_command(cancel)


def _ids(project_id: strawberry.ID, milestone_id: strawberry.ID) -> tuple[UUID, UUID]:
    return parse_id(project_id, "projectId"), parse_id(milestone_id, "milestoneId")


def _milestone(input: MilestoneInput) -> commands.MilestoneInput:
    return commands.MilestoneInput(input.title, input.amount, input.due_on)


def _project(info: NiagaInfo, who: Principal, project_id: UUID) -> ProjectSuccess:
    """The project as the read model now shows it."""
    view = info.context.services.project_queries.project(who, project_id)
    return ProjectSuccess(project=Project.from_view(found(view, "project")))
