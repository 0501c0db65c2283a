"""Auditing over HTTP: time travel in GraphQL and the streamed export endpoint."""

from __future__ import annotations

import csv
import io
import json
import uuid

import httpx

from adapters.bootstrap import Niaga
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.shared.context import Principal
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL

AT = """
query ($type: String!, $id: ID!, $version: Int, $at: DateTime) {
  aggregateAt(type: $type, id: $id, version: $version, at: $at) { type id version recordedAt state }
}"""
HISTORY = """
query ($type: String!, $id: ID!, $first: Int!, $after: Int!) {
  aggregateHistory(type: $type, id: $id, first: $first, after: $after) {
    totalVersions hasMore
    entries { version action actor command occurredAt changes { field old new } }
  }
}"""


def _customer(niaga: Niaga, owner: Principal) -> uuid.UUID:
    customer_id = niaga.customers.register(owner, RegisterCustomer("Siti Rahmawati", "0812987654"))
    niaga.customers.change_contact(owner, ChangeCustomerContact(customer_id, name="Siti R."))
    return customer_id


def _token(niaga: Niaga, owner: Principal, role: Role) -> str:
    return niaga.tenants.issue_api_key(owner.tenant_id, role, role.value).token


def test_an_auditor_reads_an_aggregate_at_a_version_and_a_moment_and_its_history(
    niaga: Niaga, owner: Principal, server: str
) -> None:
    customer_id = str(_customer(niaga, owner))
    graphql = GraphQL(server, _token(niaga, owner, Role.AUDITOR))

    history = graphql(HISTORY, type="Customer", id=customer_id, first=10, after=0)
    entries = history["aggregateHistory"]["entries"]  # type: ignore[index]
    first = graphql(AT, type="Customer", id=customer_id, version=1)["aggregateAt"]
    at_second = graphql(AT, type="Customer", id=customer_id, at=entries[1]["occurredAt"])

    assert [(e["version"], e["actor"], e["command"]) for e in entries] == [
        (1, "user:test-owner", "RegisterCustomer"),
        (2, "user:test-owner", "ChangeCustomerContact"),
    ]
    assert entries[1]["changes"] == [{"field": "name", "old": "Siti Rahmawati", "new": "Siti R."}]
    assert first["state"]["name"] == "Siti Rahmawati"  # type: ignore[index]
    assert at_second["aggregateAt"]["version"] == 2  # type: ignore[index]
    assert at_second["aggregateAt"]["state"]["name"] == "Siti R."  # type: ignore[index]


def test_bad_time_travel_arguments_get_clear_errors(
    niaga: Niaga, owner: Principal, server: str
) -> None:
    customer_id = str(_customer(niaga, owner))
    graphql = GraphQL(server, _token(niaga, owner, Role.AUDITOR))

    def error(**variables: object) -> tuple[int, str]:
        response = graphql.post(AT, **variables)
        return response.status_code, response.json()["errors"][0]["message"]

    unknown = error(type="Pelanggan", id=customer_id, version=1)
    beyond = error(type="Customer", id=customer_id, version=5)
    malformed = error(type="Customer", id=customer_id, at="kemarin sore")
    neither = error(type="Customer", id=customer_id)
    staff = GraphQL(server, _token(niaga, owner, Role.STAFF)).post(
        AT, type="Customer", id=customer_id, version=1
    )

    assert [code for code, _ in (unknown, beyond, malformed, neither)] == [400] * 4
    assert "unknown aggregate type 'Pelanggan'" in unknown[1]
    assert "version 5 is outside it" in beyond[1]
    assert "kemarin sore" in malformed[1]
    assert "exactly one of version or at" in neither[1]
    assert staff.status_code == 403


def test_the_export_streams_a_period_as_csv_or_json_lines(
    niaga: Niaga, owner: Principal, server: str
) -> None:
    _customer(niaga, owner)
    headers = {"Authorization": f"Bearer {_token(niaga, owner, Role.AUDITOR)}"}
    period = {"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}

    audit = httpx.get(
        f"{server}/audit/export", params={**period, "format": "csv"}, headers=headers, timeout=10
    )
    events = httpx.get(
        f"{server}/audit/export", params={**period, "what": "events"}, headers=headers, timeout=10
    )

    assert audit.status_code == 200, audit.text
    assert audit.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(audit.text)))
    assert "Customer.ContactChanged" in {r["action"] for r in rows}
    assert events.headers["content-type"] == "application/x-ndjson"
    decoded = [json.loads(line) for line in events.text.splitlines()]
    assert {"Customer.Registered", "Customer.ContactChanged"} <= {e["event"] for e in decoded}
    assert all(e["tenant_id"] == str(owner.tenant_id) for e in decoded)


def test_the_export_refuses_bad_periods_strangers_and_other_roles(
    niaga: Niaga, owner: Principal, server: str
) -> None:
    url = f"{server}/audit/export"
    auditor = {"Authorization": f"Bearer {_token(niaga, owner, Role.AUDITOR)}"}
    staff = {"Authorization": f"Bearer {_token(niaga, owner, Role.STAFF)}"}
    good = {"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}

    backwards = httpx.get(url, params={**good, "to": "2025-01-01T00:00:00Z"}, headers=auditor)
    naive = httpx.get(url, params={**good, "from": "2026-01-01T00:00:00"}, headers=auditor)
    malformed = httpx.get(url, params={**good, "from": "kemarin"}, headers=auditor)
    unknown_kind = httpx.get(url, params={**good, "what": "secrets"}, headers=auditor)

    assert backwards.status_code == 400
    assert "to must be later than from" in backwards.text
    assert naive.status_code == 400
    assert "from needs a time zone offset" in naive.text
    assert malformed.status_code == 422
    assert unknown_kind.status_code == 422
    assert httpx.get(url, params=good, headers=staff).status_code == 403
    assert httpx.get(url, params=good).status_code == 401
