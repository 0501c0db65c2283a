"""Authorisation comes before validation: a caller whose role lacks a field's permission gets
PERMISSION_DENIED whatever it sends, and learns nothing about its input.

The test walks the schema: every mutation, and every query that takes arguments, is sent with
deliberately invalid arguments (malformed ids, unknown enum strings, negative amounts) by a role
without the field's permission."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
    is_composite_type,
)
from starlette.testclient import TestClient
from strawberry.types import ExecutionResult

from adapters.bootstrap import Niaga
from api.graphql.schema import build_schema
from api.graphql.shared.permissions import PUBLIC_FIELDS, REQUIRED_PERMISSIONS
from api.graphql.shared.support import Context
from api.main import create_app
from application.shared.authorization import roles_with
from application.shared.context import Actor, ActorKind, Principal
from domain.shared.roles import Role

SCHEMA = build_schema()._schema
# Valid for the GraphQL type system, wrong for the application: ids that are not UUIDs, unknown
# enum strings, impossible amounts and dates.
_SCALARS: dict[str, Any] = {
    "ID": "not-an-id",
    "String": "bogus",
    "Int": -1,
    "Float": -1.5,
    "Boolean": True,
    "Date": "1900-01-01",
    "DateTime": "1900-01-01T00:00:00+00:00",
    "JSON": {"bogus": [None]},
    "Upload": "bogus",  # a file is a multipart part; a string passes the type system's check
}


def _invalid(kind: GraphQLInputType) -> Any:
    if isinstance(kind, GraphQLNonNull):
        return _invalid(kind.of_type)
    if isinstance(kind, GraphQLList):
        return [_invalid(kind.of_type)]
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        return {name: _invalid(field.type) for name, field in kind.fields.items()}
    assert isinstance(kind, GraphQLScalarType)
    return _SCALARS[kind.name]


def _operation(keyword: str, name: str, field: GraphQLField) -> tuple[str, dict[str, Any]]:
    args: dict[str, GraphQLArgument] = field.args
    declared = ", ".join(f"${arg}: {spec.type}" for arg, spec in args.items())
    passed = ", ".join(f"{arg}: ${arg}" for arg in args)
    selection = "{ __typename }" if is_composite_type(get_named_type(field.type)) else ""
    document = f"{keyword} Probe{f'({declared})' if args else ''} {{"
    document += f" {name}{f'({passed})' if args else ''} {selection} }}"
    return document, {arg: _invalid(spec.type) for arg, spec in args.items()}


def _probes() -> list[tuple[str, str, GraphQLField]]:
    mutation, query = SCHEMA.mutation_type, SCHEMA.query_type
    assert isinstance(mutation, GraphQLObjectType)
    assert isinstance(query, GraphQLObjectType)
    probes = [("mutation", name, field) for name, field in mutation.fields.items()]
    probes += [("query", name, field) for name, field in query.fields.items() if field.args]
    # Public fields name no permission to be denied (signing in, a person's own account).
    return [p for p in probes if f"{p[0].capitalize()}.{p[1]}" not in PUBLIC_FIELDS]


def _denied_role(field: str) -> Role:
    granted = roles_with(REQUIRED_PERMISSIONS[field])
    return next(role for role in Role if role not in granted)


def test_every_root_field_names_its_permission_or_is_public() -> None:
    roots = [SCHEMA.query_type, SCHEMA.mutation_type, SCHEMA.subscription_type]
    fields = {f"{root.name}.{name}" for root in roots if root for name in root.fields}
    assert fields == set(REQUIRED_PERMISSIONS) | PUBLIC_FIELDS
    assert not set(REQUIRED_PERMISSIONS) & PUBLIC_FIELDS
    for field in REQUIRED_PERMISSIONS:  # a role without it exists, so the walk below can run
        _denied_role(field)


@pytest.mark.e2e
def test_a_role_without_the_permission_is_denied_whatever_it_sends(
    niaga: Niaga, owner: Principal
) -> None:
    keys = {
        role: niaga.tenants.issue_api_key(owner.tenant_id, role, role.value).token for role in Role
    }
    answered_otherwise = []
    with TestClient(create_app(niaga, run_projections=False)) as client:
        for keyword, name, field in _probes():
            root = "Mutation" if keyword == "mutation" else "Query"
            role = _denied_role(f"{root}.{name}")
            document, variables = _operation(keyword, name, field)
            response = client.post(
                "/graphql",
                json={"query": document, "variables": variables},
                headers={"Authorization": f"Bearer {keys[role]}"},
            )
            if not _denied(response.json(), name):
                answered_otherwise.append((name, role.value, response.status_code, response.text))
    assert answered_otherwise == []


def _denied(body: dict[str, Any], name: str) -> bool:
    codes = {(error.get("extensions") or {}).get("code") for error in body.get("errors") or []}
    if codes:
        return codes == {"PERMISSION_DENIED"}
    result = (body.get("data") or {}).get(name)
    return isinstance(result, dict) and result.get("__typename") == "PermissionDeniedError"


@pytest.mark.e2e
def test_an_auditor_learns_nothing_from_a_bogus_plan(niaga: Niaga, owner: Principal) -> None:
    token = niaga.tenants.issue_api_key(owner.tenant_id, Role.AUDITOR, "books").token
    document = """mutation {
        createPlan(input: {name: "X", price: -5, routerProfile: "", serviceType: "bogus"}) {
            __typename ... on Error { code message } } }"""
    with TestClient(create_app(niaga, run_projections=False)) as client:
        response = client.post(
            "/graphql", json={"query": document}, headers={"Authorization": f"Bearer {token}"}
        )
    result = response.json()["data"]["createPlan"]
    assert result["__typename"] == "PermissionDeniedError"
    assert result["code"] == "PERMISSION_DENIED"
    assert "bogus" not in result["message"]
    assert "serviceType" not in result["message"]


def test_a_subscription_is_denied_before_its_first_event() -> None:
    agent = Principal(uuid4(), Role.AGENT, Actor(ActorKind.USER, "agent"))

    async def first_result() -> Any:
        document = 'subscription { jobBoardChanged(status: "bogus", since: -1) { id } }'
        # No services: a subscription that got past the check would fail on them instead.
        context = Context(None, agent)  # type: ignore[arg-type]
        results = await build_schema().subscribe(document, context_value=context)
        assert not isinstance(results, ExecutionResult)
        async for result in results:
            return result
        return None

    result = asyncio.run(first_result())
    assert [error.extensions["code"] for error in result.errors] == ["PERMISSION_DENIED"]
