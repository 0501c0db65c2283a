"""The pre-check ("digital guard") through GraphQL over HTTP, against a fake Gemini on a real
socket: the SOP rules answer the same with AI on, failing or off, the model's remarks come as
reasons of source AI, the tenant edits its thresholds, a spent budget degrades the check, every
check's cost reaches `aiCosts`, and nothing personal reaches the model."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga
from application.billing.invoicing import DraftInvoice, LineInput
from application.customers.customers import RegisterCustomer
from application.repairs.inventory import RegisterItem
from application.repairs.repairs import QuoteLabour, QuotePart, ReceiveJob
from application.shared.context import Principal
from domain.shared.roles import Role
from tests.ai_support import (  # noqa: F401 - fixtures
    OPERATOR,
    ai_settings,
    gemini_fixture,
    platform_key,
)
from tests.e2e.conftest import GraphQL
from tests.integration.read_models import assert_live_equals_rebuild, store_of

NAME, PHONE, EMAIL = "Budi Santoso", "0812-3456-7890", "budi.santoso@example.id"
NIK, ADDRESS = "3273012501900003", "Jl. Melati No. 5 Bandung"
RESULT = """
  __typename
  ... on PrecheckSuccess { precheck { id valid aiStatus reasons { source code message } } }
  ... on Error { code message field }
"""
INVOICE = f"mutation($id: ID!) {{ precheckInvoice(id: $id) {{ {RESULT} }} }}"
QUOTE = f"mutation($id: ID!) {{ precheckQuote(id: $id) {{ {RESULT} }} }}"
DRAFT = (
    "mutation($input: PrecheckInvoiceDraftInput!) "
    f"{{ precheckInvoiceDraft(input: $input) {{ {RESULT} }} }}"
)
SET_RULES = """
mutation($input: PrecheckRulesInput!) {
  setPrecheckRules(input: $input) {
    __typename
    ... on PrecheckRulesSuccess {
      rules { maxDiscountPercent paymentTermsDays followsBillingPolicy ppnToleranceRupiah }
    }
    ... on Error { code message field }
  }
}"""
RULES = "{ precheckRules { maxDiscountPercent paymentTermsDays followsBillingPolicy } }"
COSTS = """
query($month: String) {
  aiCosts(month: $month) {
    month calls inputTokens outputTokens cost budget budgetReached
    lines { feature model calls inputTokens outputTokens cost failures { outcome calls } }
  }
}"""
HALF_OFF = {"source": "RULE", "code": "DISCOUNT_ABOVE_MAX",
            "message": "Diskon 50% melanggar SOP maksimal 20%"}  # fmt: skip
REMARK = {
    "unusual": True,
    "findings": [{"code": "harga janggal", "message": "Harga paket jauh di atas biasanya"}],
}


class Gql(GraphQL):
    def __call__(self, query: str, **variables: object) -> Any:
        return super().__call__(query, **variables)


def _gql(niaga: Niaga, server: str, tenant_id: UUID, role: Role = Role.OWNER) -> Gql:
    return Gql(server, niaga.tenants.issue_api_key(tenant_id, role).token)


def _customer(niaga: Niaga, owner: Principal) -> UUID:
    command = RegisterCustomer(NAME, PHONE, EMAIL, NIK, ADDRESS)
    return niaga.services.customers.register(owner, command)


def _half_off_invoice(niaga: Niaga, owner: Principal, customer_id: UUID) -> UUID:
    """An issued invoice of a PKP tenant with 50% off; its line names the customer."""
    niaga.tenants.change_settings(owner.tenant_id, pkp=True)
    lines = [
        LineInput("charge", f"Pasang baru a.n. {NAME} ({PHONE}, {EMAIL})", 1, 300_000),
        LineInput("discount", "Diskon pelanggan baru", 1, -150_000),
    ]
    invoice_id = niaga.services.invoicing.draft(owner, DraftInvoice(customer_id, lines))
    niaga.services.invoicing.issue(owner, invoice_id)
    return invoice_id


def _precheck(gql: Gql, query: str, **variables: object) -> dict[str, Any]:
    answer = next(iter(gql(query, **variables).values()))
    assert answer["__typename"] == "PrecheckSuccess", answer
    precheck: dict[str, Any] = answer["precheck"]
    return precheck


def _rules_only(precheck: dict[str, Any]) -> list[dict[str, str]]:
    return [r for r in precheck["reasons"] if r["source"] == "RULE"]


def _nothing_personal_sent(gemini: FakeGemini) -> None:
    for value in (NAME, PHONE, "81234567890", EMAIL, NIK, "Melati No. 5"):
        assert all(value not in body for body in gemini.bodies()), value


def test_with_ai_on_the_rules_answer_first_and_the_models_remark_follows_masked_and_metered(
    niaga: Niaga, server: str, owner: Principal, gemini: FakeGemini
) -> None:
    platform_key(niaga, "key-a")
    gql = _gql(niaga, server, owner.tenant_id)
    invoice_id = _half_off_invoice(niaga, owner, _customer(niaga, owner))
    gemini.answer_json(REMARK)

    precheck = _precheck(gql, INVOICE, id=str(invoice_id))

    assert precheck["valid"] is False
    assert precheck["aiStatus"] == "ok"
    assert precheck["reasons"] == [
        HALF_OFF,
        {"source": "AI", "code": "HARGA_JANGGAL", "message": "Harga paket jauh di atas biasanya"},
    ]
    [call] = gemini.calls("generateContent")
    assert "Diskon" in " ".join(call.texts())
    assert "[REDACTED_NAME_1]" in " ".join(call.texts())
    _nothing_personal_sent(gemini)

    costs = gql(COSTS)["aiCosts"]
    [line] = costs["lines"]
    assert (line["feature"], line["model"], line["calls"]) == ("precheck", "gemini-2.5-flash", 1)
    assert min(line["inputTokens"], line["outputTokens"]) > 0
    assert line["failures"] == []
    # PRICES: 4,800 and 40,000 rupiah per million tokens in and out, exactly.
    expected = line["inputTokens"] * 4_800 + line["outputTokens"] * 40_000
    assert costs["cost"] == f"{expected // 1_000_000}.{expected % 1_000_000:06d}"
    assert (costs["budget"], costs["budgetReached"]) == (None, False)
    assert_live_equals_rebuild(niaga, store_of(niaga, owner.tenant_id), ("ai_costs",))


@pytest.mark.parametrize(
    ("failure", "status"),
    [("error", "provider_error"), ("quota", "quota"), ("invalid_json", "invalid_answer")],
)
def test_with_the_model_failing_the_rules_still_answer_and_say_why_ai_did_not(
    niaga: Niaga, server: str, owner: Principal, gemini: FakeGemini, failure: str, status: str
) -> None:
    platform_key(niaga, "key-a")
    gql = _gql(niaga, server, owner.tenant_id)
    invoice_id = _half_off_invoice(niaga, owner, _customer(niaga, owner))
    getattr(gemini, failure)()  # every request: 500, 429 RESOURCE_EXHAUSTED, or not JSON

    precheck = _precheck(gql, INVOICE, id=str(invoice_id))

    assert (precheck["valid"], precheck["aiStatus"]) == (False, status)
    assert precheck["reasons"] == [HALF_OFF]
    assert gemini.calls("generateContent")  # it was asked, and failed
    [line] = gql(COSTS)["aiCosts"]["lines"]
    assert line["failures"] == [{"outcome": status, "calls": 1}]


def test_with_ai_off_or_without_a_key_the_rules_answer_alone_and_nothing_is_sent(
    niaga: Niaga, server: str, owner: Principal, gemini: FakeGemini
) -> None:
    gql = _gql(niaga, server, owner.tenant_id)
    invoice_id = _half_off_invoice(niaga, owner, _customer(niaga, owner))

    no_key = _precheck(gql, INVOICE, id=str(invoice_id))
    platform_key(niaga, "key-a")
    niaga.services.ai_switch.switch(owner, False)
    off = _precheck(gql, INVOICE, id=str(invoice_id))

    assert (no_key["aiStatus"], off["aiStatus"]) == ("no_key", "off")
    assert no_key["reasons"] == off["reasons"] == [HALF_OFF]
    assert gemini.requests == []
    failures = {f["outcome"] for line in gql(COSTS)["aiCosts"]["lines"] for f in line["failures"]}
    assert failures == {"no_key", "off"}


def test_a_draft_is_checked_against_discount_ppn_dates_amounts_and_the_customer(
    niaga: Niaga, server: str, owner: Principal, gemini: FakeGemini
) -> None:
    platform_key(niaga, "key-a")
    niaga.tenants.change_settings(owner.tenant_id, pkp=True)
    gql = _gql(niaga, server, owner.tenant_id)
    customer_id = _customer(niaga, owner)
    draft: dict[str, Any] = {
        "customerId": str(customer_id),
        "lines": [
            {"description": "Paket Rumah 20 Mbps", "unitPrice": 150_000},
            {"description": "Biaya pasang", "unitPrice": 0},
        ],
        "discountPercent": 50,
        "ppn": 18_000,
        "issuedOn": "2026-01-05",
        "dueOn": "2026-02-20",
    }

    precheck = _precheck(gql, DRAFT, input=draft)

    assert [r["code"] for r in precheck["reasons"]] == [
        "NON_POSITIVE_AMOUNT",
        "DISCOUNT_ABOVE_MAX",
        "PPN_MISMATCH",
        "DUE_BEYOND_TERMS",
    ]
    assert precheck["aiStatus"] == "ok"  # the fake saw nothing unusual
    fixed = {**draft, "discountPercent": 10, "ppn": None, "dueOn": None}
    fixed["lines"] = draft["lines"][:1]
    assert _precheck(gql, DRAFT, input=fixed) | {"id": None} == {
        "id": None, "valid": True, "aiStatus": "ok", "reasons": [],
    }  # fmt: skip

    niaga.services.customers.forget(owner, customer_id)
    forgotten = _precheck(gql, DRAFT, input=fixed)
    assert [r["code"] for r in forgotten["reasons"]] == ["CUSTOMER_FORGOTTEN"]
    _nothing_personal_sent(gemini)


def test_a_draft_with_bad_input_is_refused_naming_the_field_and_nothing_is_recorded(
    niaga: Niaga, server: str, owner: Principal
) -> None:
    gql = _gql(niaga, server, owner.tenant_id)
    customer_id = str(_customer(niaga, owner))
    line = {"description": "Paket", "unitPrice": 100_000}
    for bad, field in (
        ({"customerId": customer_id, "lines": [], "discountPercent": 0}, "lines"),
        ({"customerId": customer_id, "lines": [line], "discountPercent": 120}, "discount_percent"),
        ({"customerId": customer_id, "lines": [{**line, "description": "a\x00b"}]}, "description"),
        ({"customerId": "bukan-id", "lines": [line]}, "customerId"),
        ({"customerId": str(UUID(int=7)), "lines": [line]}, "customer_id"),
    ):
        refused = gql(DRAFT, input=bad)["precheckInvoiceDraft"]
        assert refused["field"] == field, refused
    assert gql(COSTS)["aiCosts"]["calls"] == 0


def test_a_repair_quote_is_checked_for_parts_below_cost_and_empty_labour(
    niaga: Niaga, server: str, owner: Principal, gemini: FakeGemini
) -> None:
    platform_key(niaga, "key-a")
    services = niaga.services
    customer_id = _customer(niaga, owner)
    item = RegisterItem("LCD-A52", "LCD Samsung A52", cost=600_000, price=450_000, opening_stock=2)
    item_id = services.inventory.register(owner, item)
    job_id = services.repairs.receive(
        owner, ReceiveJob(customer_id, "ponsel", "Samsung", "A52", "Layar pecah")
    )
    gql = _gql(niaga, server, owner.tenant_id, Role.TECHNICIAN)
    before = gql(QUOTE, id=str(job_id))["precheckQuote"]
    assert (before["code"], before["field"]) == ("APPLICATION_ERROR", "id")
    services.repairs.diagnose(owner, job_id, "LCD retak")
    services.repairs.quote(
        owner, job_id, [QuotePart(item_id, 1)], [QuoteLabour("Jasa ganti LCD", 0)]
    )

    precheck = _precheck(gql, QUOTE, id=str(job_id))

    assert [(r["source"], r["code"]) for r in precheck["reasons"]] == [
        ("RULE", "NON_POSITIVE_AMOUNT"),
        ("RULE", "BELOW_COST"),
    ]
    assert precheck["aiStatus"] == "ok"
    cashier = _gql(niaga, server, owner.tenant_id, Role.FINANCE)
    assert cashier(QUOTE, id=str(job_id))["precheckQuote"]["__typename"] == "PermissionDeniedError"
    _nothing_personal_sent(gemini)


def test_owners_set_the_thresholds_others_may_not_and_the_rules_follow_them(
    niaga: Niaga, server: str, owner: Principal
) -> None:
    gql = _gql(niaga, server, owner.tenant_id)
    invoice_id = _half_off_invoice(niaga, owner, _customer(niaga, owner))
    assert gql(RULES)["precheckRules"] == {
        "maxDiscountPercent": 20, "paymentTermsDays": 7, "followsBillingPolicy": True,
    }  # fmt: skip

    manager = _gql(niaga, server, owner.tenant_id, Role.MANAGER)
    denied = manager(SET_RULES, input={"maxDiscountPercent": 60})["setPrecheckRules"]
    assert denied["__typename"] == "PermissionDeniedError"
    bad = gql(SET_RULES, input={"maxDiscountPercent": 101})["setPrecheckRules"]
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "max_discount_percent")
    assert _rules_only(_precheck(gql, INVOICE, id=str(invoice_id))) == [HALF_OFF]

    changed = gql(SET_RULES, input={"maxDiscountPercent": 60, "paymentTermsDays": 30})
    assert changed["setPrecheckRules"]["rules"] == {
        "maxDiscountPercent": 60, "paymentTermsDays": 30, "followsBillingPolicy": False,
        "ppnToleranceRupiah": 2,
    }  # fmt: skip
    assert _precheck(gql, INVOICE, id=str(invoice_id))["valid"] is True


def test_a_spent_monthly_budget_degrades_the_check_to_its_rules(
    niaga: Niaga, server: str, owner: Principal, gemini: FakeGemini
) -> None:
    platform_key(niaga, "key-a")
    gql = _gql(niaga, server, owner.tenant_id)
    invoice_id = _half_off_invoice(niaga, owner, _customer(niaga, owner))
    niaga.services.ai_budgets.set(owner.tenant_id, 1, OPERATOR)  # one rupiah a month

    checked: list[tuple[Decimal, dict[str, Any]]] = []  # (cost before the check, the check)
    while not checked or checked[-1][1]["aiStatus"] == "ok":
        assert len(checked) < 10, "the budget never stopped the model"
        spent = Decimal(gql(COSTS)["aiCosts"]["cost"])
        checked.append((spent, _precheck(gql, INVOICE, id=str(invoice_id))))

    *answered, (spent, refused) = checked
    assert all(cost < 1 for cost, _ in answered)  # asked while under the budget
    assert spent >= 1
    assert refused["aiStatus"] == "budget"
    assert refused["reasons"] == [HALF_OFF]  # the rules answered alone
    assert len(gemini.calls("generateContent")) == len(answered)
    after = gql(COSTS)["aiCosts"]
    assert (after["budget"], after["budgetReached"]) == (1, True)
    assert {"outcome": "budget", "calls": 1} in [f for ln in after["lines"] for f in ln["failures"]]

    niaga.services.ai_budgets.set(owner.tenant_id, None, OPERATOR)
    assert _precheck(gql, INVOICE, id=str(invoice_id))["aiStatus"] == "ok"
