"""What clients read of projects, from the `project_list` read model: authorised and scoped to
the caller's tenant."""

from __future__ import annotations

from uuid import UUID

from application.agency.project_ports import ProjectFilter, ProjectReadModels, ProjectView
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.paging import MAX_PAGE, filter_text
from application.shared.ports import Page, Stores
from domain.shared.errors import InvalidValue


class ProjectQueries:
    def __init__(self, stores: Stores, read_models: ProjectReadModels) -> None:
        self._stores = stores
        self._read_models = read_models

    def projects(
        self,
        principal: Principal,
        which: ProjectFilter,
        first: int = 20,
        after: str | None = None,
    ) -> Page[ProjectView]:
        """Newest first, of one status and client, whose name contains `search`."""
        authorize(principal, Permission.READ_PROJECTS)
        if not 1 <= first <= MAX_PAGE:
            raise InvalidValue(f"first must be between 1 and {MAX_PAGE}", field="first")
        search = filter_text(which.search, "search")
        which = ProjectFilter(which.status, which.customer_id, search or None)
        store = self._stores.for_tenant(principal.tenant_id)
        return self._read_models.projects(store, principal.tenant_id, which, first, after)

    def project(self, principal: Principal, project_id: UUID) -> ProjectView | None:
        authorize(principal, Permission.READ_PROJECTS)
        store = self._stores.for_tenant(principal.tenant_id)
        return self._read_models.project(store, principal.tenant_id, project_id)
