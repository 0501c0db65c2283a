"""A business's custom roles: given events, when a command, then events or a refusal."""

from __future__ import annotations

import uuid

import pytest

from application.platform.custom_roles import custom_permissions
from application.shared.authorization import Permission, permits
from application.shared.context import Actor, ActorKind, Principal
from domain.identity.errors import LastOwner
from domain.identity.team import Team
from domain.platform.custom_roles import (
    CustomRoleInUse,
    CustomRoleNameTaken,
    CustomRoles,
    base_role_named,
)
from domain.shared.errors import InvalidValue
from domain.shared.roles import Role

TENANT = uuid.uuid4()


def _book() -> CustomRoles:
    return CustomRoles.start(TENANT)


def test_defining_a_role_records_its_base_role_and_sorted_permissions() -> None:
    book = _book()
    role_id = book.define(" kasir ", Role.STAFF, frozenset({"counter:sell", "customers:read"}))
    defined = book.collect_events()[-1]
    assert isinstance(defined, CustomRoles.RoleDefined)
    assert (defined.role_id, defined.name, defined.base_role) == (role_id, "kasir", "staff")
    assert tuple(defined.permissions) == ("counter:sell", "customers:read")


def test_a_name_is_refused_when_another_role_has_it_in_any_case() -> None:
    book = _book()
    book.define("Kasir", Role.STAFF, frozenset())
    with pytest.raises(CustomRoleNameTaken):
        book.define("kasir", Role.FINANCE, frozenset())


def test_a_built_in_role_name_is_refused() -> None:
    with pytest.raises(InvalidValue):
        _book().define("Admin", Role.STAFF, frozenset())


def test_owner_is_no_base_role() -> None:
    with pytest.raises(InvalidValue) as refused:
        base_role_named("owner")
    assert refused.value.field == "baseRole"


def test_updating_to_the_same_name_and_permissions_records_nothing() -> None:
    book = _book()
    role_id = book.define("kasir", Role.STAFF, frozenset({"counter:sell"}))
    book.collect_events()
    assert not book.update(role_id, "kasir", frozenset({"counter:sell"}))
    assert book.collect_events() == []


def test_a_role_held_by_a_key_is_not_deleted() -> None:
    book = _book()
    role_id = book.define("kasir", Role.STAFF, frozenset())
    with pytest.raises(CustomRoleInUse):
        book.delete(role_id, holders=1)
    book.delete(role_id, holders=0)
    assert role_id not in book.roles


def test_unknown_and_platform_permissions_are_refused_by_name() -> None:
    with pytest.raises(InvalidValue, match="stock:steal"):
        custom_permissions(["customers:read", "stock:steal"])
    with pytest.raises(InvalidValue, match="platform:operate"):
        custom_permissions(["platform:operate"])


def test_a_custom_role_decides_by_its_own_set_not_its_base_role() -> None:
    kasir = Principal(
        TENANT,
        Role.STAFF,
        Actor(ActorKind.API_KEY, "k"),
        custom_role="kasir",
        permissions=frozenset({Permission.SELL_AT_COUNTER}),
    )
    assert permits(kasir, Permission.SELL_AT_COUNTER)
    assert not permits(kasir, Permission.WRITE_CUSTOMERS)  # staff may


def test_a_member_assigned_a_custom_role_holds_its_base_role_until_given_a_built_in_one() -> None:
    owner, nina, kasir = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    team = Team.form(TENANT, {owner: Role.OWNER, nina: Role.ADMIN})
    assert team.assign_custom_role(nina, kasir, Role.STAFF)
    assert not team.assign_custom_role(nina, kasir, Role.STAFF)
    assigned = team.collect_events()[-1]
    assert isinstance(assigned, Team.CustomRoleAssigned)
    assert (assigned.person_id, assigned.custom_role_id, assigned.base_role) == (
        nina,
        kasir,
        "staff",
    )
    assert (team.role_of(nina), team.holding(kasir)) == (Role.STAFF, 1)
    assert team.change_role(nina, Role.STAFF)  # the same base role, without the custom one
    assert team.holding(kasir) == 0


def test_the_last_owner_is_never_assigned_a_custom_role() -> None:
    owner = uuid.uuid4()
    team = Team.form(TENANT, {owner: Role.OWNER})
    with pytest.raises(LastOwner):
        team.assign_custom_role(owner, uuid.uuid4(), Role.ADMIN)
