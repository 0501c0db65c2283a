"""The WhatsApp concierge end to end: signed Cloud API webhooks into the real server, a fake
Gemini and a fake Cloud API on real sockets. A customer is answered by the model, by rule when
AI is off, and handed to the technicians when AI fails; the technicians' queue in GraphQL lists,
assigns, replies (the reply reaches WhatsApp) and closes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga
from adapters.messaging.whatsapp.fakes import FakeCloudApi
from adapters.shared.settings import Settings
from application.shared.context import Principal
from domain.shared.roles import Role
from tests.ai_support import FLASH, LITE, gemini_fixture, platform_key  # noqa: F401
from tests.e2e.conftest import GraphQL
from tests.integration.concierge import HANDOFF, Shop, seed_shop
from tests.whatsapp_support import APP_SECRET, cloud_fixture, use_cloud_api  # noqa: F401

SITI = "6281298765432"
QUEUE = """
query($state: String, $assignee: ID) {
  conciergeConversations(state: $state, assigneeId: $assignee) {
    totalCount
    edges { node { id customerName state handoffReason assigneeName escalated lastAiStatus } }
  }
}"""
CHAT = """
query($id: ID!) {
  conciergeConversation(id: $id) { conversation { state } turns { speaker text mode aiStatus } }
}"""
ASSIGN = """
mutation($id: ID!, $technician: ID!) {
  assignConciergeConversation(id: $id, technicianId: $technician) {
    __typename
    ... on ConciergeConversationSuccess { conversation { state assigneeName } }
    ... on Error { code message field }
  }
}"""
REPLY = """
mutation($id: ID!, $text: String!) {
  replyToConciergeConversation(id: $id, text: $text) {
    __typename
    ... on ConciergeConversationSuccess { messageId conversation { state waitingSince } }
    ... on Error { code message field }
  }
}"""
CLOSE = """
mutation($id: ID!) {
  closeConciergeConversation(id: $id) {
    __typename
    ... on ConciergeConversationSuccess { conversation { state } }
    ... on Error { code message field }
  }
}"""


@pytest.fixture(name="settings")
def concierge_settings(settings: Settings, gemini: FakeGemini, cloud: FakeCloudApi) -> Settings:
    return settings.model_copy(
        update={
            "niaga_ai_base_url": gemini.url,
            "niaga_ai_models": f"{FLASH},{LITE}",
            "niaga_ai_timeout_seconds": 1.0,
            "niaga_ai_retries": 0,
            "niaga_whatsapp_cloud_api_url": cloud.url,
        }
    )


@pytest.fixture
def shop(niaga: Niaga, owner: Principal, cloud: FakeCloudApi) -> Shop:
    use_cloud_api(niaga, owner, cloud)
    platform_key(niaga, "kunci-platform")
    return seed_shop(niaga, owner)


class Gql(GraphQL):
    def __call__(self, query: str, **variables: object) -> Any:
        return super().__call__(query, **variables)


def _gql(niaga: Niaga, server: str, shop: Shop, role: Role) -> Gql:
    return Gql(server, niaga.tenants.issue_api_key(shop.owner.tenant_id, role).token)


def _until(check: Callable[[], Any], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail("nothing came in time")


def _sent_to_siti(cloud: FakeCloudApi) -> list[str]:
    return [
        r.body["text"]["body"]
        for r in cloud.requests
        if r.body.get("to") == SITI and r.body.get("type") == "text"
    ]


def _ask(server: str, shop: Shop, cloud: FakeCloudApi, text: str) -> None:
    url = f"{server}/webhooks/whatsapp/{shop.owner.tenant_id}"
    assert cloud.post_inbound(url, APP_SECRET, SITI, text).status_code == 200


def test_the_model_answers_a_customer_on_whatsapp(
    niaga: Niaga, server: str, shop: Shop, cloud: FakeCloudApi, gemini: FakeGemini
) -> None:
    gemini.answer_json(
        {"answer": "Galaxy A50 Anda sedang dikerjakan.", "confident": True, "handoff": False}
    )

    _ask(server, shop, cloud, "HP saya sudah sampai mana?")

    _until(lambda: "Galaxy A50 Anda sedang dikerjakan." in _sent_to_siti(cloud))
    assert "Siti Rahma" not in gemini.calls("generateContent")[0].raw


def test_with_ai_off_a_status_question_is_answered_by_rule(
    niaga: Niaga, server: str, shop: Shop, cloud: FakeCloudApi, gemini: FakeGemini
) -> None:
    owner = _gql(niaga, server, shop, Role.OWNER)
    owner("mutation { setAiEnabled(enabled: false) { __typename } }")

    _ask(server, shop, cloud, "status servis saya?")

    ruled = _until(lambda: [s for s in _sent_to_siti(cloud) if s.startswith("Servis Samsung")])
    assert "sedang dikerjakan teknisi" in ruled[0]
    assert "Perkiraan selesai" in ruled[0]
    assert gemini.calls() == []


def test_a_failing_model_hands_the_chat_to_the_technicians_who_answer_in_graphql(
    niaga: Niaga, server: str, shop: Shop, cloud: FakeCloudApi, gemini: FakeGemini
) -> None:
    gemini.error(500)
    technician = _gql(niaga, server, shop, Role.TECHNICIAN)

    _ask(server, shop, cloud, "bisa antar jemput HP ke rumah?")

    _until(lambda: HANDOFF in _sent_to_siti(cloud))
    queue = technician(QUEUE)["conciergeConversations"]
    assert queue["totalCount"] == 1
    chat = queue["edges"][0]["node"]
    assert chat["customerName"] == "Siti Rahma"
    assert (chat["state"], chat["handoffReason"]) == ("open", "ai_unavailable")
    assert chat["lastAiStatus"] == "provider_error"

    assigned = technician(ASSIGN, id=chat["id"], technician=str(shop.technician))
    assert assigned["assignConciergeConversation"]["conversation"] == {
        "state": "assigned",
        "assigneeName": "Rudi Hartono",
    }
    replied = technician(REPLY, id=chat["id"], text="Bisa kak, ongkir Rp10.000.")
    result = replied["replyToConciergeConversation"]
    assert result["__typename"] == "ConciergeConversationSuccess", result
    assert result["messageId"]
    assert result["conversation"]["waitingSince"] is None
    _until(lambda: "Bisa kak, ongkir Rp10.000." in _sent_to_siti(cloud))
    turns = technician(CHAT, id=chat["id"])["conciergeConversation"]["turns"]
    assert [(t["speaker"], t["mode"]) for t in turns] == [
        ("customer", None),
        ("concierge", "handoff"),
        ("technician", None),
    ]
    mine = technician(QUEUE, state="assigned", assignee=str(shop.technician))
    assert mine["conciergeConversations"]["totalCount"] == 1

    closed = technician(CLOSE, id=chat["id"])["closeConciergeConversation"]
    assert closed["conversation"]["state"] == "closed"
    assert technician(QUEUE)["conciergeConversations"]["totalCount"] == 0


def test_refusals_come_back_as_errors(
    niaga: Niaga, server: str, shop: Shop, cloud: FakeCloudApi, gemini: FakeGemini
) -> None:
    gemini.error(500)
    _ask(server, shop, cloud, "bisa antar jemput?")
    admin = _gql(niaga, server, shop, Role.ADMIN)
    chat = _until(lambda: admin(QUEUE)["conciergeConversations"]["edges"])[0]["node"]

    empty = admin(REPLY, id=chat["id"], text="   ")["replyToConciergeConversation"]
    assert (empty["__typename"], empty["field"]) == ("ValidationError", "text")
    bad_id = admin(ASSIGN, id=chat["id"], technician="bukan-id")["assignConciergeConversation"]
    assert (bad_id["__typename"], bad_id["field"]) == ("ValidationError", "technicianId")
    staff = _gql(niaga, server, shop, Role.STAFF).post(QUEUE)
    assert staff.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
