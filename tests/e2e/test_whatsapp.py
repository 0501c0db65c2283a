"""WhatsApp over real HTTP: GraphQL configuration, the Cloud API webhook (handshake, signed
statuses, STOP), templates and campaigns, with the fake Cloud API answering the sends."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest

from adapters.bootstrap import Niaga
from adapters.messaging.whatsapp.cloud_api import signature_of
from adapters.messaging.whatsapp.fakes import FakeCloudApi
from application.shared.context import Principal
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL
from tests.integration.billing import Books
from tests.whatsapp_support import (  # noqa: F401 - fixtures
    APP_SECRET,
    VERIFY_TOKEN,
    cloud_fixture,
    fonnte_fixture,
    whatsapp_settings,
)

CONFIGURE = """
mutation($input: ConfigureWhatsAppInput!) {
  configureWhatsapp(input: $input) {
    __typename
    ... on WhatsAppChannelSuccess { channel { provider sender } }
    ... on Error { code message field }
  }
}"""
LOG = """
query($status: String) {
  messageLog(status: $status) {
    totalCount
    edges { node { template status providerMessageId error timeline } }
  }
}"""


def _until(check: Callable[[], Any], seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail("the dispatcher did not get there in time")


def _configure(gql: GraphQL, cloud: FakeCloudApi) -> dict[str, Any]:
    return gql(  # type: ignore[return-value]
        CONFIGURE,
        input={
            "provider": "cloud_api",
            "sender": "1234567890",
            "accessToken": cloud.access_token,
            "appSecret": APP_SECRET,
            "verifyToken": VERIFY_TOKEN,
        },
    )["configureWhatsapp"]


def _log(gql: GraphQL, status: str | None = None) -> list[dict[str, Any]]:
    edges = gql(LOG, status=status)["messageLog"]["edges"]  # type: ignore[index]
    return [e["node"] for e in edges]


def test_the_webhook_handshake_echoes_the_challenge_only_with_the_tenants_token(
    niaga: Niaga, server: str, owner: Principal, cloud: FakeCloudApi
) -> None:
    url = f"{server}/webhooks/whatsapp/{owner.tenant_id}"
    assert httpx.get(url, params={"hub.mode": "subscribe"}).status_code == 404  # no channel yet
    gql = GraphQL(server, niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER).token)
    configured = _configure(gql, cloud)
    assert configured == {
        "__typename": "WhatsAppChannelSuccess",
        "channel": {"provider": "cloud_api", "sender": "1234567890"},
    }
    ok = httpx.get(
        url,
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158"},
    )
    assert (ok.status_code, ok.text) == (200, "1158")
    wrong = httpx.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "1158"}
    )
    assert wrong.status_code == 403
    assert cloud.access_token not in gql("{ whatsappChannel { provider sender configuredAt } }")


def test_signed_statuses_update_the_log_and_forged_ones_change_nothing(
    niaga: Niaga, server: str, owner: Principal, cloud: FakeCloudApi
) -> None:
    gql = GraphQL(server, niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER).token)
    _configure(gql, cloud)
    books = Books(niaga, owner)
    books.invoice(books.customer("Budi"), 120_000, date(2026, 1, 5))
    [sent] = _until(lambda: _log(gql, "sent"))
    wamid = sent["providerMessageId"]
    url = f"{server}/webhooks/whatsapp/{owner.tenant_id}"

    forged = cloud.post_webhook(
        url,
        APP_SECRET,
        {"statuses": [{"id": wamid, "status": "read"}]},
        signature="sha256=" + "0" * 64,
    )
    assert forged.status_code == 401
    unsigned = httpx.post(url, content=b'{"entry": []}')
    assert unsigned.status_code == 401
    garbled = b"not json"
    malformed = httpx.post(
        url, content=garbled, headers={"X-Hub-Signature-256": signature_of(garbled, APP_SECRET)}
    )
    assert malformed.status_code == 400
    assert _log(gql)[0]["status"] == "sent"

    assert cloud.post_status(url, APP_SECRET, wamid, "read").json()["statuses"] == 1
    late = cloud.post_status(url, APP_SECRET, wamid, "delivered")  # arrives out of order
    assert (late.status_code, late.json()["statuses"]) == (200, 0)
    [entry] = _log(gql)
    assert entry["status"] == "read"
    assert [m["status"] for m in entry["timeline"]] == ["queued", "sent", "read"]


def test_stop_through_the_webhook_stops_every_later_message(
    niaga: Niaga, server: str, owner: Principal, cloud: FakeCloudApi
) -> None:
    gql = GraphQL(server, niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER).token)
    _configure(gql, cloud)
    books = Books(niaga, owner)
    customer = books.customer("Budi")
    url = f"{server}/webhooks/whatsapp/{owner.tenant_id}"

    reply = cloud.post_inbound(url, APP_SECRET, "6281200000001", " Berhenti ")
    assert reply.json()["messages"] == 1
    books.invoice(customer, 120_000, date(2026, 1, 5))

    skipped = _until(lambda: _log(gql, "skipped_opted_out"))
    assert [m["template"] for m in skipped] == ["invoice_issued"]
    _until(lambda: _log(gql, "sent"))
    assert [r.body["text"]["body"][:22] for r in cloud.requests] == ["Anda tidak akan meneri"]


def test_templates_are_validated_and_previewed(niaga: Niaga, server: str, owner: Principal) -> None:
    gql = GraphQL(server, niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER).token)
    bad = gql(
        'mutation { setMessageTemplate(input: {name: "invoice_issued", text: "Hi {nominal}"}) '
        "{ __typename ... on Error { code message field } } }"
    )["setMessageTemplate"]
    assert bad["code"] == "UNKNOWN_VARIABLE"  # type: ignore[index]
    assert bad["message"].startswith("unknown variable {nominal}; known: {nama}")  # type: ignore[index]
    preview = gql(
        'query { previewTemplate(name: "invoice_issued", '
        'variables: [{name: "tagihan", value: "Rp99.000"}]) { text } }'
    )["previewTemplate"]
    assert preview["text"].startswith(  # type: ignore[index]
        "Halo Budi Santoso, tagihan internet INV/2026/02/0001 sebesar Rp99.000"
    )
    refused = GraphQL(server, niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER).token).post(
        'query { previewTemplate(name: "x", text: "Halo {siapa}") { text } }'
    )
    assert refused.status_code == 400
    assert "unknown variable {siapa}" in refused.json()["errors"][0]["message"]
    staff = GraphQL(server, niaga.tenants.issue_api_key(owner.tenant_id, Role.STAFF).token)
    denied = staff(
        'mutation { setMessageTemplate(input: {name: "invoice_issued", text: "Hai {nama}"}) '
        "{ __typename ... on Error { code } } }"
    )["setMessageTemplate"]
    assert denied == {"__typename": "PermissionDeniedError", "code": "PERMISSION_DENIED"}


def test_a_campaign_is_created_scheduled_and_stopped_through_graphql(
    niaga: Niaga, server: str, owner: Principal
) -> None:
    books = Books(niaga, owner)
    plan = books.plan("Rumah 20", 150_000)
    for n in range(3):
        books.subscribe(books.customer(f"P{n}"), plan, date(2026, 1, 1), f"u{n}")
    gql = GraphQL(server, niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER).token)
    created = gql(
        'mutation { createCampaign(input: {name: "Promo", template: "reactivated", '
        'audience: {plan: "Rumah 20"}, guardrails: {dailyCap: 100, skipWeekends: true}}) '
        "{ __typename ... on CampaignSuccess { campaign { id state guardrails } } } }"
    )["createCampaign"]
    campaign = created["campaign"]  # type: ignore[index]
    assert campaign["state"] == "draft"
    assert campaign["guardrails"]["daily_cap"] == 100
    scheduled = gql(
        'mutation($id: ID!) { scheduleCampaign(id: $id, startAt: "2099-01-05T09:00:00+07:00") '
        "{ ... on CampaignSuccess { campaign { state recipients } } } }",
        id=campaign["id"],
    )["scheduleCampaign"]
    assert scheduled["campaign"] == {"state": "scheduled", "recipients": 3}  # type: ignore[index]
    too_big = gql(
        'mutation { createCampaign(input: {name: "X", template: "reactivated", '
        "guardrails: {dailyCap: 400}}) { __typename ... on Error { code field } } }"
    )["createCampaign"]
    assert too_big == {
        "__typename": "ValidationError",
        "code": "INVALID_VALUE",
        "field": "dailyCap",
    }
    stopped = gql("mutation { stopAllCampaigns { ... on StopAllCampaignsSuccess { stopped } } }")[
        "stopAllCampaigns"
    ]
    assert stopped == {"stopped": 1}
    listed = gql("{ campaigns { name state stats { queued sent optedOut } } }")["campaigns"]
    assert listed == [
        {"name": "Promo", "state": "stopped", "stats": {"queued": 0, "sent": 0, "optedOut": 0}}
    ]
