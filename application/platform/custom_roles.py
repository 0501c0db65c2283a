"""Custom roles and the permission matrix a client shows.

A custom role is based on a built-in role (its scoping) and holds an explicit set of the
permissions `application/shared/authorization.py` names; `platform:operate` is never one of
them, and whoever defines a role grants only permissions it holds itself, so a role manager
cannot make a role stronger than its own. The roles live in the platform store (see
`domain/platform/custom_roles.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from application.shared.authorization import Permission, authorize, granted_to, permits
from application.shared.context import Principal
from application.shared.errors import PermissionDenied
from application.shared.event_store import EventStore
from application.shared.ports import Stores
from application.shared.unit_of_work import Saver, find
from domain.platform.custom_roles import CustomRole, CustomRoles, base_role_named
from domain.platform.tenant import Tenant
from domain.shared.errors import InvalidValue
from domain.shared.roles import Role

NEVER_GRANTED = frozenset({Permission.OPERATE_PLATFORM})


@dataclass(frozen=True)
class PermissionView:
    name: str
    area: str  # what it is about: `customers` of `customers:read`
    description: str


@dataclass(frozen=True)
class RoleView:
    id: UUID | None  # None: a built-in role
    name: str
    base_role: Role
    permissions: tuple[str, ...]

    @property
    def built_in(self) -> bool:
        return self.id is None


@dataclass(frozen=True)
class DefineCustomRole:
    name: str
    base_role: str
    permissions: list[str]


class CustomRoleList(Protocol):
    def custom_roles(self, tenant_id: UUID) -> list[RoleView]:
        """The tenant's custom roles by name."""


class RoleHolders(Protocol):
    def members_holding(self, tenant_id: UUID, role_id: UUID) -> int:
        """How many of the business's team members hold the custom role."""


def permission_matrix() -> list[PermissionView]:
    """Every permission, in the order they are declared."""
    return [
        PermissionView(p.value, p.value.split(":")[0], p.name.replace("_", " ").capitalize())
        for p in Permission
    ]


def built_in_roles() -> list[RoleView]:
    return [
        RoleView(
            None, role.value, role, tuple(p.value for p in Permission if p in granted_to(role))
        )
        for role in Role
    ]


def custom_permissions(names: Iterable[str], field: str = "permissions") -> frozenset[Permission]:
    """The permissions named, or a refusal naming the first that does not exist or can never be
    granted."""
    chosen = set()
    for name in names:
        try:
            permission = Permission(name)
        except ValueError:
            raise InvalidValue(f"{field}: no permission named {name!r}", field=field) from None
        if permission in NEVER_GRANTED:
            raise InvalidValue(f"{field}: {name} is never granted to a role", field=field)
        chosen.add(permission)
    return frozenset(chosen)


class CustomRoleService:
    """Defining, changing and deleting a business's custom roles (`roles:manage`), and the
    matrix of permissions and roles anyone signed in to the business may read."""

    def __init__(
        self, stores: Stores, saver: Saver, roles: CustomRoleList, holders: RoleHolders
    ) -> None:
        self._stores = stores
        self._saver = saver
        self._roles = roles
        self._holders = holders

    def permissions(self, principal: Principal) -> list[PermissionView]:
        del principal  # the matrix is no data of the tenant's
        return permission_matrix()

    def roles(self, principal: Principal) -> list[RoleView]:
        """The built-in roles, then the tenant's custom roles by name."""
        return [*built_in_roles(), *self._roles.custom_roles(principal.tenant_id)]

    def define(self, principal: Principal, command: DefineCustomRole) -> RoleView:
        authorize(principal, Permission.MANAGE_ROLES)
        base = base_role_named(command.base_role)
        permissions = self._grantable(principal, command.permissions)
        platform = self._stores.platform()
        book = self._book(platform, principal.tenant_id)
        role_id = book.define(command.name, base, frozenset(p.value for p in permissions))
        self._saver.save(platform, principal, "DefineCustomRole", book)
        return _view(book.role(role_id))

    def update(
        self, principal: Principal, role_id: UUID, name: str, permissions: list[str]
    ) -> RoleView:
        """A new name or set of permissions; the keys and members holding the role use them
        from their next request."""
        authorize(principal, Permission.MANAGE_ROLES)
        granted = self._grantable(principal, permissions)
        platform = self._stores.platform()
        book = self._book(platform, principal.tenant_id)
        if book.update(role_id, name, frozenset(p.value for p in granted)):
            self._saver.save(platform, principal, "UpdateCustomRole", book)
        return _view(book.role(role_id))

    def delete(self, principal: Principal, role_id: UUID) -> RoleView:
        """Refused while an API key (not revoked) or a team member holds the role."""
        authorize(principal, Permission.MANAGE_ROLES)
        platform = self._stores.platform()
        book = self._book(platform, principal.tenant_id)
        role = book.role(role_id)
        tenant = find(platform, Tenant, principal.tenant_id)
        keys = tenant.keys_holding(role_id) if tenant else 0
        book.delete(role_id, keys + self._holders.members_holding(principal.tenant_id, role_id))
        self._saver.save(platform, principal, "DeleteCustomRole", book)
        return _view(role)

    def role(self, tenant_id: UUID, role_id: UUID, field: str = "id") -> CustomRole:
        """One custom role of the tenant (for issuing a key with it, or giving it to a
        member); NOT_FOUND naming `field` when it has none of that id."""
        return self._book(self._stores.platform(), tenant_id).role(role_id, field)

    def _book(self, platform: EventStore, tenant_id: UUID) -> CustomRoles:
        found = find(platform, CustomRoles, CustomRoles.id_for(tenant_id))
        return found if found is not None else CustomRoles.start(tenant_id)

    @staticmethod
    def _grantable(principal: Principal, names: list[str]) -> frozenset[Permission]:
        permissions = custom_permissions(names)
        for permission in sorted(permissions):
            if not permits(principal, permission):
                raise PermissionDenied(
                    f"you may not grant {permission.value}: you do not hold it", field="permissions"
                )
        return permissions


def _view(role: CustomRole) -> RoleView:
    return RoleView(role.id, role.name, role.base_role, declared_order(role.permissions))


def declared_order(names: Iterable[str]) -> tuple[str, ...]:
    """Permission names in the order the permissions are declared (a name no longer declared
    is left out: it grants nothing)."""
    chosen = set(names)
    return tuple(p.value for p in Permission if p.value in chosen)
