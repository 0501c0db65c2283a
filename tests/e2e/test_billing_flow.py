"""An ISP's month through GraphQL over HTTP: plan, subscription, billing run, invoice PDF,
isolir for non-payment, payment, reactivation."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import httpx
from pypdf import PdfReader

from adapters.bootstrap import Niaga
from application.shared.clock import FixedClock
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL

CREATE_PLAN = """
mutation($input: CreatePlanInput!) {
  createPlan(input: $input) {
    __typename
    ... on PlanSuccess { plan { id name price } }
    ... on Error { code message field }
  }
}"""
REGISTER = """
mutation($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { ... on RegisterCustomerSuccess { customer { id } } }
}"""
SUBSCRIBE = """
mutation($input: SubscribeInput!) {
  subscribe(input: $input) {
    __typename
    ... on SubscriptionSuccess { subscription { id state nextBillOn } }
    ... on Error { code message field }
  }
}"""
RUN_BILLING = """
mutation($on: Date) {
  runBilling(on: $on) {
    __typename
    ... on BillingRunSuccess { invoices total }
    ... on Error { code message }
  }
}"""
INVOICES = """
query($customerId: ID) {
  invoices(customerId: $customerId) {
    totalCount
    edges {
      node { id number status total dpp ppn balanceDue dueOn pdfUrl lines { description amount } }
    }
  }
}"""
CHANGE_PLAN = """
mutation($id: ID!, $planId: ID!) {
  changePlan(id: $id, planId: $planId) {
    __typename
    ... on SubscriptionSuccess { subscription { planName price } }
    ... on Error { code message field }
  }
}"""
INVOICE_LINES = """
query($customerId: ID) {
  invoices(customerId: $customerId) {
    edges { node { period subtotal total lines { kind description amount } } }
  }
}"""
RUN_DUNNING = """
mutation($on: Date) {
  runDunning(on: $on) { ... on DunningSuccess { reminders softLimited } ... on Error { code } }
}"""
SUBSCRIPTION_STATE = """
query { subscriptions { edges { node { id state } } } }
"""
PAY = """
mutation($input: RecordPaymentInput!) {
  recordPayment(input: $input) {
    __typename
    ... on PaymentSuccess { credit reactivatedSubscriptionIds allocations { invoiceId amount } }
    ... on Error { code message field }
  }
}"""
STATEMENT = """
query($id: ID!) {
  customerStatement(customerId: $id) { balance creditAvailable entries { kind debit credit } }
}
"""


def _data(gql: GraphQL, query: str, **variables: Any) -> Any:
    return gql(query, **variables)


def test_a_month_of_billing_through_graphql(niaga: Niaga, server: str, clock: FixedClock) -> None:
    tenant_id = niaga.tenants.create("RT/RW Net Berkah", Placement.SHARED)
    niaga.tenants.change_settings(tenant_id, pkp=True, invoice_prefix="BRK")
    token = niaga.tenants.issue_api_key(tenant_id, Role.OWNER, "e2e").token
    gql = GraphQL(server, token)

    plan = _data(
        gql,
        CREATE_PLAN,
        input={"name": "Paket 20 Mbps", "price": 150000, "routerProfile": "20M"},
    )["createPlan"]["plan"]
    customer = _data(gql, REGISTER, input={"name": "Budi", "phone": "081234567890"})[
        "registerCustomer"
    ]["customer"]
    subscription = _data(
        gql,
        SUBSCRIBE,
        input={
            "customerId": customer["id"],
            "planId": plan["id"],
            "billingDay": 10,
            "router": "core-1",
            "username": "budi",
            "activateOn": "2025-12-10",
        },
    )["subscribe"]["subscription"]
    assert subscription["state"] == "active"
    assert subscription["nextBillOn"] == "2026-01-10"

    billed = _data(gql, RUN_BILLING, on="2026-01-10")["runBilling"]
    assert billed == {"__typename": "BillingRunSuccess", "invoices": 1, "total": 166500}
    again = _data(gql, RUN_BILLING, on="2026-01-10")["runBilling"]
    assert (again["__typename"], again["code"]) == ("RefusedError", "ALREADY_BILLED")

    (edge,) = _data(gql, INVOICES, customerId=customer["id"])["invoices"]["edges"]
    invoice = edge["node"]
    assert (invoice["number"], invoice["dpp"], invoice["ppn"]) == ("BRK/2026/00001", 137500, 16500)
    assert invoice["dueOn"] == "2026-01-17"

    pdf = httpx.get(f"{server}{invoice['pdfUrl']}", headers=gql.headers, timeout=10)
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "BRK/2026/00001" in text
    assert "Rp166.500" in text
    assert httpx.get(f"{server}{invoice['pdfUrl']}", timeout=10).status_code == 401

    restricted = _data(gql, RUN_DUNNING, on="2026-01-21")["runDunning"]
    assert restricted["softLimited"] == 1
    states = _data(gql, SUBSCRIPTION_STATE)["subscriptions"]["edges"]
    assert states[0]["node"]["state"] == "soft_limited"

    clock.set(date(2026, 1, 22))
    paid = _data(
        gql,
        PAY,
        input={
            "customerId": customer["id"],
            "amount": 200000,
            "method": "cash",
            "reference": "KW-1",
        },
    )["recordPayment"]
    assert paid["reactivatedSubscriptionIds"] == [subscription["id"]]
    assert paid["credit"] == 33500
    states = _data(gql, SUBSCRIPTION_STATE)["subscriptions"]["edges"]
    assert states[0]["node"]["state"] == "active"

    statement = _data(gql, STATEMENT, id=customer["id"])["customerStatement"]
    assert statement["balance"] == -33500
    assert statement["creditAvailable"] == 33500


def test_an_upgrade_on_the_fourth_bills_each_plan_for_its_days(
    niaga: Niaga, server: str, clock: FixedClock
) -> None:
    tenant_id = niaga.tenants.create("RT/RW Net Cepat", Placement.SHARED)
    gql = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token)
    plans = [
        _data(gql, CREATE_PLAN, input={"name": name, "price": price, "routerProfile": profile})[
            "createPlan"
        ]["plan"]
        for name, price, profile in [("Paket 10", 150000, "10M"), ("Paket 20", 250000, "20M")]
    ]
    customer = _data(gql, REGISTER, input={"name": "Sari", "phone": "081311112222"})[
        "registerCustomer"
    ]["customer"]
    subscription = _data(
        gql,
        SUBSCRIBE,
        input={
            "customerId": customer["id"],
            "planId": plans[0]["id"],
            "billingDay": 1,
            "router": "core-1",
            "username": "sari",
            "activateOn": "2026-01-01",
        },
    )["subscribe"]["subscription"]

    clock.set(date(2026, 1, 4))
    changed = _data(gql, CHANGE_PLAN, id=subscription["id"], planId=plans[1]["id"])["changePlan"]
    assert changed["subscription"] == {"planName": "Paket 20", "price": 250000}
    billed = _data(gql, RUN_BILLING, on="2026-02-01")["runBilling"]

    # 150,000 for the cycle and 90,323 for the faster plan's last 28 of its 31 days: the same
    # as 3 days at 150,000 (14,516) and 28 at 250,000 (225,807); never 250,000 + 90,323.
    assert billed == {"__typename": "BillingRunSuccess", "invoices": 1, "total": 240323}
    (edge,) = _data(gql, INVOICE_LINES, customerId=customer["id"])["invoices"]["edges"]
    invoice = edge["node"]
    assert (invoice["period"], invoice["subtotal"], invoice["total"]) == (
        "2026-01-01..2026-02-01",
        240323,
        240323,
    )
    assert [(line["kind"], line["amount"]) for line in invoice["lines"]] == [
        ("plan", 150000),
        ("proration", 90323),
    ]


def test_bad_billing_input_is_refused_and_changes_nothing(niaga: Niaga, server: str) -> None:
    tenant_id = niaga.tenants.create("ISP Kecil", Placement.SHARED)
    gql = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token)
    zero = _data(gql, CREATE_PLAN, input={"name": "Gratis", "price": 0, "routerProfile": "1M"})
    assert zero["createPlan"]["code"] == "INVALID_VALUE"
    bad_mode = _data(
        gql,
        CREATE_PLAN,
        input={"name": "X", "price": 1000, "routerProfile": "1M", "billingMode": "weekly"},
    )
    assert bad_mode["createPlan"]["field"] == "billingMode"
    plan = _data(gql, CREATE_PLAN, input={"name": "10M", "price": 100000, "routerProfile": "10M"})
    customer = _data(gql, REGISTER, input={"name": "Ani", "phone": "081298765432"})
    day_31 = _data(
        gql,
        SUBSCRIBE,
        input={
            "customerId": customer["registerCustomer"]["customer"]["id"],
            "planId": plan["createPlan"]["plan"]["id"],
            "billingDay": 31,
            "router": "r1",
            "username": "ani",
        },
    )["subscribe"]
    assert (day_31["code"], day_31["field"]) == ("INVALID_VALUE", "billing_day")
    unknown_plan = _data(
        gql,
        SUBSCRIBE,
        input={
            "customerId": customer["registerCustomer"]["customer"]["id"],
            "planId": "00000000-0000-4000-8000-000000000000",
            "billingDay": 5,
            "router": "r1",
            "username": "ani",
        },
    )["subscribe"]
    assert unknown_plan["code"] == "NOT_FOUND"
    negative = _data(
        gql,
        PAY,
        input={
            "customerId": customer["registerCustomer"]["customer"]["id"],
            "amount": -5,
            "method": "cash",
            "reference": "X",
        },
    )["recordPayment"]
    assert negative["code"] == "INVALID_VALUE"
    assert _data(gql, SUBSCRIPTION_STATE)["subscriptions"]["edges"] == []
    staff = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.STAFF).token)
    refused = _data(
        staff,
        PAY,
        input={
            "customerId": customer["registerCustomer"]["customer"]["id"],
            "amount": 5000,
            "method": "cash",
            "reference": "Y",
        },
    )["recordPayment"]
    assert refused["code"] == "PERMISSION_DENIED"
