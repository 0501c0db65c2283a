"""A mutation retried with the same `Idempotency-Key` gets the first answer, records nothing new."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapters.bootstrap import Niaga
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.integration.read_models import event_count, store_of

REGISTER = """
mutation Register($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) {
    __typename
    ... on RegisterCustomerSuccess { customer { id name } }
    ... on Error { message code field }
  }
}"""


@pytest.fixture
def owner(niaga: Niaga, server: str) -> tuple[str, dict[str, str], Any]:
    tenant_id = niaga.tenants.create("Warung Net Sejahtera", Placement.SHARED)
    key = niaga.tenants.issue_api_key(tenant_id, Role.OWNER, "e2e")
    return f"{server}/graphql", {"Authorization": f"Bearer {key.token}"}, tenant_id


def _register(url: str, headers: dict[str, str], key: str, name: str) -> httpx.Response:
    body = {"query": REGISTER, "variables": {"input": {"name": name, "phone": "081234567890"}}}
    return httpx.post(url, json=body, headers={**headers, "Idempotency-Key": key}, timeout=10)


def test_a_retry_gets_the_first_answer_and_records_nothing(
    niaga: Niaga, owner: tuple[str, dict[str, str], Any]
) -> None:
    url, headers, tenant_id = owner
    first = _register(url, headers, "order-42", "Budi Santoso")
    schema = store_of(niaga, tenant_id).ref.schema
    recorded = event_count(niaga, schema)

    retry = _register(url, headers, "order-42", "Budi Santoso")

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert first.json()["data"]["registerCustomer"]["__typename"] == "RegisterCustomerSuccess"
    assert retry.headers["idempotent-replayed"] == "true"
    assert event_count(niaga, schema) == recorded


def test_without_the_key_the_same_mutation_runs_again(
    owner: tuple[str, dict[str, str], Any],
) -> None:
    url, headers, _ = owner
    _register(url, headers, "k-1", "Budi Santoso")
    body = {"query": REGISTER, "variables": {"input": {"name": "B", "phone": "081234567890"}}}
    again = httpx.post(url, json=body, headers=headers, timeout=10).json()
    assert again["data"]["registerCustomer"]["code"] == "DUPLICATE_CUSTOMER"


def test_a_key_reused_for_another_request_is_refused_and_runs_nothing(
    niaga: Niaga, owner: tuple[str, dict[str, str], Any]
) -> None:
    url, headers, tenant_id = owner
    _register(url, headers, "k-1", "Budi Santoso")
    schema = store_of(niaga, tenant_id).ref.schema
    recorded = event_count(niaga, schema)

    reused = _register(url, headers, "k-1", "Siti Aminah")

    assert reused.status_code == 409
    assert reused.json()["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_CONFLICT"
    assert event_count(niaga, schema) == recorded


def test_a_malformed_key_is_refused(owner: tuple[str, dict[str, str], Any]) -> None:
    url, headers, _ = owner
    refused = _register(url, headers, "x" * 300, "Budi Santoso")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["field"] == "Idempotency-Key"


def test_queries_ignore_the_key(owner: tuple[str, dict[str, str], Any]) -> None:
    url, headers, _ = owner
    query = {"query": "{ customers(first: 5) { totalCount } }"}
    for _ in range(2):
        answer = httpx.post(url, json=query, headers={**headers, "Idempotency-Key": "q"})
        assert answer.status_code == 200
        assert "idempotent-replayed" not in answer.headers
