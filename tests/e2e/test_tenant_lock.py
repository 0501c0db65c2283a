"""A soft-locked tenant reads everything and changes nothing until it is unlocked: every
mutation answers TENANT_LOCKED, REST writes 423, whichever process locked it."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.bootstrap import Niaga, daily_scheduler
from adapters.shared.settings import Settings
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.e2e.cli import run_niaga

REGISTER = """
mutation Register($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { __typename ... on RegisterCustomerSuccess { customer { id } } }
}"""
COUNT = "{ customers(first: 1) { totalCount } }"


def _gql(server: str, token: str, query: str, **variables: Any) -> dict[str, Any]:
    answer = httpx.post(
        f"{server}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    # A refusal with no data at all is answered 400, like any GraphQL error without data.
    assert answer.status_code in (200, 400), answer.text
    body: dict[str, Any] = answer.json()
    return body


def _register(server: str, token: str, name: str, phone: str) -> dict[str, Any]:
    return _gql(server, token, REGISTER, input={"name": name, "phone": phone})


def _count(server: str, token: str) -> int:
    return int(_gql(server, token, COUNT)["data"]["customers"]["totalCount"])


def test_a_locked_tenant_reads_but_every_mutation_answers_tenant_locked(
    niaga: Niaga, settings: Settings, server: str
) -> None:
    tenant_id = niaga.tenants.create("Warung Net Nunggak", Placement.SHARED)
    token = niaga.tenants.issue_api_key(tenant_id, Role.OWNER, "pemilik").token
    registered = _register(server, token, "Budi", "081234500001")
    assert registered["data"]["registerCustomer"]["__typename"] == "RegisterCustomerSuccess"

    locked = run_niaga(
        settings, "tenants", "lock", str(tenant_id), "--reason", "tagihan belum dibayar"
    )
    assert locked.returncode == 0, locked.stderr

    refused = _register(server, token, "Siti", "081234500002")
    assert refused["data"] is None or refused["data"]["registerCustomer"] is None
    assert refused["errors"][0]["extensions"]["code"] == "TENANT_LOCKED"
    assert _count(server, token) == 1  # reads go on; nothing was stored
    proof = httpx.post(
        f"{server}/transfers",
        data={"customer_id": str(tenant_id), "amount": "1000"},
        files={"file": ("bukti.png", b"\x89PNG\r\n\x1a\n", "image/png")},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert proof.status_code == 423, proof.text
    assert proof.json()["detail"]["code"] == "TENANT_LOCKED"
    listed = run_niaga(settings, "tenants", "list")
    assert "locked" in listed.stdout

    assert niaga.tenants.unlock(tenant_id)
    again = _register(server, token, "Siti", "081234500002")
    assert again["data"]["registerCustomer"]["__typename"] == "RegisterCustomerSuccess"
    assert _count(server, token) == 2


def test_locking_twice_or_unlocking_an_open_tenant_changes_nothing(niaga: Niaga) -> None:
    tenant_id = niaga.tenants.create("Hotspot Ceria", Placement.SHARED)
    scheduler = daily_scheduler(niaga)
    assert tenant_id in scheduler.tenants_to_run()
    assert niaga.tenants.unlock(tenant_id) is False
    assert niaga.tenants.lock(tenant_id, "tagihan belum dibayar") is True
    assert tenant_id not in scheduler.tenants_to_run()  # its scheduled jobs pause
    assert niaga.tenants.lock(tenant_id, "lagi") is False
    assert niaga.tenants.tenant(tenant_id).lock_reason == "tagihan belum dibayar"
