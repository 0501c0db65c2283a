"""Role-based access: which role may do what, checked in the application layer."""

import uuid

import pytest

from application.shared.authorization import Permission, authorize, roles_with
from application.shared.context import NO_TENANT, Actor, ActorKind, Principal
from application.shared.errors import PermissionDenied
from domain.shared.roles import PlatformRole, Role

OWNER, ADMIN, MANAGER, STAFF = Role.OWNER, Role.ADMIN, Role.MANAGER, Role.STAFF
FINANCE, TECHNICIAN, AUDITOR = Role.FINANCE, Role.TECHNICIAN, Role.AUDITOR
EXPECTED = {
    Permission.READ_CUSTOMERS: {OWNER, ADMIN, MANAGER, STAFF, FINANCE, TECHNICIAN, AUDITOR},
    Permission.WRITE_CUSTOMERS: {OWNER, ADMIN, MANAGER, STAFF},
    Permission.FORGET_CUSTOMERS: {OWNER, ADMIN},
    Permission.READ_AUDIT: {OWNER, ADMIN, AUDITOR, FINANCE},
    Permission.MANAGE_TENANT: {OWNER, ADMIN},
    Permission.MANAGE_VOUCHERS: {OWNER, ADMIN, MANAGER},
    Permission.SELL_VOUCHERS: {OWNER, ADMIN, MANAGER, STAFF},
    Permission.READ_VOUCHERS: {OWNER, ADMIN, MANAGER, STAFF, FINANCE, AUDITOR, Role.AGENT},
    Permission.BUY_VOUCHERS: {OWNER, ADMIN, Role.AGENT},
    Permission.MANAGE_AGENTS: {OWNER, ADMIN, FINANCE},
    Permission.READ_AGENTS: {OWNER, ADMIN, MANAGER, FINANCE, AUDITOR, Role.AGENT},
}


def _principal(role: Role) -> Principal:
    return Principal(uuid.uuid4(), role, Actor(ActorKind.USER, "someone"))


@pytest.mark.parametrize(("permission", "role"), [(p, r) for p in EXPECTED for r in Role], ids=str)
def test_grants_each_permission_exactly_to_the_roles_in_the_table(
    permission: Permission, role: Role
) -> None:
    if role in EXPECTED[permission]:
        authorize(_principal(role), permission)
    else:
        with pytest.raises(PermissionDenied):
            authorize(_principal(role), permission)


TENANT_PERMISSIONS = [p for p in Permission if p is not Permission.OPERATE_PLATFORM]


@pytest.mark.parametrize("permission", TENANT_PERMISSIONS, ids=str)
def test_the_owner_may_do_everything_in_the_tenant(permission: Permission) -> None:
    assert Role.OWNER in roles_with(permission)
    authorize(_principal(Role.OWNER), permission)


def test_staff_may_register_customers_but_not_forget_them() -> None:
    authorize(_principal(Role.STAFF), Permission.WRITE_CUSTOMERS)
    with pytest.raises(PermissionDenied):
        authorize(_principal(Role.STAFF), Permission.FORGET_CUSTOMERS)


def test_an_agent_may_not_read_customers() -> None:
    with pytest.raises(PermissionDenied) as denied:
        authorize(_principal(Role.AGENT), Permission.READ_CUSTOMERS)
    assert denied.value.code == "PERMISSION_DENIED"


def test_an_auditor_may_read_the_audit_log_but_not_change_customers() -> None:
    authorize(_principal(Role.AUDITOR), Permission.READ_AUDIT)
    with pytest.raises(PermissionDenied):
        authorize(_principal(Role.AUDITOR), Permission.WRITE_CUSTOMERS)


def _operator() -> Principal:
    return Principal(NO_TENANT, PlatformRole.OPERATOR, Actor(ActorKind.OPERATOR, "ops"))


@pytest.mark.parametrize("permission", TENANT_PERMISSIONS, ids=str)
def test_the_operator_holds_no_tenant_permission(permission: Permission) -> None:
    with pytest.raises(PermissionDenied):
        authorize(_operator(), permission)


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_only_the_operator_may_operate_the_platform(role: Role) -> None:
    authorize(_operator(), Permission.OPERATE_PLATFORM)
    with pytest.raises(PermissionDenied):
        authorize(_principal(role), Permission.OPERATE_PLATFORM)
