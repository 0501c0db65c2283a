"""Projects of one container: the commands, their queries and their read model."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.agency.project_read_models import PostgresProjectReadModels
from adapters.shared.stores import PostgresStores
from application.agency.project_ports import TeamMembers
from application.agency.project_queries import ProjectQueries
from application.agency.projects import Projects
from application.shared.clock import Clock
from application.shared.ports import ReadModelSync


@dataclass(frozen=True)
class ProjectWiring:
    projects: Projects
    queries: ProjectQueries


def project_services(
    stores: PostgresStores, sync: ReadModelSync, clock: Clock, team: TeamMembers
) -> ProjectWiring:
    return ProjectWiring(
        Projects(stores, sync, clock, team),
        ProjectQueries(stores, PostgresProjectReadModels(stores)),
    )
