"""A business's team, as the commands that change it load it.

A business registered since teams are kept has had one from its registration. One registered
before has none yet: the first change forms it from the memberships its people have recorded,
and saves it with that change."""

from __future__ import annotations

from uuid import UUID

from application.identity.people import People
from application.identity.ports import TeamReadModels
from application.shared.context import Principal
from application.shared.errors import PermissionDenied
from application.shared.ports import Stores
from application.shared.unit_of_work import find
from domain.identity.team import Team
from domain.shared.roles import Role


class Rosters:
    def __init__(self, stores: Stores, people: People, read_models: TeamReadModels) -> None:
        self._stores = stores
        self._people = people
        self._read_models = read_models

    def team(self, tenant_id: UUID) -> Team:
        found = find(self._stores.platform(), Team, Team.id_for(tenant_id))
        return found if found is not None else self._formed(tenant_id)

    def _formed(self, tenant_id: UUID) -> Team:
        """The read model says who may belong; each person's own record says whether and
        with which role. Forming it twice at once collides on its id: one runs again."""
        members: dict[UUID, Role] = {}
        for person_id in self._read_models.member_ids(tenant_id):
            person = self._people.find(person_id)
            if person is not None and tenant_id in person.memberships:
                members[person_id] = person.memberships[tenant_id]
        return Team.form(tenant_id, members)


class TeamRoleHolders:
    """Implements RoleHolders (application/platform/custom_roles.py) from the teams: a custom
    role a member holds is not deleted."""

    def __init__(self, stores: Stores) -> None:
        self._stores = stores

    def members_holding(self, tenant_id: UUID, role_id: UUID) -> int:
        team = find(self._stores.platform(), Team, Team.id_for(tenant_id))
        return 0 if team is None else team.holding(role_id)


def owners_only(principal: Principal, *roles: Role) -> None:
    """Giving the owner role or taking it from someone is an owner's to do: an admin manages
    the rest of the team, and could otherwise make itself owner."""
    if Role.OWNER in roles and principal.role is not Role.OWNER:
        raise PermissionDenied("only an owner may give or take the owner role")
