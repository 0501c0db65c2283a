"""The people of one business and their roles: the one place that decides whether a change
leaves the business an owner.

A team is saved in the same transaction as the person a change concerns, so two changes that
race (two owners demoting each other, an owner leaving while the other is removed) collide on
the team's version, and the one that runs again sees what the other did."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.identity.errors import AlreadyAMember, LastOwner, NotAMember
from domain.shared.errors import InvalidValue
from domain.shared.roles import Role


@dataclass(frozen=True)
class TeamMember:
    """A member as the team was formed with it."""

    person_id: UUID
    role: str


def role_named(raw: str, field: str = "role") -> Role:
    """A role by its name, or a refusal that lists them."""
    try:
        return Role(raw)
    except ValueError:
        allowed = ", ".join(role.value for role in Role)
        raise InvalidValue(f"{field} must be one of {allowed}", field=field) from None


class Team(Aggregate):
    """The people of one business (one per tenant) and their roles; it keeps an owner."""

    class Formed(Aggregate.Created):
        tenant_id: UUID
        members: tuple[TeamMember, ...]

    class MemberJoined(Aggregate.Event):
        person_id: UUID
        role: str
        invitation_id: UUID | None

    class RoleChanged(Aggregate.Event):
        person_id: UUID
        role: str

    class CustomRoleAssigned(Aggregate.Event):
        person_id: UUID
        custom_role_id: UUID
        base_role: str

    class MemberRemoved(Aggregate.Event):
        person_id: UUID

    class MemberLeft(Aggregate.Event):
        person_id: UUID

    @staticmethod
    def id_for(tenant_id: UUID) -> UUID:
        return uuid5(tenant_id, "team")

    @classmethod
    def form(cls, tenant_id: UUID, members: dict[UUID, Role]) -> Team:
        listed = tuple(TeamMember(p, members[p].value) for p in sorted(members, key=str))
        return cls._create(
            cls.Formed, id=cls.id_for(tenant_id), tenant_id=tenant_id, members=listed
        )

    @event(Formed)
    def __init__(self, tenant_id: UUID, members: tuple[TeamMember, ...]) -> None:
        self.tenant_id = tenant_id
        self.members: dict[UUID, Role] = {m.person_id: Role(m.role) for m in members}
        # Members holding a custom role (their entry in `members` is its base role).
        self.custom_roles: dict[UUID, UUID] = {}

    def role_of(self, person_id: UUID) -> Role:
        role = self.members.get(person_id)
        if role is None:
            raise NotAMember(f"{person_id} is not a member of this business", field="personId")
        return role

    def join(self, person_id: UUID, role: Role, invitation_id: UUID | None) -> None:
        if person_id in self.members:
            raise AlreadyAMember("you are a member of this business already")
        self._member_joined(person_id=person_id, role=role.value, invitation_id=invitation_id)

    @event(MemberJoined)
    def _member_joined(self, person_id: UUID, role: str, invitation_id: UUID | None) -> None:
        self.members[person_id] = Role(role)

    def change_role(self, person_id: UUID, role: Role) -> bool:
        """False when the member has that role already (and no custom role)."""
        if self.role_of(person_id) is role and person_id not in self.custom_roles:
            return False
        self._keep_an_owner(person_id, "cannot take another role")
        self._role_changed(person_id=person_id, role=role.value)
        return True

    @event(RoleChanged)
    def _role_changed(self, person_id: UUID, role: str) -> None:
        self.members[person_id] = Role(role)
        self.custom_roles.pop(person_id, None)

    def assign_custom_role(self, person_id: UUID, custom_role_id: UUID, base_role: Role) -> bool:
        """False when the member holds that custom role already. A custom role is never
        based on owner, so assigning one to the last owner is refused like any demotion."""
        if base_role is Role.OWNER:
            raise InvalidValue("a custom role is never based on owner", field="customRoleId")
        current = self.role_of(person_id)
        if (current, self.custom_roles.get(person_id)) == (base_role, custom_role_id):
            return False
        self._keep_an_owner(person_id, "cannot take another role")
        self._custom_role_assigned(
            person_id=person_id, custom_role_id=custom_role_id, base_role=base_role.value
        )
        return True

    @event(CustomRoleAssigned)
    def _custom_role_assigned(self, person_id: UUID, custom_role_id: UUID, base_role: str) -> None:
        self.members[person_id] = Role(base_role)
        self.custom_roles[person_id] = custom_role_id

    def holding(self, custom_role_id: UUID) -> int:
        """How many members hold the custom role."""
        return sum(1 for held in self.custom_roles.values() if held == custom_role_id)

    def remove(self, person_id: UUID) -> None:
        self.role_of(person_id)
        self._keep_an_owner(person_id, "cannot be removed")
        self._member_removed(person_id=person_id)

    @event(MemberRemoved)
    def _member_removed(self, person_id: UUID) -> None:
        del self.members[person_id]
        self.custom_roles.pop(person_id, None)

    def leave(self, person_id: UUID) -> None:
        self.role_of(person_id)
        self._keep_an_owner(person_id, "cannot leave")
        self._member_left(person_id=person_id)

    @event(MemberLeft)
    def _member_left(self, person_id: UUID) -> None:
        del self.members[person_id]
        self.custom_roles.pop(person_id, None)

    def _keep_an_owner(self, person_id: UUID, refused: str) -> None:
        owners = [p for p, role in self.members.items() if role is Role.OWNER]
        if owners == [person_id]:
            raise LastOwner(
                f"the last owner of a business {refused}: make another member owner first",
                field="personId",
            )
