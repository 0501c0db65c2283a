"""Role-based access: which role may do what. Checked in the application layer, not resolvers."""

from enum import StrEnum

from application.context import Principal
from application.errors import PermissionDenied
from domain.roles import Role


class Permission(StrEnum):
    READ_CUSTOMERS = "customers:read"
    WRITE_CUSTOMERS = "customers:write"
    FORGET_CUSTOMERS = "customers:forget"
    READ_AUDIT = "audit:read"
    MANAGE_TENANT = "tenant:manage"


_EVERYONE = frozenset(Role)
_GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.READ_CUSTOMERS: _EVERYONE - {Role.AGENT},
    Permission.WRITE_CUSTOMERS: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.STAFF}),
    Permission.FORGET_CUSTOMERS: frozenset({Role.OWNER, Role.ADMIN}),
    Permission.READ_AUDIT: frozenset({Role.OWNER, Role.ADMIN, Role.AUDITOR, Role.FINANCE}),
    Permission.MANAGE_TENANT: frozenset({Role.OWNER, Role.ADMIN}),
}


def roles_with(permission: Permission) -> frozenset[Role]:
    return _GRANTS[permission]


def authorize(principal: Principal, permission: Permission) -> None:
    if principal.role not in _GRANTS[permission]:
        raise PermissionDenied(f"role {principal.role.value!r} may not {permission.value}")
