"""A business's custom roles: a name, the built-in role it is based on, and its permissions.

Kept in the platform store, one `CustomRoles` per tenant beside its `Tenant` (whose API keys
hold roles) and its `Team` (whose members do): a caller's role is resolved there before its
tenant's store is even known, a tenant moving between stores takes nothing along, and every
process already hears of changes to what a key grants from that store (the API key cache).
One aggregate per tenant keeps names unique: two definitions racing collide on its version.

The base role gives the scoping (an agent-based role still sees only its own vouchers); the
permissions are the role's own set. Which permission names exist is the application's to
check: the domain keeps them as names."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import DomainError, InvalidValue
from domain.shared.roles import Role
from domain.shared.text import check_line

MAX_NAME = 40


class CustomRoleNotFound(DomainError):
    code = "NOT_FOUND"


class CustomRoleNameTaken(DomainError):
    code = "ROLE_NAME_TAKEN"


class CustomRoleInUse(DomainError):
    code = "ROLE_IN_USE"


@dataclass(frozen=True)
class CustomRole:
    id: UUID
    name: str
    base_role: Role
    permissions: frozenset[str]


def role_name(raw: str, field: str = "name") -> str:
    """One line of 1 to 40 characters, not the name of a built-in role."""
    name = check_line(raw.strip(), field, max_length=MAX_NAME)
    if not name:
        raise InvalidValue(f"{field} must not be empty", field=field)
    if name.casefold() in {role.value for role in Role}:
        raise InvalidValue(f"{field} {name!r} is a built-in role", field=field)
    return name


def base_role_named(raw: str, field: str = "baseRole") -> Role:
    """A built-in role other than owner: the owner's rights (giving the owner role, keeping
    the business an owner) are not a set of permissions a custom role could copy."""
    allowed = [role for role in Role if role is not Role.OWNER]
    for role in allowed:
        if raw == role.value:
            return role
    names = ", ".join(role.value for role in allowed)
    raise InvalidValue(f"{field} must be one of {names}", field=field)


class CustomRoles(Aggregate):
    """The custom roles of one business."""

    class Started(Aggregate.Created):
        tenant_id: UUID

    class RoleDefined(Aggregate.Event):
        tenant_id: UUID
        role_id: UUID
        name: str
        base_role: str
        permissions: tuple[str, ...]

    class RoleUpdated(Aggregate.Event):
        role_id: UUID
        name: str
        permissions: tuple[str, ...]

    class RoleDeleted(Aggregate.Event):
        role_id: UUID

    @staticmethod
    def id_for(tenant_id: UUID) -> UUID:
        return uuid5(tenant_id, "custom-roles")

    @classmethod
    def start(cls, tenant_id: UUID) -> CustomRoles:
        return cls._create(cls.Started, id=cls.id_for(tenant_id), tenant_id=tenant_id)

    @event(Started)
    def __init__(self, tenant_id: UUID) -> None:
        self.tenant_id = tenant_id
        self.roles: dict[UUID, CustomRole] = {}

    def role(self, role_id: UUID, field: str = "id") -> CustomRole:
        found = self.roles.get(role_id)
        if found is None:
            raise CustomRoleNotFound(f"no custom role {role_id}", field=field)
        return found

    def define(self, name: str, base_role: Role, permissions: frozenset[str]) -> UUID:
        checked = role_name(name)
        self._refuse_taken(checked, None)
        role_id = uuid4()
        self._role_defined(
            tenant_id=self.tenant_id,
            role_id=role_id,
            name=checked,
            base_role=base_role.value,
            permissions=tuple(sorted(permissions)),
        )
        return role_id

    @event(RoleDefined)
    def _role_defined(
        self,
        tenant_id: UUID,
        role_id: UUID,
        name: str,
        base_role: str,
        permissions: tuple[str, ...],
    ) -> None:
        self.roles[role_id] = CustomRole(role_id, name, Role(base_role), frozenset(permissions))

    def update(self, role_id: UUID, name: str, permissions: frozenset[str]) -> bool:
        """False when nothing changes."""
        current, checked = self.role(role_id), role_name(name)
        self._refuse_taken(checked, role_id)
        if (current.name, current.permissions) == (checked, permissions):
            return False
        self._role_updated(role_id=role_id, name=checked, permissions=tuple(sorted(permissions)))
        return True

    @event(RoleUpdated)
    def _role_updated(self, role_id: UUID, name: str, permissions: tuple[str, ...]) -> None:
        base = self.roles[role_id].base_role
        self.roles[role_id] = CustomRole(role_id, name, base, frozenset(permissions))

    def delete(self, role_id: UUID, holders: int) -> None:
        """Refused while `holders` (API keys and team members) hold the role."""
        role = self.role(role_id)
        if holders:
            raise CustomRoleInUse(
                f"custom role {role.name!r} is held by {holders} API key(s) or member(s): "
                "give them another role first",
                field="id",
            )
        self._role_deleted(role_id=role_id)

    @event(RoleDeleted)
    def _role_deleted(self, role_id: UUID) -> None:
        del self.roles[role_id]

    def _refuse_taken(self, name: str, role_id: UUID | None) -> None:
        for other in self.roles.values():
            if other.id != role_id and other.name.casefold() == name.casefold():
                raise CustomRoleNameTaken(
                    f"the business has a custom role named {other.name!r}", field="name"
                )
