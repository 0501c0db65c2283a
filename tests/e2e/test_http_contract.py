"""The HTTP contract outside the happy path, through the ASGI app on real PostgreSQL: malformed
GraphQL bodies, oversized bodies, hostile filters and cursors, database failures, the one
OpenAPI document, and metrics labelled by route."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from starlette.testclient import TestClient

from adapters.bootstrap import Niaga
from api.main import GRAPHQL_MAX_BODY_BYTES, create_app
from application.shared.context import Principal
from domain.shared.roles import Role

DOCS = Path(__file__).resolve().parents[2] / "docs"
NESTED_CURSOR = base64.urlsafe_b64encode(b"[" * 5000).decode()
SECRET = "connection to server at 10.9.8.7 failed: password authentication for niaga_rw"


@pytest.fixture
def client(niaga: Niaga) -> Iterator[TestClient]:
    with TestClient(create_app(niaga, run_projections=False)) as client:
        yield client


@pytest.fixture
def headers(niaga: Niaga, owner: Principal) -> dict[str, str]:
    token = niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER, "contract").token
    return {"Authorization": f"Bearer {token}"}


def _graphql_error(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert body["data"] is None
    (error,) = body["errors"]
    assert isinstance(error, dict)
    return error


@pytest.mark.parametrize(
    "body",
    [b"null", b"1", b"[]", b'"query"', b"{", b'{"query": "\xff"}', b"\xff\xfe\xfd", b"[" * 50_000],
)
def test_a_malformed_graphql_body_answers_a_json_error(
    client: TestClient, headers: dict[str, str], body: bytes
) -> None:
    response = client.post(
        "/graphql", content=body, headers={**headers, "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert _graphql_error(response)["extensions"] == {"code": "BAD_REQUEST"}


def test_a_graphql_body_over_the_limit_is_refused_unparsed(
    client: TestClient, headers: dict[str, str]
) -> None:
    padding = " " * GRAPHQL_MAX_BODY_BYTES
    body = json.dumps({"query": padding + "{ customers { totalCount } }"})
    response = client.post(
        "/graphql", content=body, headers={**headers, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert _graphql_error(response)["extensions"] == {"code": "PAYLOAD_TOO_LARGE"}


def test_hostile_filters_and_cursors_answer_400_naming_the_parameter(
    client: TestClient, headers: dict[str, str]
) -> None:
    for path, field in [
        ("/api/v1/customers?search=a%00b", "search"),
        ("/api/v1/subscriptions?search=%00", "search"),
        ("/api/v1/subscriptions?router=%00", "router"),
        (f"/api/v1/invoices?after={NESTED_CURSOR}", "after"),
        (f"/api/v1/customers?after={NESTED_CURSOR}", "after"),
    ]:
        response = client.get(path, headers=headers)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["detail"]["field"] == field
    assert client.get("/api/v1/payments?received_to=0", headers=headers).status_code == 422


def test_graphql_refuses_nul_in_a_search_without_the_driver_speaking(
    client: TestClient, headers: dict[str, str]
) -> None:
    query = '{ customers(search: "a\\u0000b") { totalCount } }'
    response = client.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 400
    error = _graphql_error(response)
    assert error["extensions"] == {"code": "INVALID_VALUE", "field": "search"}
    assert "PostgreSQL" not in str(error["message"])


def _database_down(*_: object, **__: object) -> None:
    raise psycopg.OperationalError(SECRET)


def test_a_database_failure_answers_unavailable_with_a_retry_hint(
    niaga: Niaga, client: TestClient, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(niaga.queries, "customers", _database_down)
    rest = client.get("/api/v1/customers", headers=headers)
    assert (rest.status_code, rest.headers["retry-after"]) == (503, "5")
    assert rest.json()["detail"]["code"] == "UNAVAILABLE"
    graphql = client.post(
        "/graphql", json={"query": "{ customers { totalCount } }"}, headers=headers
    )
    assert (graphql.status_code, graphql.headers["retry-after"]) == (503, "5")
    assert _graphql_error(graphql)["extensions"] == {"code": "UNAVAILABLE", "retryAfter": 5}
    assert "10.9.8.7" not in rest.text + graphql.text


def test_the_served_openapi_document_is_the_exported_one(client: TestClient) -> None:
    served = client.get("/openapi.json").json()
    assert served == json.loads((DOCS / "openapi.json").read_text()), "run `make schema`"
    by_id = served["paths"]["/api/v1/invoices/{invoice_id}"]["get"]["responses"]
    assert {"400", "401", "403", "404", "429", "503"} <= set(by_id)


def _series(metrics: str, path: str) -> list[str]:
    pattern = re.compile(rf'^niaga_http_requests_total\{{.*path="{re.escape(path)}".*$', re.M)
    return pattern.findall(metrics)


def test_metrics_label_requests_by_route_not_by_id(
    client: TestClient, headers: dict[str, str]
) -> None:
    template = "/invoices/{invoice_id}.pdf"
    before = client.get("/metrics").text
    for _ in range(2):
        client.get(f"/invoices/{uuid4()}.pdf", headers=headers)
    after = client.get("/metrics").text
    assert len(_series(after, template)) == len(_series(before, template)) + 1
    assert "/invoices/" not in after.replace(template, "")
