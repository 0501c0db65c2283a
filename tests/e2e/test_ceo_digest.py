"""The CEO digest through GraphQL over HTTP and the `niaga ai digest` command, with AI on (the
fake Gemini's insights), failing (500) and off (the template digest): `aiStatus` says which."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga, daily_scheduler
from adapters.shared.settings import Settings
from application.shared.clock import FixedClock
from application.shared.context import Principal
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.ai_support import ai_settings, gemini_fixture, platform_key  # noqa: F401 - fixtures
from tests.e2e.cli import run_niaga
from tests.e2e.conftest import GraphQL
from tests.integration.billing import Books

YESTERDAY = date(2026, 1, 4)
MORNING = datetime(2026, 1, 4, 22, 30, tzinfo=UTC)  # 05:30 WIB on the 5th
DIGEST = """
query($date: Date!) {
  ceoDigest(date: $date) {
    id date mode aiStatus whatsapp compiledAt
    figures {
      revenueIssued invoicesIssued revenueCollected paymentsReceived overdueTotal overdueCount
      newSubscriptions churnedSubscriptions vouchersSold voucherRevenue repairsPending
      repairsPastSla topCustomers { customerId name amount payments }
      voucherSales { agentId name vouchers revenue } lowStock { sku name available reorderPoint }
    }
    insights { title detail }
  }
}"""
DIGESTS = """
query($first: Int!, $after: String) {
  ceoDigests(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { date mode aiStatus } }
  }
}"""
RECIPIENTS = """
mutation($phones: [String!]!) {
  setCeoDigestRecipients(phones: $phones) {
    __typename
    ... on CeoDigestRecipientsSuccess { recipients }
    ... on Error { code message field }
  }
}"""


class Gql(GraphQL):
    def __call__(self, query: str, **variables: object) -> Any:
        return super().__call__(query, **variables)


def _gql(niaga: Niaga, server: str, tenant_id: UUID, role: Role = Role.OWNER) -> Gql:
    return Gql(server, niaga.tenants.issue_api_key(tenant_id, role).token)


def _seed(niaga: Niaga, owner: Principal, clock: FixedClock) -> UUID:
    clock.set_now(datetime(2026, 1, 4, 3, 0, tzinfo=UTC))
    books = Books(niaga, owner)
    bambang = books.customer("Bambang Sutrisno")
    books.invoice(bambang, 150_000, YESTERDAY, YESTERDAY + timedelta(days=7))
    books.pay(bambang, 120_000, YESTERDAY, "TRF-1")
    books.caught_up()
    clock.set_now(MORNING)
    return bambang


@pytest.mark.parametrize("ai", ["on", "failing", "off"])
def test_the_morning_digest_reads_through_graphql_with_ai_on_failing_and_off(
    ai: str, niaga: Niaga, server: str, owner: Principal, clock: FixedClock, gemini: FakeGemini
) -> None:
    bambang = _seed(niaga, owner, clock)
    platform_key(niaga, "key-a")
    gql = _gql(niaga, server, owner.tenant_id)
    if ai == "on":
        gemini.answer_json(
            {
                "insights": [
                    {"title": "Tagih sisa", "detail": "[REDACTED_NAME_1] masih kurang Rp30.000."},
                    {"title": "Jaga arus kas", "detail": "Penagihan 80% dari tagihan."},
                    {"title": "Tambah pelanggan", "detail": "Belum ada langganan baru."},
                ]
            }
        )
    elif ai == "failing":
        gemini.error(500)
    else:
        switched = gql("mutation { setAiEnabled(enabled: false) { __typename } }")
        assert switched["setAiEnabled"]["__typename"] == "AiSettingsSuccess"

    assert daily_scheduler(niaga).compile_digest(owner.tenant_id) is not None

    digest = gql(DIGEST, date="2026-01-04")["ceoDigest"]
    assert digest["date"] == "2026-01-04"
    expected = {"on": ("ai", "ok"), "failing": ("template", "provider_error")}
    assert (digest["mode"], digest["aiStatus"]) == expected.get(ai, ("template", "off"))
    figures = digest["figures"]
    assert (figures["revenueIssued"], figures["revenueCollected"]) == (150_000, 120_000)
    assert figures["topCustomers"] == [
        {"customerId": str(bambang), "name": "Bambang Sutrisno", "amount": 120_000, "payments": 1}
    ]
    assert len(digest["insights"]) == 3
    if ai == "on":
        assert digest["insights"][0]["detail"] == "Bambang Sutrisno masih kurang Rp30.000."
    else:
        assert digest["insights"][0]["detail"].startswith("Pembayaran masuk Rp120.000 atau 80%")
    assert digest["whatsapp"] == []  # nobody to send it to yet
    assert all("Bambang" not in body for body in gemini.bodies())
    assert bool(gemini.requests) is (ai != "off")


def test_digests_page_newest_first_and_only_owners_and_admins_read_or_route_them(
    niaga: Niaga, server: str, owner: Principal, clock: FixedClock
) -> None:
    clock.set_now(MORNING)
    for n in range(3):
        niaga.services.ceo_digests.compile(owner, YESTERDAY - timedelta(days=n))
    admin = _gql(niaga, server, owner.tenant_id, Role.ADMIN)

    first = admin(DIGESTS, first=2)["ceoDigests"]
    assert [e["node"]["date"] for e in first["edges"]] == ["2026-01-04", "2026-01-03"]
    assert first["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"]
    rest = admin(DIGESTS, first=2, after=first["pageInfo"]["endCursor"])["ceoDigests"]
    assert [e["node"]["date"] for e in rest["edges"]] == ["2026-01-02"]
    assert {e["node"]["aiStatus"] for e in first["edges"]} == {"no_key"}

    missing = admin.post(DIGEST, date="2025-12-01").json()
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    too_many = admin.post(DIGESTS, first=1000).json()
    assert too_many["errors"][0]["message"] == "first must be between 1 and 100"

    routed = admin(RECIPIENTS, phones=["0811 2233 4455"])["setCeoDigestRecipients"]
    assert routed == {"__typename": "CeoDigestRecipientsSuccess", "recipients": ["+6281122334455"]}
    assert admin("{ ceoDigestRecipients }")["ceoDigestRecipients"] == ["+62811****4455"]
    bad = admin(RECIPIENTS, phones=["12345"])["setCeoDigestRecipients"]
    assert bad["__typename"] == "ValidationError"

    staff = _gql(niaga, server, owner.tenant_id, Role.STAFF)
    for read, variables in ((DIGEST, {"date": "2026-01-04"}), (DIGESTS, {"first": 2})):
        body = staff.post(read, **variables).json()
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    denied = staff(RECIPIENTS, phones=["081100000000"])["setCeoDigestRecipients"]
    assert denied["__typename"] == "PermissionDeniedError"

    other = niaga.tenants.create("Servis HP Jaya", Placement.SHARED)
    theirs = _gql(niaga, server, other)
    assert theirs(DIGESTS, first=5)["ceoDigests"]["edges"] == []


def test_niaga_ai_digest_compiles_one_now_and_again_finds_the_same(
    niaga: Niaga, settings: Settings, owner: Principal
) -> None:
    args = ("ai", "digest", str(owner.tenant_id), "--date", "2026-01-04")
    first = run_niaga(settings, *args)
    assert first.returncode == 0, first.stderr
    assert "CEO digest 04/01/2026 (template, AI: no_key)" in first.stdout
    assert "Tagihan terbit: Rp0 (0 tagihan)" in first.stdout
    again = run_niaga(settings, *args)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    page = niaga.services.ceo_digest_queries.digests(owner, 10, None)
    assert [v.day for v in page.items] == [YESTERDAY]

    future = run_niaga(settings, "ai", "digest", str(owner.tenant_id), "--date", "2999-01-01")
    assert future.returncode == 1
    assert "has not" in future.stderr
