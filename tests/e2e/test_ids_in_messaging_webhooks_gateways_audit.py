"""Ids in GraphQL for WhatsApp, webhooks, payment gateways and time travel, over real HTTP: an id
that names nothing answers NOT_FOUND, a malformed one INVALID_VALUE naming its argument, and an
id that only filters a list finds nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.bootstrap import Niaga
from application.shared.context import Principal
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL

MALFORMED = "bukan-id"


@dataclass(frozen=True)
class ById:
    """A field that reads or changes one thing named by its id argument `argument`."""

    field: str
    document: str
    argument: str = "id"


QUERIES = [
    ById("campaign", "query($id: ID!) { campaign(id: $id) { id } }"),
    ById(
        "previewTemplate",
        'query($id: ID!) { previewTemplate(name: "reminder_overdue", customerId: $id) { text } }',
        "customerId",
    ),
    ById(
        "previewTemplate",
        'query($id: ID!) { previewTemplate(name: "reminder_overdue", invoiceId: $id) { text } }',
        "invoiceId",
    ),
    ById(
        "aggregateAt",
        'query($id: ID!) { aggregateAt(type: "Customer", id: $id, version: 1) { version } }',
    ),
    ById(
        "aggregateHistory",
        'query($id: ID!) { aggregateHistory(type: "Customer", id: $id) { totalVersions } }',
    ),
]
_ERROR = "... on Error { code field }"
MUTATIONS = [
    ById(
        "scheduleCampaign",
        'mutation($id: ID!) { scheduleCampaign(id: $id, startAt: "2026-02-01T09:00:00+07:00")'
        f" {{ {_ERROR} }} }}",
    ),
    ById("stopCampaign", f"mutation($id: ID!) {{ stopCampaign(id: $id) {{ {_ERROR} }} }}"),
    ById(
        "tagCustomer",
        f'mutation($id: ID!) {{ tagCustomer(id: $id, add: ["vip"]) {{ {_ERROR} }} }}',
    ),
    ById(
        "updateWebhookEndpoint",
        'mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, description: "x"})'
        f" {{ {_ERROR} }} }}",
    ),
    ById(
        "rotateWebhookSecret",
        f"mutation($id: ID!) {{ rotateWebhookSecret(id: $id) {{ {_ERROR} }} }}",
    ),
    ById(
        "disableWebhookEndpoint",
        f"mutation($id: ID!) {{ disableWebhookEndpoint(id: $id) {{ {_ERROR} }} }}",
    ),
    ById(
        "enableWebhookEndpoint",
        f"mutation($id: ID!) {{ enableWebhookEndpoint(id: $id) {{ {_ERROR} }} }}",
    ),
    ById(
        "deleteWebhookEndpoint",
        f"mutation($id: ID!) {{ deleteWebhookEndpoint(id: $id) {{ {_ERROR} }} }}",
    ),
    ById("redeliverWebhook", f"mutation($id: ID!) {{ redeliverWebhook(id: $id) {{ {_ERROR} }} }}"),
    ById(
        "replayWebhookEvents",
        "mutation($id: ID!) { replayWebhookEvents(endpointId: $id, afterPosition: 0)"
        f" {{ {_ERROR} }} }}",
        "endpointId",
    ),
    ById(
        "createPaymentLink",
        'mutation($id: ID!) { createPaymentLink(invoiceId: $id, gateway: "midtrans")'
        f" {{ {_ERROR} }} }}",
        "invoiceId",
    ),
]
FILTERS = [
    ById(
        "messageLog",
        "query($id: ID) { messageLog(campaignId: $id) { totalCount } }",
        "campaignId",
    ),
    ById(
        "messageLog",
        "query($id: ID) { messageLog(customerId: $id) { totalCount } }",
        "customerId",
    ),
    ById(
        "webhookDeliveries",
        "query($id: ID) { webhookDeliveries(endpointId: $id) { totalCount } }",
        "endpointId",
    ),
    ById("paymentLinks", "query($id: ID) { paymentLinks(invoiceId: $id) { id } }", "invoiceId"),
]


def _label(case: ById) -> str:
    return f"{case.field}.{case.argument}"


@pytest.fixture
def gql(niaga: Niaga, owner: Principal, server: str) -> GraphQL:
    return GraphQL(server, niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER).token)


def _query_error(gql: GraphQL, case: ById, raw_id: str) -> dict[str, Any]:
    body = gql.post(case.document, id=raw_id).json()
    assert body["data"] is None
    (error,) = body["errors"]
    extensions: dict[str, Any] = error["extensions"]
    return extensions


def _refusal(gql: GraphQL, case: ById, raw_id: str) -> dict[str, Any]:
    refusal: dict[str, Any] = gql(case.document, id=raw_id)[case.field]  # type: ignore[assignment]
    return refusal


@pytest.mark.parametrize("case", QUERIES, ids=_label)
def test_a_query_by_an_unknown_id_answers_not_found(gql: GraphQL, case: ById) -> None:
    assert _query_error(gql, case, str(uuid.uuid4()))["code"] == "NOT_FOUND"


@pytest.mark.parametrize("case", QUERIES, ids=_label)
def test_a_query_by_a_malformed_id_answers_invalid_value_naming_the_argument(
    gql: GraphQL, case: ById
) -> None:
    extensions = _query_error(gql, case, MALFORMED)
    assert (extensions["code"], extensions["field"]) == ("INVALID_VALUE", case.argument)


@pytest.mark.parametrize("case", MUTATIONS, ids=_label)
def test_a_mutation_on_an_unknown_id_is_refused_as_not_found(gql: GraphQL, case: ById) -> None:
    assert _refusal(gql, case, str(uuid.uuid4()))["code"] == "NOT_FOUND"


@pytest.mark.parametrize("case", MUTATIONS, ids=_label)
def test_a_mutation_on_a_malformed_id_is_refused_as_invalid_value_naming_the_argument(
    gql: GraphQL, case: ById
) -> None:
    refusal = _refusal(gql, case, MALFORMED)
    assert (refusal["code"], refusal["field"]) == ("INVALID_VALUE", case.argument)


@pytest.mark.parametrize("case", FILTERS, ids=_label)
def test_a_list_filtered_by_an_unknown_id_is_empty_and_by_a_malformed_one_refused(
    gql: GraphQL, case: ById
) -> None:
    answer = gql(case.document, id=str(uuid.uuid4()))[case.field]
    assert answer in ({"totalCount": 0}, [])
    extensions = _query_error(gql, case, MALFORMED)
    assert (extensions["code"], extensions["field"]) == ("INVALID_VALUE", case.argument)


@pytest.mark.parametrize("first", [0, 201])
def test_the_message_log_refuses_a_page_size_out_of_range(gql: GraphQL, first: int) -> None:
    body = gql.post("query($first: Int!) { messageLog(first: $first) { totalCount } }", first=first)
    (error,) = body.json()["errors"]
    assert error["extensions"]["field"] == "first"
    assert "between 1 and 200" in error["message"]
