"""One customer's life through the real HTTP interface: register, find, audit, forget."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.bootstrap import Niaga
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL

REGISTER = """
mutation Register($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) {
    __typename
    ... on RegisterCustomerSuccess { customer { id name phone nik forgotten } }
    ... on Error { message code field }
  }
}"""
CUSTOMERS = """
query Customers($search: String, $first: Int!, $after: String) {
  customers(search: $search, first: $first, after: $after) {
    totalCount
    edges { cursor node { id name phone } }
    pageInfo { hasNextPage endCursor }
  }
}"""
AUDIT = """
query Audit($id: ID) {
  auditLog(aggregateId: $id) {
    edges { node { action actor command version changes correlationId } }
  }
}"""
FORGET = """
mutation Forget($id: ID!) {
  forgetCustomer(id: $id) {
    __typename
    ... on ForgetCustomerSuccess { customer { id name phone nik forgotten } }
    ... on Error { code }
  }
}"""


def _owner_client(niaga: Niaga, server: str, role: Role = Role.OWNER) -> tuple[GraphQL, str]:
    tenant_id = niaga.tenants.create("Warung Net Sejahtera", Placement.SHARED)
    key = niaga.tenants.issue_api_key(tenant_id, role, "e2e")
    return GraphQL(server, key.token), key.key_id


def _register(gql: GraphQL, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = gql(REGISTER, input=fields)["registerCustomer"]  # type: ignore[assignment]
    return result


def test_a_registered_customer_can_be_found_and_audited_then_forgotten(
    niaga: Niaga, server: str
) -> None:
    gql, key_id = _owner_client(niaga, server)
    registered = _register(gql, name="Budi Santoso", phone="0812-3456-7890", nik="3201234567890123")
    assert registered["__typename"] == "RegisterCustomerSuccess"
    customer = registered["customer"]
    assert customer["phone"] == "+6281234567890"

    found = gql(CUSTOMERS, search="0812345", first=10)["customers"]
    assert found["totalCount"] == 1  # type: ignore[index]
    assert found["edges"][0]["node"]["id"] == customer["id"]  # type: ignore[index]

    audit = gql(AUDIT, id=customer["id"])["auditLog"]["edges"]  # type: ignore[index]
    entry = audit[0]["node"]
    assert entry["action"] == "Customer.Registered"
    assert entry["actor"] == f"api_key:{key_id}"
    assert entry["command"] == "RegisterCustomer"
    assert entry["changes"]["name"] == {"old": None, "new": "Budi Santoso"}

    forgotten = gql(FORGET, id=customer["id"])["forgetCustomer"]
    assert forgotten["customer"]["forgotten"] is True  # type: ignore[index]
    assert forgotten["customer"]["nik"] is None  # type: ignore[index]
    audit_after = gql(AUDIT, id=customer["id"])["auditLog"]["edges"]  # type: ignore[index]
    assert audit_after[0]["node"]["changes"]["name"] == {"old": None, "new": "[forgotten]"}
    assert "Budi" not in str(gql(CUSTOMERS, first=10))


def test_cursor_pages_cover_every_customer_once(niaga: Niaga, server: str) -> None:
    gql, _ = _owner_client(niaga, server)
    for n in range(5):
        _register(gql, name=f"Pelanggan {n}", phone=f"08121111000{n}")
    seen: list[str] = []
    after = None
    while True:
        page = gql(CUSTOMERS, first=2, after=after)["customers"]
        seen += [e["node"]["id"] for e in page["edges"]]  # type: ignore[index]
        if not page["pageInfo"]["hasNextPage"]:  # type: ignore[index]
            break
        after = page["pageInfo"]["endCursor"]  # type: ignore[index]
    assert len(seen) == len(set(seen)) == 5


def test_bad_input_is_refused_with_a_specific_error_and_nothing_stored(
    niaga: Niaga, server: str
) -> None:
    gql, _ = _owner_client(niaga, server)
    bad_phone = _register(gql, name="Ani", phone="12345")
    assert (bad_phone["__typename"], bad_phone["code"]) == ("ValidationError", "INVALID_PHONE")
    bad_nik = _register(gql, name="Ani", phone="081311112222", nik="123")
    assert bad_nik["code"] == "INVALID_NIK"
    assert (
        _register(gql, name="Ani", phone="081311112222")["__typename"] == "RegisterCustomerSuccess"
    )
    duplicate = _register(gql, name="Ani Lagi", phone="+62 813 1111 2222")
    assert (duplicate["__typename"], duplicate["field"]) == ("DuplicateCustomerError", "phone")
    assert gql(CUSTOMERS, first=10)["customers"]["totalCount"] == 1  # type: ignore[index]

    malformed = gql.post("{ customers( { totalCount } }")
    assert malformed.status_code == 400
    bad_cursor = gql.post(CUSTOMERS, first=10, after="not-a-cursor")
    assert bad_cursor.status_code == 400
    assert "cursor" in bad_cursor.json()["errors"][0]["message"]
    too_many = gql.post(CUSTOMERS, first=1000)
    assert too_many.status_code == 400


def test_keys_are_checked_and_tenants_never_see_each_other(niaga: Niaga, server: str) -> None:
    gql_a, key_a = _owner_client(niaga, server)
    gql_b, _ = _owner_client(niaga, server)
    customer = _register(gql_a, name="Rahasia A", phone="081298765432")["customer"]

    assert gql_b(CUSTOMERS, first=10)["customers"]["totalCount"] == 0  # type: ignore[index]
    other = gql_b.post("query($id: ID!) { customer(id: $id) { name } }", id=customer["id"])
    assert other.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    forget_other = gql_b(FORGET, id=customer["id"])["forgetCustomer"]
    assert forget_other["code"] == "NOT_FOUND"  # type: ignore[index]

    assert (
        httpx.post(f"{server}/graphql", json={"query": "{ customers { totalCount } }"}).status_code
        == 401
    )
    assert GraphQL(server, "nk_wrong_key").post(CUSTOMERS, first=1).status_code == 401
    niaga.tenants.revoke_api_key(key_a)
    revoked = gql_a.post(CUSTOMERS, first=1)
    assert revoked.status_code == 401
    assert "revoked" in revoked.json()["detail"]


def test_roles_limit_what_a_key_may_do(niaga: Niaga, server: str) -> None:
    staff, _ = _owner_client(niaga, server, Role.STAFF)
    customer = _register(staff, name="Joko", phone="085712345678")["customer"]
    refused = staff(FORGET, id=customer["id"])["forgetCustomer"]
    assert refused["code"] == "PERMISSION_DENIED"  # type: ignore[index]
    assert staff.post(AUDIT).status_code == 403


def test_health_readiness_and_metrics_answer(server: str) -> None:
    assert httpx.get(f"{server}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{server}/readyz").json()["database"] == "ok"
    metrics = httpx.get(f"{server}/metrics").text
    assert "niaga_projection_lag_events" in metrics


def test_a_phone_typed_in_full_width_digits_is_the_same_number(niaga: Niaga, server: str) -> None:
    gql, _ = _owner_client(niaga, server)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "081234567890")
    first = _register(gql, name="Budi Santoso", phone=full_width)
    assert first["__typename"] == "RegisterCustomerSuccess"
    assert first["customer"]["phone"] == "+6281234567890"

    again = _register(gql, name="Budi S.", phone="081234567890")
    assert again["code"] == "DUPLICATE_CUSTOMER"
