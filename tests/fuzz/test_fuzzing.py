"""Generated requests against the live ASGI app: the public REST API from the OpenAPI document it
serves, and GraphQL from its introspected schema. No request may answer a 5xx, a status the
document does not list, or a body that does not match it.

The example budget is fixed and the generation derandomised, so the tier runs the same requests
on every run and fits CI (well under two minutes on two cores)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.graphql import nodes
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import Target

REST_EXAMPLES = 40
GRAPHQL_EXAMPLES = 6
# Reaches a router over the network from inside the command: not for a fuzzer to aim at.
GRAPHQL_SKIPPED = {"Mutation.testRouterConnection"}
# A file travels only in a multipart request; in a JSON body an Upload is a client's mistake,
# which the server must refuse as one.
schemathesis.graphql.scalar("Upload", st.text(max_size=20).map(nodes.String))
# What /graphql documents in the OpenAPI document (api/main.py).
GRAPHQL_STATUSES = {200, 400, 401, 403, 413, 503}

REST_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# What a GraphQL error says when the server, not the request, failed (api/graphql/shared).
SERVER_SIDE_CODES = {"INTERNAL_ERROR", "UNAVAILABLE"}


@schemathesis.check
def graphql_answers_as_documented(ctx: Any, response: Any, case: Any) -> bool:
    """A documented status below 500, and a GraphQL result whose errors were written for
    clients: each from a resolver carries a code, and none says the server failed.

    (Schemathesis counts every resolver error as a server error; here a refused argument is a
    client's mistake, answered 400 with a code naming it.)"""
    assert response.status_code in GRAPHQL_STATUSES - {503}, response.status_code
    body = response.json()
    assert isinstance(body, dict), body
    assert "data" in body or "errors" in body, body
    for error in body.get("errors") or []:
        assert isinstance(error.get("message"), str), error
        code = (error.get("extensions") or {}).get("code")
        assert code not in SERVER_SIDE_CODES, error
        assert code or not error.get("path"), f"a resolver error without a code: {error}"
    return True


def _fuzz(operation: Any, examples: int, call: Callable[[Any], object]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    def run(case: Any) -> None:
        call(case)

    run()


def test_the_public_rest_api_answers_generated_requests_as_documented(target: Target) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", target.app).include(
        path_regex="^/api/v1/"
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    # with the media library's upload and download, and the counter's daily sales CSV
    assert len(operations) == 11
    for operation in operations:
        _fuzz(
            operation,
            REST_EXAMPLES,
            lambda case: case.call_and_validate(headers=target.headers, checks=REST_CHECKS),
        )


def test_graphql_answers_generated_operations_without_server_errors(target: Target) -> None:
    schema = schemathesis.graphql.from_asgi("/graphql", target.app, headers=target.headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 100
    for operation in operations:
        if operation.label in GRAPHQL_SKIPPED:
            continue
        _fuzz(
            operation,
            GRAPHQL_EXAMPLES,
            lambda case: case.call_and_validate(
                headers=target.headers,
                checks=[graphql_answers_as_documented, response_schema_conformance],
            ),
        )
