"""Webhooks through the real server: an endpoint made in GraphQL receives a signed message from
the server's own background delivery, and its delivery shows in GraphQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.shared.context import Principal
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.integration.webhooks import verified

CREATE = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    __typename
    ... on WebhookSecretSuccess { secret endpoint { id url eventTypes enabled } }
    ... on Error { code message field }
  }
}"""
REGISTER = """
mutation($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { ... on RegisterCustomerSuccess { customer { id } } }
}"""
DELIVERIES = """
query($endpointId: ID, $status: String) {
  webhookDeliveries(endpointId: $endpointId, status: $status) {
    totalCount
    edges { node { id eventType status attempts lastStatusCode messageId } }
  }
}"""
REPLAY = """
mutation($endpointId: ID!, $afterPosition: Int, $since: String) {
  replayWebhookEvents(endpointId: $endpointId, afterPosition: $afterPosition, since: $since) {
    __typename
    ... on WebhookReplaySuccess { scheduled }
    ... on Error { code message field }
  }
}"""
ROTATE = """
mutation($id: ID!, $overlapHours: Int!) {
  rotateWebhookSecret(id: $id, overlapHours: $overlapHours) {
    __typename
    ... on WebhookSecretSuccess { secret }
    ... on Error { code message field }
  }
}"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"niaga_webhooks_allow_private": True})


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def gql(niaga: Niaga, owner: Principal, server: str) -> GraphQL:
    return GraphQL(server, niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER).token)


def _eventually(check: Any, within: float = 20.0) -> Any:
    """Poll until the background daemon has done its work (this waits; it measures nothing)."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def test_an_endpoint_made_in_graphql_receives_signed_events(
    gql: GraphQL, receiver: WebhookReceiver
) -> None:
    made = gql(CREATE, input={"url": receiver.url, "eventTypes": ["customer.registered"]})
    result = made["createWebhookEndpoint"]
    assert result["__typename"] == "WebhookSecretSuccess", result
    endpoint = result["endpoint"]
    gql(REGISTER, input={"name": "Budi", "phone": "081234567890"})

    assert _eventually(lambda: receiver.received)
    payload = verified(result["secret"], receiver.received[0])
    assert payload["type"] == "customer.registered"

    def delivered() -> list[Any]:
        data = gql(DELIVERIES, endpointId=endpoint["id"], status="delivered")
        return list(data["webhookDeliveries"]["edges"])

    (edge,) = _eventually(delivered)
    assert edge["node"]["messageId"] == payload["id"]
    assert edge["node"]["lastStatusCode"] == 200


def test_bad_input_in_graphql_is_refused_and_changes_nothing(
    gql: GraphQL, receiver: WebhookReceiver
) -> None:
    refused = gql(CREATE, input={"url": receiver.url, "eventTypes": ["invoice.exploded"]})
    error = refused["createWebhookEndpoint"]
    assert error["field"] == "eventTypes"
    assert "invoice.exploded" in error["message"]
    assert "invoice.issued" in error["message"]
    assert gql("{ webhookEndpoints { id } }")["webhookEndpoints"] == []

    made = gql(CREATE, input={"url": receiver.url})["createWebhookEndpoint"]
    endpoint_id = made["endpoint"]["id"]
    beyond = gql(REPLAY, endpointId=endpoint_id, afterPosition=10**9)["replayWebhookEvents"]
    assert "beyond the log" in beyond["message"]
    malformed = gql(REPLAY, endpointId=endpoint_id, since="kemarin")["replayWebhookEvents"]
    assert malformed["field"] == "since"
    too_long = gql(ROTATE, id=endpoint_id, overlapHours=10_000)["rotateWebhookSecret"]
    assert too_long["field"] == "overlapHours"
    assert gql(DELIVERIES, endpointId=endpoint_id)["webhookDeliveries"]["totalCount"] == 0
    unknown_status = gql.post(DELIVERIES, status="lost").json()
    assert "unknown status" in unknown_status["errors"][0]["message"]
