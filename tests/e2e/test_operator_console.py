"""The operator's console over GraphQL on a real server: an operator key (`nop_...`) manages
tenants (where they live, their size, lock and move), reads the health of every store and
server and each tenant's figures; a tenant's key reaches none of it (403), and the operator's
key reaches nothing of a tenant's."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

import httpx
import pytest

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.customers.customers import RegisterCustomer
from application.shared.context import SYSTEM, recording
from application.shared.ports import Placement
from domain.platform.plans import Tier
from domain.platform.subscription import PlatformSubscription
from domain.shared.roles import Role
from tests.conftest import principal_for

TENANTS = """query($tier: TenantTier, $search: String, $locked: Boolean) {
  platformTenants(tier: $tier, search: $search, locked: $locked) {
    totalCount
    edges { node { id name tier region server store writes locked lockReason plan
                   size { events bytes lastActivity } } } } }"""
HEALTH = """{ systemHealth {
  stores { store server lag parked backlog { processManager rows } lastError }
  servers { server reachable connections maxConnections error } } }"""
FIGURES = """query($search: String) { tenantFigures(month: "2026-01", search: $search) {
  edges { node { tenant { name plan } month revenue aiCost messages messageCost margin } } } }"""
LOCK = """mutation($id: ID!) { lockTenant(tenantId: $id, reason: "tagihan platform belum dibayar") {
  __typename ... on OperatorTenantSuccess { tenant { locked writes lockReason } }
  ... on Error { code message field } } }"""
UNLOCK = """mutation($id: ID!) { unlockTenant(tenantId: $id) {
  __typename ... on OperatorTenantSuccess { tenant { locked writes } } } }"""
UPGRADE = """mutation($id: ID!, $tier: TenantTier!, $server: String) {
  upgradeTenant(tenantId: $id, tier: $tier, server: $server) {
    __typename ... on TenantMoveSuccess { move { id step tier source target } }
    ... on Error { code message field } } }"""
MOVE = """query($id: ID!) { tenantMove(tenantId: $id) { step finished events error target } }"""
REGISTER_CUSTOMER = """mutation($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { __typename } }"""
# Every operator field with arguments a tenant's key must not get past (values are valid).
OPERATOR_FIELDS = [
    ("{ platformTenants { totalCount } }", {}),
    ("query($id: ID!) { platformTenant(id: $id) { name } }", {"id": "{tenant}"}),
    (HEALTH, {}),
    (FIGURES, {}),
    (MOVE, {"id": "{tenant}"}),
    ('mutation { registerTenant(name: "Usaha Baru") { __typename } }', {}),
    (LOCK, {"id": "{tenant}"}),
    (UNLOCK, {"id": "{tenant}"}),
    (UPGRADE, {"id": "{tenant}", "tier": "SCHEMA"}),
]


@pytest.fixture(name="settings")
def with_two_regions(settings: Settings, database_url: str) -> Settings:
    """Region `id` may use the main server only; `global` also `other` (the same PostgreSQL)."""
    return settings.model_copy(
        update={
            "niaga_servers": {"other": database_url},
            "niaga_regions": {"id": ["main"], "global": ["main", "other"]},
            "niaga_message_cost_idr": 350,
        }
    )


def _gql(base: str, token: str, document: str, **variables: Any) -> httpx.Response:
    return httpx.post(
        f"{base}/graphql",
        json={"query": document, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def _data(base: str, token: str, document: str, **variables: Any) -> dict[str, Any]:
    answer = _gql(base, token, document, **variables)
    body: dict[str, Any] = answer.json()
    assert answer.status_code == 200, answer.text
    assert not body.get("errors"), answer.text
    return body["data"]


def _tenant_with_customer(niaga: Niaga, name: str, placement: Placement) -> UUID:
    tenant_id = niaga.tenants.create(name, placement)
    niaga.customers.register(principal_for(tenant_id), RegisterCustomer("Budi", "081234560001"))
    return tenant_id


def _subscribe(niaga: Niaga, tenant_id: UUID) -> None:
    """A platform subscription as Stripe would have made it (the Stripe side is tested in
    test_platform_billing.py)."""
    platform = niaga.stores.platform()
    started = PlatformSubscription.start(tenant_id, "starter", Tier.SHARED, "cus_1", "sub_1")
    with recording("SubscribeTenant", actor=SYSTEM, tenant_id=tenant_id):
        niaga.projections.wait(platform, platform.save_and_locate(started))


@pytest.fixture
def operator(niaga: Niaga) -> str:
    return niaga.services.operator_keys.create("ops on duty").token


def test_the_operator_sees_tenants_locks_them_and_reads_health_and_figures(
    niaga: Niaga, server: str, operator: str
) -> None:
    shared = _tenant_with_customer(niaga, "Warung Net Konsol", Placement.SHARED)
    own = _tenant_with_customer(niaga, "Konsol Hotspot Besar", Placement.OWN_SCHEMA)
    _subscribe(niaga, shared)
    owner = niaga.tenants.issue_api_key(shared, Role.OWNER, "pemilik").token

    found = _data(server, operator, TENANTS, tier="SHARED", search="konsol")["platformTenants"]
    assert found["totalCount"] == 1
    node = found["edges"][0]["node"]
    assert (node["id"], node["tier"], node["region"], node["server"]) == (
        str(shared),
        "shared",
        "id",
        "main",
    )
    assert (node["plan"], node["locked"]) == ("starter", False)
    assert node["size"]["events"] >= 2
    assert node["size"]["bytes"] > 0
    assert node["size"]["lastActivity"]
    schema = _data(server, operator, TENANTS, tier="SCHEMA", search="KONSOL")["platformTenants"]
    own_node = schema["edges"][0]["node"]
    assert (own_node["id"], own_node["store"]) == (str(own), f"t_{own.hex[:16]}")
    assert own_node["size"]["events"] >= 2

    locked = _data(server, operator, LOCK, id=str(shared))["lockTenant"]
    assert locked["tenant"] == {
        "locked": True,
        "writes": "locked",
        "lockReason": "tagihan platform belum dibayar",
    }
    siti = {"name": "Siti", "phone": "081234560002"}
    refused = _gql(server, owner, REGISTER_CUSTOMER, input=siti)
    assert refused.json()["errors"][0]["extensions"]["code"] == "TENANT_LOCKED"
    listed = _data(server, operator, TENANTS, locked=True)["platformTenants"]
    assert [e["node"]["id"] for e in listed["edges"]] == [str(shared)]
    unlocked = _data(server, operator, UNLOCK, id=str(shared))["unlockTenant"]
    assert unlocked["tenant"] == {"locked": False, "writes": "open"}
    again = _data(server, owner, REGISTER_CUSTOMER, input=siti)
    assert again["registerCustomer"]["__typename"] == "RegisterCustomerSuccess"

    health = _data(server, operator, HEALTH)["systemHealth"]
    stores = {s["store"]: s for s in health["stores"]}
    assert {niaga.settings.niaga_platform_schema, f"t_{own.hex[:16]}"} <= set(stores)
    platform_store = stores[niaga.settings.niaga_platform_schema]
    assert (platform_store["parked"], platform_store["lastError"]) == (0, None)
    assert {b["processManager"] for b in platform_store["backlog"]} >= {"webhooks", "whatsapp"}
    servers = {s["server"]: s for s in health["servers"]}
    assert set(servers) == {"main", "other"}
    assert servers["main"]["reachable"]
    assert servers["main"]["connections"] >= 1
    assert servers["main"]["maxConnections"] >= servers["main"]["connections"]

    figures = _data(server, operator, FIGURES, search="warung net konsol")["tenantFigures"]
    month = figures["edges"][0]["node"]
    assert month["tenant"] == {"name": "Warung Net Konsol", "plan": "starter"}
    assert (month["month"], month["revenue"], month["aiCost"], month["messageCost"]) == (
        "2026-01",
        150_000,
        0,
        month["messages"] * 350,
    )
    assert month["margin"] == month["revenue"] - month["aiCost"] - month["messageCost"]


def test_a_tenant_key_reaches_no_operator_field_and_the_operator_no_tenant_data(
    niaga: Niaga, server: str, operator: str, tenant_id: UUID
) -> None:
    owner = niaga.tenants.issue_api_key(tenant_id, Role.OWNER, "pemilik").token
    for document, variables in OPERATOR_FIELDS:
        filled = {k: v.replace("{tenant}", str(tenant_id)) for k, v in variables.items()}
        answer = _gql(server, owner, document, **filled)
        assert answer.status_code == 403, (document, answer.text)
        codes = {e["extensions"]["code"] for e in answer.json()["errors"]}
        assert codes == {"PERMISSION_DENIED"}, answer.text
    assert niaga.tenants.tenant(tenant_id).lock_reason == ""  # nothing was changed

    customers = _gql(server, operator, "{ customers(first: 5) { totalCount } }")
    assert customers.status_code == 403, customers.text
    assert customers.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    niaga.services.operator_keys.revoke("ops on duty")
    assert _gql(server, operator, HEALTH).status_code == 401


def test_upgrade_tenant_moves_a_small_tenant_and_refuses_bad_moves(
    niaga: Niaga, server: str, operator: str
) -> None:
    tenant_id = _tenant_with_customer(niaga, "Warung Net Naik Kelas", Placement.SHARED)
    started = _data(server, operator, UPGRADE, id=str(tenant_id), tier="SCHEMA")["upgradeTenant"]
    assert started["__typename"] == "TenantMoveSuccess", started
    assert started["move"]["tier"] == "schema"
    assert started["move"]["target"] == f"t_{tenant_id.hex[:16]}"
    deadline = time.monotonic() + 30
    move = _data(server, operator, MOVE, id=str(tenant_id))["tenantMove"]
    while not move["finished"]:
        assert time.monotonic() < deadline, move
        time.sleep(0.2)
        move = _data(server, operator, MOVE, id=str(tenant_id))["tenantMove"]
    assert (move["step"], move["error"]) == ("done", None)
    assert move["events"] >= 2
    tenant = _data(server, operator, TENANTS, search="naik kelas")["platformTenants"]
    assert tenant["edges"][0]["node"]["tier"] == "schema"

    unknown = _data(server, operator, UPGRADE, id=str(UUID(int=7)), tier="SCHEMA")
    assert unknown["upgradeTenant"]["code"] == "NOT_FOUND"
    assert unknown["upgradeTenant"]["field"] == "tenantId"
    outside = _data(server, operator, UPGRADE, id=str(tenant_id), tier="DATABASE", server="other")
    assert outside["upgradeTenant"]["field"] == "server"
    assert "not allowed for region 'id'" in outside["upgradeTenant"]["message"]
    niaga.tenants.start_move(tenant_id, "a-move-under-way", "database", "main")
    moving = _data(server, operator, UPGRADE, id=str(tenant_id), tier="DATABASE")
    assert moving["upgradeTenant"]["code"] == "MOVE_FAILED"
    assert "already moving" in moving["upgradeTenant"]["message"]
