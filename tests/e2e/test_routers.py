"""Routers through GraphQL over HTTP: add one, test it, see provisioning reach it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from adapters.bootstrap import Niaga
from adapters.routers.routeros.simulator import RouterOSSimulator
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL

ADD_ROUTER = """
mutation($input: AddRouterInput!) {
  addRouter(input: $input) {
    __typename
    ... on RouterSuccess { router { id name host port tls } }
    ... on Error { code message field }
  }
}"""
TEST_ROUTER = """
mutation($id: ID!) {
  testRouterConnection(id: $id) {
    __typename
    ... on RouterConnectionSuccess { identity }
    ... on Error { code message }
  }
}"""


@pytest.fixture
def simulator() -> Iterator[RouterOSSimulator]:
    router = RouterOSSimulator("niaga", "rahasia", identity="core-jkt")
    router.start()
    router.state.add("/ppp/profile", {"name": "10M"})
    yield router
    router.stop()


def test_a_router_is_added_tested_and_provisioned_to(
    niaga: Niaga, server: str, simulator: RouterOSSimulator
) -> None:
    tenant_id = niaga.tenants.create("ISP Jakarta", Placement.SHARED)
    gql = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token)
    host, port = simulator.address
    added = gql(
        ADD_ROUTER,
        input={
            "name": "core-1",
            "host": host,
            "port": port,
            "username": "niaga",
            "password": "rahasia",
        },
    )["addRouter"]
    assert added["__typename"] == "RouterSuccess"
    listed = gql("{ routers { name host port } }")["routers"]
    assert listed == [{"name": "core-1", "host": host, "port": port}]
    assert "password" not in str(gql("{ routers { name } }"))

    tested = gql(TEST_ROUTER, id=added["router"]["id"])["testRouterConnection"]
    assert tested == {"__typename": "RouterConnectionSuccess", "identity": "core-jkt"}

    plan = gql(
        'mutation { createPlan(input: {name: "10M", price: 100000, routerProfile: "10M"}) '
        "{ ... on PlanSuccess { plan { id } } } }"
    )["createPlan"]["plan"]
    customer = gql(
        'mutation { registerCustomer(input: {name: "Budi", phone: "081234567890"}) '
        "{ ... on RegisterCustomerSuccess { customer { id } } } }"
    )["registerCustomer"]["customer"]
    gql(
        "mutation($c: ID!, $p: ID!) { subscribe(input: {customerId: $c, planId: $p, billingDay: 5, "
        'router: "core-1", username: "budi", activateOn: "2026-01-05"}) { __typename } }',
        c=customer["id"],
        p=plan["id"],
    )
    deadline = time.monotonic() + 15
    status: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        status = gql("{ provisioningStatus { username status } }")["provisioningStatus"]  # type: ignore[assignment]
        if status and status[0]["status"] == "synced":
            break
        time.sleep(0.2)
    assert status == [{"username": "budi", "status": "synced"}]
    assert [s["name"] for s in simulator.items("/ppp/secret")] == ["budi"]


def test_bad_router_input_is_refused(niaga: Niaga, server: str) -> None:
    tenant_id = niaga.tenants.create("ISP Bogor", Placement.SHARED)
    gql = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token)
    bad_port = gql(
        ADD_ROUTER,
        input={"name": "r", "host": "10.0.0.1", "port": 70000, "username": "a", "password": "b"},
    )["addRouter"]
    assert (bad_port["code"], bad_port["field"]) == ("INVALID_VALUE", "port")
    unreachable = gql(
        ADD_ROUTER,
        input={"name": "r", "host": "127.0.0.1", "port": 1, "username": "a", "password": "b"},
    )["addRouter"]
    tested = gql(TEST_ROUTER, id=unreachable["router"]["id"])["testRouterConnection"]
    assert tested["code"] == "ROUTER_UNREACHABLE"
    staff = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.STAFF).token)
    refused = staff(
        ADD_ROUTER,
        input={"name": "x", "host": "10.0.0.2", "username": "a", "password": "b"},
    )["addRouter"]
    assert refused["code"] == "PERMISSION_DENIED"


CHANGE_ISOLIR = """
mutation($mode: String!, $list: String!) {
  changeIsolirPolicy(mode: $mode, addressList: $list) {
    __typename
    ... on IsolirPolicySuccess { isolirPolicy { mode profile addressList } }
    ... on Error { code message field }
  }
}"""


def test_the_isolir_policy_is_chosen_and_bad_choices_refused(niaga: Niaga, server: str) -> None:
    tenant_id = niaga.tenants.create("ISP Depok", Placement.SHARED)
    gql = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token)
    changed = gql(CHANGE_ISOLIR, mode="address_list", list="blokir")["changeIsolirPolicy"]
    assert changed["isolirPolicy"] == {
        "mode": "address_list",
        "profile": "isolir",
        "addressList": "blokir",
    }
    bad = gql(CHANGE_ISOLIR, mode="firewall", list="blokir")["changeIsolirPolicy"]
    assert (bad["code"], bad["field"]) == ("INVALID_VALUE", "isolir_mode")
    staff = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.STAFF).token)
    refused = staff(CHANGE_ISOLIR, mode="profile", list="isolir")["changeIsolirPolicy"]
    assert refused["code"] == "PERMISSION_DENIED"
    assert gql('{ provisioningStatus(kind: "voucher") { kind } }')["provisioningStatus"] == []
