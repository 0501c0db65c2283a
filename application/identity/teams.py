"""Changing a member's role (built-in or custom), removing a member, and leaving a business.

The member's sessions at the business end in the same transaction as the change: their access
tokens name the role they were given with, and every process refuses them from then on. The
team decides whether the business keeps an owner (see `domain/identity/team.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.identity.people import People, signed_in_person
from application.identity.ports import CustomRoleBook, IdentityReadModels
from application.identity.rosters import Rosters, owners_only
from application.identity.sessions import SignIns
from application.shared.authorization import Permission, authorize, permissions_named, permits
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.errors import PermissionDenied
from domain.identity.person import MembershipEnd, Person
from domain.identity.session import RevokeReason
from domain.identity.team import Team, role_named
from domain.platform import CustomRole
from domain.shared.roles import Role


@dataclass(frozen=True)
class MemberChanged:
    person_id: UUID
    role: Role | None  # None: no longer a member; the base role of a custom role
    sessions_ended: int
    custom_role_id: UUID | None = None


class Teams:
    def __init__(
        self,
        people: People,
        rosters: Rosters,
        sign_ins: SignIns,
        read_models: IdentityReadModels,
        custom_roles: CustomRoleBook,
        clock: Clock,
    ) -> None:
        self._people = people
        self._rosters = rosters
        self._sign_ins = sign_ins
        self._read_models = read_models
        self._custom_roles = custom_roles
        self._clock = clock

    def change_role(self, principal: Principal, person_id: UUID, role: str) -> MemberChanged:
        """A member's new role (only an owner gives or takes the owner role); the member signs
        in again to use it. The last owner keeps the role."""
        authorize(principal, Permission.MANAGE_TEAM)
        new_role = role_named(role)
        team = self._rosters.team(principal.tenant_id)
        owners_only(principal, team.role_of(person_id), new_role)
        if not team.change_role(person_id, new_role):
            return MemberChanged(person_id, new_role, 0)
        person = self._people.person(person_id)
        person.grant(principal.tenant_id, new_role)
        ended = self._end(principal, person, team, RevokeReason.ROLE_CHANGED)
        return MemberChanged(person_id, new_role, ended)

    def assign_custom_role(
        self, principal: Principal, person_id: UUID, custom_role_id: UUID
    ) -> MemberChanged:
        """A custom role of the business for a member, who signs in again to use it. Only an
        owner takes the owner role from someone, the last owner keeps it, and whoever assigns a
        role holds every permission it grants."""
        authorize(principal, Permission.MANAGE_TEAM)
        role = self._custom_roles.role(principal.tenant_id, custom_role_id, "customRoleId")
        team = self._rosters.team(principal.tenant_id)
        owners_only(principal, team.role_of(person_id))
        _refuse_stronger(principal, role)
        if not team.assign_custom_role(person_id, role.id, role.base_role):
            return MemberChanged(person_id, role.base_role, 0, role.id)
        person = self._people.person(person_id)
        person.grant_custom_role(principal.tenant_id, role.base_role, role.id)
        command = "AssignTeamMemberCustomRole"
        ended = self._end(principal, person, team, RevokeReason.ROLE_CHANGED, command=command)
        return MemberChanged(person_id, role.base_role, ended, role.id)

    def remove(self, principal: Principal, person_id: UUID) -> MemberChanged:
        """A member leaves the business (only an owner removes an owner; never the last)."""
        authorize(principal, Permission.MANAGE_TEAM)
        team = self._rosters.team(principal.tenant_id)
        owners_only(principal, team.role_of(person_id))
        team.remove(person_id)
        person = self._people.person(person_id)
        person.end_membership(principal.tenant_id, MembershipEnd.REMOVED)
        ended = self._end(principal, person, team, RevokeReason.REMOVED_FROM_BUSINESS)
        return MemberChanged(person_id, None, ended)

    def leave(self, principal: Principal) -> MemberChanged:
        """The signed-in person leaves the business of its token (not the last owner); this
        session ends too."""
        who = signed_in_person(principal)
        team = self._rosters.team(principal.tenant_id)
        team.leave(who.person_id)
        person = self._people.person(who.person_id)
        person.end_membership(principal.tenant_id, MembershipEnd.LEFT)
        ended = self._end(principal, person, team, RevokeReason.LEFT_BUSINESS, who.session_id)
        return MemberChanged(person.id, None, ended)

    def _end(
        self,
        principal: Principal,
        person: Person,
        team: Team,
        why: RevokeReason,
        *also: UUID,
        command: str | None = None,
    ) -> int:
        tenant_id, now = principal.tenant_id, self._clock.now()
        sessions = {*also, *self._read_models.open_sessions_at(person.id, tenant_id, now)}
        return self._sign_ins.end(
            sorted(sessions, key=str),
            why,
            tenant_id,
            person.id,
            team,
            person,
            by=principal.actor,
            command=command or _COMMANDS[why],
        )


def _refuse_stronger(principal: Principal, role: CustomRole) -> None:
    """As for defining a role: nobody hands out a permission it does not hold itself."""
    for permission in sorted(permissions_named(role.permissions)):
        if not permits(principal, permission):
            raise PermissionDenied(
                f"you may not assign a role holding {permission.value}: you do not hold it",
                field="customRoleId",
            )


_COMMANDS = {
    RevokeReason.ROLE_CHANGED: "ChangeTeamMemberRole",
    RevokeReason.REMOVED_FROM_BUSINESS: "RemoveTeamMember",
    RevokeReason.LEFT_BUSINESS: "LeaveBusiness",
}
