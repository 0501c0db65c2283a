"""The quote calculator through GraphQL over HTTP, with a fake Gemini on a real socket: a rate
card, an estimate with and without an AI summary (and without one when the model fails or AI is
off), a quotation accepted and invoiced once through billing (its numbering, PPN and a payment
link), the quotation list, and bad input refused naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga
from adapters.payments.gateways.fakes import FakeMidtrans
from application.customers.customers import RegisterCustomer
from application.payments.gateway_accounts import ConfigureGateway
from application.shared.context import Principal
from domain.shared.roles import Role
from tests.ai_support import ai_settings, gemini_fixture, platform_key  # noqa: F401 - fixtures
from tests.e2e.conftest import GraphQL
from tests.integration.read_models import assert_live_equals_rebuild, store_of

CLIENT = "Budi Santoso"
CARD = "rateCard { features { code name basePrice } multipliers { simple standard complex } "
CARD += "projectManagementPercent }"
CARD_RESULT = (
    f"__typename ... on RateCardSuccess {{ {CARD} }} ... on Error {{ code message field }}"
)
SET_FEATURE = f"""
mutation($code: String!, $name: String!, $price: Int!) {{
  setRateCardFeature(code: $code, name: $name, basePrice: $price) {{ {CARD_RESULT} }}
}}"""
MULTIPLIERS = f"""
mutation($simple: Float!, $standard: Float!, $complex: Float!) {{
  setComplexityMultipliers(simple: $simple, standard: $standard, complex: $complex) {{
    {CARD_RESULT}
  }}
}}"""
MANAGEMENT = f"""
mutation($percent: Int) {{ setProjectManagementPercent(percent: $percent) {{ {CARD_RESULT} }} }}
"""
ESTIMATE = """
mutation($input: QuoteInput!, $withSummary: Boolean!) {
  estimateQuote(input: $input, withSummary: $withSummary) {
    __typename
    ... on EstimateQuoteSuccess { estimate {
      complexity lines { code name basePrice multiplier amount }
      projectManagementPercent projectManagement subtotal dpp ppn total
      summary summaryUnavailable } }
    ... on Error { code message field }
  }
}"""
QUOTATION = """id number customerId customerName status complexity total ppn validUntil notes
  summary invoiceId invoiceNumber lines { code amount }"""
RESULT = f"__typename ... on QuotationSuccess {{ quotation {{ {QUOTATION} }} }}"
RESULT += " ... on Error { code message field }"
CREATE = f"""
mutation($input: QuoteInput!, $customerId: ID!, $summary: String) {{
  createQuotation(input: $input, customerId: $customerId, summary: $summary) {{ {RESULT} }}
}}"""
ACCEPT = f"mutation($id: ID!) {{ acceptQuotation(id: $id) {{ {RESULT} }} }}"
DECLINE = (
    f'mutation($id: ID!) {{ declineQuotation(id: $id, reason: "Belum ada dana") {{ {RESULT} }} }}'
)
SEND = f"mutation($id: ID!) {{ sendQuotation(id: $id) {{ {RESULT} }} }}"
INVOICE_QUOTATION = """
mutation($id: ID!) {
  invoiceQuotation(id: $id) {
    __typename
    ... on InvoiceQuotationSuccess { invoiceId invoiceNumber quotation { status invoiceNumber } }
    ... on Error { code message field }
  }
}"""
QUOTATIONS = f"""
query($status: String, $search: String) {{
  quotations(status: $status, search: $search, first: 10) {{
    totalCount edges {{ node {{ {QUOTATION} }} }}
  }}
}}"""
INVOICE = "query($id: ID!) { invoice(id: $id) { number status subtotal dpp ppn total lines { description unitPrice } } }"  # noqa: E501
INVOICES = "query { invoices { totalCount } }"
COSTS = "{ aiCosts { lines { feature calls failures { outcome calls } } } }"
LINK = """
mutation($invoice: ID!) {
  createPaymentLink(invoiceId: $invoice, gateway: "midtrans") {
    __typename ... on PaymentLinkSuccess { link { url } } ... on Error { code message }
  }
}"""
REQUEST = {
    "features": ["login", "katalog", "bayar"],
    "complexity": "standard",
    "clientName": CLIENT,
    "notes": "Toko online batik; hubungi budi.santoso@example.id",
}


class Gql(GraphQL):
    def __call__(self, query: str, **variables: object) -> Any:
        return super().__call__(query, **variables)

    def field(self, query: str, **variables: object) -> Any:
        """The one root field's answer."""
        return next(iter(self(query, **variables).values()))


@pytest.fixture
def midtrans() -> Iterator[FakeMidtrans]:
    fake = FakeMidtrans("SB-Mid-server-uji")
    fake.start()
    yield fake
    fake.stop()


def _gql(niaga: Niaga, server: str, tenant_id: UUID, role: Role = Role.OWNER) -> Gql:
    return Gql(server, niaga.tenants.issue_api_key(tenant_id, role).token)


def _rate_card(gql: Gql) -> dict[str, Any]:
    for code, name, price in (
        ("login", "Login & registrasi", 3_000_000),
        ("katalog", "Katalog produk", 4_500_000),
        ("bayar", "Pembayaran online", 7_333_333),
    ):
        assert gql.field(SET_FEATURE, code=code, name=name, price=price)["__typename"] == (
            "RateCardSuccess"
        )
    gql.field(MULTIPLIERS, simple=1.0, standard=1.5, complex=2.2)
    card: dict[str, Any] = gql.field(MANAGEMENT, percent=10)["rateCard"]
    return card


def _customer(niaga: Niaga, owner: Principal) -> UUID:
    command = RegisterCustomer(CLIENT, "0812-3456-7890", "budi.santoso@example.id")
    return niaga.services.customers.register(owner, command)


def test_a_rate_card_prices_an_estimate_that_becomes_a_quotation_and_one_invoice(
    niaga: Niaga, server: str, owner: Principal, gemini: FakeGemini, midtrans: FakeMidtrans
) -> None:
    niaga.tenants.change_settings(owner.tenant_id, pkp=True)
    platform_key(niaga, "key-a")
    gql = _gql(niaga, server, owner.tenant_id)
    card = _rate_card(gql)
    assert card["multipliers"] == {"simple": 1.0, "standard": 1.5, "complex": 2.2}
    assert [f["code"] for f in card["features"]] == ["bayar", "katalog", "login"]

    plain = gql.field(ESTIMATE, input=REQUEST, withSummary=False)["estimate"]
    assert [line["amount"] for line in plain["lines"]] == [4_500_000, 6_750_000, 10_999_999]
    assert (plain["projectManagement"], plain["subtotal"]) == (2_224_999, 24_474_998)
    assert (plain["dpp"], plain["ppn"], plain["total"]) == (22_435_414, 2_692_249, 27_167_247)
    assert (plain["summary"], plain["summaryUnavailable"]) == (None, None)
    assert gemini.requests == []  # no summary asked, no model asked

    gemini.answer("Proyek toko online untuk [REDACTED_NAME_1]: login, katalog dan pembayaran.")
    summarised = gql.field(ESTIMATE, input=REQUEST, withSummary=True)["estimate"]
    assert summarised["summary"] == (
        "Proyek toko online untuk Budi Santoso: login, katalog dan pembayaran."
    )
    assert summarised["summaryUnavailable"] is None
    assert summarised["total"] == plain["total"]
    [asked] = gemini.calls("generateContent")
    assert "Pembayaran online" in " ".join(asked.texts())
    assert all(CLIENT not in body and "budi.santoso" not in body for body in gemini.bodies())
    [cost] = gql(COSTS)["aiCosts"]["lines"]
    assert (cost["feature"], cost["calls"], cost["failures"]) == ("quote_summary", 1, [])

    customer_id = _customer(niaga, owner)
    created = gql.field(
        CREATE, input=REQUEST, customerId=str(customer_id), summary=summarised["summary"]
    )
    quotation = created["quotation"]
    assert created["__typename"] == "QuotationSuccess", created
    assert (quotation["number"], quotation["status"]) == ("PNW/2026/00001", "draft")
    assert (quotation["customerName"], quotation["total"]) == (CLIENT, 27_167_247)
    assert quotation["validUntil"] == "2026-02-04"  # 30 days from 5 January
    gql.field(SET_FEATURE, code="login", name="Login & registrasi", price=9_000_000)
    assert gql.field(SEND, id=quotation["id"])["quotation"]["status"] == "sent"
    assert gql.field(ACCEPT, id=quotation["id"])["quotation"]["status"] == "accepted"

    invoiced = gql.field(INVOICE_QUOTATION, id=quotation["id"])
    assert invoiced["__typename"] == "InvoiceQuotationSuccess", invoiced
    assert invoiced["invoiceNumber"].endswith("/2026/00001")
    assert invoiced["quotation"] == {
        "status": "invoiced",
        "invoiceNumber": invoiced["invoiceNumber"],
    }
    invoice = gql(INVOICE, id=invoiced["invoiceId"])["invoice"]
    assert (invoice["status"], invoice["ppn"], invoice["total"]) == (
        "issued",
        2_692_249,
        27_167_247,
    )
    assert invoice["lines"][0] == {
        "description": "Login & registrasi (kompleksitas standar, x1,5)",
        "unitPrice": 4_500_000,  # frozen: the later price change is not the quotation's
    }
    assert invoice["lines"][-1] == {"description": "Manajemen proyek (10%)", "unitPrice": 2_224_999}

    again = gql.field(INVOICE_QUOTATION, id=quotation["id"])
    assert (again["__typename"], again["code"]) == ("RefusedError", "QUOTATION_ALREADY_INVOICED")
    assert invoiced["invoiceNumber"] in again["message"]
    assert gql(INVOICES)["invoices"]["totalCount"] == 1

    niaga.gateway_accounts.configure(
        owner,
        ConfigureGateway(
            "midtrans",
            {"server_key": midtrans.server_key},
            {"api": midtrans.url, "snap": f"{midtrans.url}/snap/v1"},
        ),
    )
    link = gql.field(LINK, invoice=invoiced["invoiceId"])
    assert link["__typename"] == "PaymentLinkSuccess", link

    listed = gql(QUOTATIONS, status="invoiced", search="budi")["quotations"]
    assert listed["totalCount"] == 1
    assert listed["edges"][0]["node"]["invoiceId"] == invoiced["invoiceId"]
    assert gql(QUOTATIONS, status="draft")["quotations"]["totalCount"] == 0
    assert_live_equals_rebuild(
        niaga, store_of(niaga, owner.tenant_id), ("quotation_list", "ai_costs")
    )


@pytest.mark.parametrize(("ai", "reason"), [("failing", "provider_error"), ("off", "off")])
def test_an_estimate_comes_without_its_summary_and_says_why_when_ai_cannot_write_it(
    ai: str, reason: str, niaga: Niaga, server: str, owner: Principal, gemini: FakeGemini
) -> None:
    platform_key(niaga, "key-a")
    gql = _gql(niaga, server, owner.tenant_id)
    _rate_card(gql)
    if ai == "failing":
        gemini.error(500)
    else:
        niaga.services.ai_switch.switch(owner, False)

    answer = gql.field(ESTIMATE, input=REQUEST, withSummary=True)

    assert answer["__typename"] == "EstimateQuoteSuccess", answer
    estimate = answer["estimate"]
    assert (estimate["summary"], estimate["summaryUnavailable"]) == (None, reason)
    assert estimate["total"] == 24_474_998  # no PKP: no PPN; the prices answer all the same
    assert bool(gemini.requests) is (ai == "failing")
    [cost] = gql(COSTS)["aiCosts"]["lines"]
    assert cost["failures"] == [{"outcome": reason, "calls": 1}]


def test_bad_input_is_refused_naming_the_field_and_changes_nothing(
    niaga: Niaga, server: str, owner: Principal
) -> None:
    gql = _gql(niaga, server, owner.tenant_id)
    before = _rate_card(gql)

    def refused(query: str, **variables: object) -> tuple[str, str | None]:
        answer = gql.field(query, **variables)
        assert answer["__typename"] == "ValidationError", answer
        return answer["code"], answer["field"]

    invalid = "INVALID_VALUE"
    unknown = {**REQUEST, "features": ["login", "website"]}
    assert refused(ESTIMATE, input=unknown, withSummary=False) == (invalid, "features")
    empty = {**REQUEST, "features": []}
    assert refused(ESTIMATE, input=empty, withSummary=False) == (invalid, "features")
    hard = {**REQUEST, "complexity": "rumit"}
    assert refused(ESTIMATE, input=hard, withSummary=False) == (invalid, "complexity")
    negative = {"code": "seo", "name": "SEO", "price": -500_000}
    assert refused(SET_FEATURE, **negative) == (invalid, "base_price")
    assert refused(MULTIPLIERS, simple=1.0, standard=0.0, complex=2.2) == (invalid, "standard")
    assert refused(MULTIPLIERS, simple=-1.0, standard=1.5, complex=2.2) == (invalid, "simple")
    assert gql(f"{{ {CARD} }}")["rateCard"] == before

    customer_id = str(_customer(niaga, owner))
    declined = gql.field(CREATE, input=REQUEST, customerId=customer_id)["quotation"]
    assert gql.field(DECLINE, id=declined["id"])["quotation"]["status"] == "declined"
    not_accepted = gql.field(INVOICE_QUOTATION, id=declined["id"])
    assert (not_accepted["__typename"], not_accepted["code"]) == (
        "RefusedError",
        "QUOTATION_REFUSED",
    )
    assert gql(INVOICES)["invoices"]["totalCount"] == 0

    staff = _gql(niaga, server, owner.tenant_id, Role.STAFF)
    assert staff.field(INVOICE_QUOTATION, id=declined["id"])["code"] == "PERMISSION_DENIED"
    agent = _gql(niaga, server, owner.tenant_id, Role.AGENT)
    denied = agent.post(f"{{ {CARD} }}").json()
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
