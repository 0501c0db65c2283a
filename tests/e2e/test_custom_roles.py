"""Custom roles over GraphQL on a real server: the permission matrix a client shows, defining a
role, a key or a team member holding it allowed what the role holds and refused the rest, and
the refusals that leave everything as it was."""

from __future__ import annotations

import itertools
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.shared.authorization import Permission, granted_to, permits
from application.shared.context import Principal
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL
from tests.e2e.test_accounts import CUSTOMERS, register, sign_in, status
from tests.e2e.test_teams import CHANGE_ROLE, join
from tests.fakes.smtp_fake import FakeSmtp, smtp_fixture  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e

ON_ERROR = "... on Error { __typename code field message }"
ROLE = "role { id name builtIn baseRole permissions }"
MATRIX = "{ permissions { name area description } roles { id name builtIn baseRole permissions } }"
DEFINE = f"""mutation($name: String!, $base: String!, $permissions: [String!]!) {{
  defineCustomRole(name: $name, baseRole: $base, permissions: $permissions) {{
    __typename ... on CustomRoleSuccess {{ {ROLE} }} {ON_ERROR} }} }}"""
UPDATE = f"""mutation($id: ID!, $name: String!, $permissions: [String!]!) {{
  updateCustomRole(id: $id, name: $name, permissions: $permissions) {{
    __typename ... on CustomRoleSuccess {{ {ROLE} }} {ON_ERROR} }} }}"""
DELETE = f"""mutation($id: ID!) {{ deleteCustomRole(id: $id) {{
  __typename ... on CustomRoleSuccess {{ {ROLE} }} {ON_ERROR} }} }}"""
REGISTER = f"""mutation {{ registerCustomer(input: {{name: "Budi", phone: "081234567890"}}) {{
  __typename {ON_ERROR} }} }}"""
ASSIGN = f"""mutation($person: ID!, $role: ID!) {{
  assignTeamMemberCustomRole(personId: $person, customRoleId: $role) {{
    __typename ... on TeamMemberChangedSuccess {{ role customRoleId sessionsEnded }} {ON_ERROR}
  }} }}"""
MEMBERS = "{ teamMembers(first: 10) { edges { node { email role customRole customRoleId } } } }"
KASIR = ["counter:sell", "customers:read"]
GRANTABLE = [p for p in Permission if p is not Permission.OPERATE_PLATFORM]


@pytest.fixture(name="settings")
def with_mail(settings: Settings, smtp: FakeSmtp) -> Settings:
    """Invitations reach a local mail server, with links to the web client."""
    return smtp.settings_for(settings.model_copy(update={"niaga_public_url": "https://app.id"}))


def _owner(niaga: Niaga, server: str, tenant_id: UUID) -> GraphQL:
    return GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.OWNER, "owner").token)


def _define(gql: GraphQL, name: str, base: str, permissions: list[str]) -> Any:
    return gql(DEFINE, name=name, base=base, permissions=permissions)["defineCustomRole"]


def _key(niaga: Niaga, tenant_id: UUID, role_id: str) -> str:
    role = niaga.services.custom_roles.role(tenant_id, UUID(role_id))
    return niaga.tenants.issue_custom_role_key(tenant_id, role, "kasir").token


def test_the_matrix_is_the_table_of_authorization(
    niaga: Niaga, server: str, tenant_id: UUID
) -> None:
    staff = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.STAFF, "s").token)
    matrix = staff(MATRIX)
    assert [p["name"] for p in matrix["permissions"]] == [p.value for p in Permission]
    assert matrix["permissions"][0] == {
        "name": "customers:read",
        "area": "customers",
        "description": "Read customers",
    }
    assert matrix["roles"] == [
        {
            "id": None,
            "name": role.value,
            "builtIn": True,
            "baseRole": role.value,
            "permissions": [p.value for p in Permission if p in granted_to(role)],
        }
        for role in Role
    ]


def test_a_key_with_a_custom_role_may_do_what_the_role_holds_and_nothing_else(
    niaga: Niaga, server: str, tenant_id: UUID
) -> None:
    owner = _owner(niaga, server, tenant_id)
    defined = _define(owner, "kasir", "staff", KASIR)
    assert defined["__typename"] == "CustomRoleSuccess", defined
    role = defined["role"]
    assert role == {
        "id": role["id"],
        "name": "kasir",
        "builtIn": False,
        "baseRole": "staff",
        "permissions": ["customers:read", "counter:sell"],  # in the matrix's order
    }
    assert owner(MATRIX)["roles"][-1] == role
    kasir = GraphQL(server, _key(niaga, tenant_id, role["id"]))
    assert kasir("{ customers(first: 5) { totalCount } }")["customers"]["totalCount"] == 0
    refused = kasir(REGISTER)["registerCustomer"]  # staff may; kasir may not
    assert refused["code"] == "PERMISSION_DENIED"
    assert "customers:write" in refused["message"]
    assert "kasir" in refused["message"]
    invoices = kasir.post("{ invoices(first: 5) { totalCount } }").json()
    assert invoices["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert "billing:read" in invoices["errors"][0]["message"]
    assert kasir(MATRIX)["roles"][-1]["name"] == "kasir"  # the matrix is anyone's

    updated = owner(UPDATE, id=role["id"], name="kasir", permissions=[*KASIR, "customers:write"])
    assert updated["updateCustomRole"]["__typename"] == "CustomRoleSuccess"
    assert kasir(REGISTER)["registerCustomer"]["__typename"] != "PermissionDeniedError"


def test_refusals_change_nothing(niaga: Niaga, server: str, tenant_id: UUID) -> None:
    owner = _owner(niaga, server, tenant_id)
    role = _define(owner, "kasir", "staff", KASIR)["role"]
    before = owner(MATRIX)["roles"]

    unknown = _define(owner, "gudang", "staff", ["customers:read", "stock:steal"])
    assert (unknown["code"], unknown["field"]) == ("INVALID_VALUE", "permissions")
    assert "stock:steal" in unknown["message"]
    operator = _define(owner, "dewa", "admin", ["platform:operate"])
    assert operator["code"] == "INVALID_VALUE"
    assert "platform:operate" in operator["message"]
    duplicate = _define(owner, "KASIR", "finance", ["customers:read"])
    assert (duplicate["code"], duplicate["field"]) == ("ROLE_NAME_TAKEN", "name")
    built_in = _define(owner, "Staff", "staff", [])
    assert (built_in["code"], built_in["field"]) == ("INVALID_VALUE", "name")
    as_owner = _define(owner, "pemilik kedua", "owner", ["customers:read"])
    assert (as_owner["code"], as_owner["field"]) == ("INVALID_VALUE", "baseRole")
    bad_update = owner(UPDATE, id=role["id"], name="kasir", permissions=["nope"])
    assert bad_update["updateCustomRole"]["code"] == "INVALID_VALUE"

    token = _key(niaga, tenant_id, role["id"])
    held = owner(DELETE, id=role["id"])["deleteCustomRole"]
    assert (held["code"], held["field"]) == ("ROLE_IN_USE", "id")
    assert owner(MATRIX)["roles"] == before

    niaga.tenants.revoke_api_key(token.split("_")[1])
    assert owner(DELETE, id=role["id"])["deleteCustomRole"]["__typename"] == "CustomRoleSuccess"
    assert owner(MATRIX)["roles"] == before[:-1]


def test_a_team_member_with_a_custom_role_signs_in_again_and_holds_what_the_role_holds(
    niaga: Niaga, server: str, smtp: FakeSmtp
) -> None:
    sari = register(server, "sari@contoh.co.id", "Sari Dewi", "Toko Sari")
    bearer = sign_in(server, "sari@contoh.co.id")["accessToken"]
    owner = GraphQL(server, bearer)
    role = _define(owner, "kasir", "staff", KASIR)["role"]
    nina = join(server, smtp, bearer, "nina@contoh.co.id", "admin", "Nina")

    assigned = owner(ASSIGN, person=nina["personId"], role=role["id"])
    assert assigned["assignTeamMemberCustomRole"] == {
        "__typename": "TeamMemberChangedSuccess",
        "role": "staff",
        "customRoleId": role["id"],
        "sessionsEnded": 1,
    }
    assert status(server, nina["accessToken"]) == 401  # its token named the old role
    again = sign_in(server, "nina@contoh.co.id")
    assert again["role"] == "staff"
    kasir = GraphQL(server, again["accessToken"])
    assert kasir(CUSTOMERS)["customers"]["totalCount"] == 0
    refused = kasir(REGISTER)["registerCustomer"]
    assert refused["code"] == "PERMISSION_DENIED"
    assert "customers:write" in refused["message"]
    assert "kasir" in refused["message"]
    listed = {e["node"]["email"]: e["node"] for e in owner(MEMBERS)["teamMembers"]["edges"]}
    assert listed["nina@contoh.co.id"] == {
        "email": "nina@contoh.co.id",
        "role": "staff",
        "customRole": "kasir",
        "customRoleId": role["id"],
    }

    held = owner(DELETE, id=role["id"])["deleteCustomRole"]
    assert (held["code"], held["field"]) == ("ROLE_IN_USE", "id")
    last_owner = owner(ASSIGN, person=sari["personId"], role=role["id"])
    assert last_owner["assignTeamMemberCustomRole"]["code"] == "LAST_OWNER"

    # a changed role holds on the member's next request, in the same session
    owner(UPDATE, id=role["id"], name="kasir", permissions=[*KASIR, "customers:write"])
    assert kasir(REGISTER)["registerCustomer"]["__typename"] != "PermissionDeniedError"

    # a built-in role again frees the custom role
    owner(CHANGE_ROLE, person=nina["personId"], role="staff")
    assert owner(DELETE, id=role["id"])["deleteCustomRole"]["__typename"] == "CustomRoleSuccess"


def test_a_manager_may_not_define_roles(niaga: Niaga, server: str, tenant_id: UUID) -> None:
    manager = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.MANAGER, "m").token)
    refused = _define(manager, "kasir", "staff", KASIR)
    assert refused["code"] == "PERMISSION_DENIED"
    assert "roles:manage" in refused["message"]


_names = itertools.count()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    held=st.one_of(st.sampled_from(list(Role)), st.frozensets(st.sampled_from(GRANTABLE))),
    permission=st.sampled_from(list(Permission)),
)
def test_a_key_holds_exactly_what_the_matrix_lists_for_its_role(
    niaga: Niaga,
    server: str,
    tenant_id: UUID,
    held: Role | frozenset[Permission],
    permission: Permission,
) -> None:
    owner = _owner(niaga, server, tenant_id)
    if isinstance(held, Role):
        token = niaga.tenants.issue_api_key(tenant_id, held, "built-in").token
        name = held.value
    else:
        name = f"peran {next(_names)}"
        defined = _define(owner, name, "staff", sorted(p.value for p in held))
        token = _key(niaga, tenant_id, defined["role"]["id"])
    listed = {r["name"]: r["permissions"] for r in owner(MATRIX)["roles"]}
    principal: Principal = niaga.tenants.authenticate(token)
    assert permits(principal, permission) == (permission.value in listed[name])
