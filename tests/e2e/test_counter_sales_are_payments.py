"""Counter sales over real HTTP are payments like any other: two paid sales show as paid
invoices, as money collected in the revenue report, as credits on the customer's statement (which
ends at nothing owed), and in the public REST API's payment list."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.bootstrap import Niaga
from application.shared.context import Principal
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL

SALE = """
mutation($input: CounterSaleInput!) { counterSale(input: $input) {
  __typename ... on InvoicedSuccess { invoiceId number total } ... on Error { code message }
} }"""
BOOKS = """
query($id: ID!) {
  invoices(customerId: $id) { edges { node { id number status total balanceDue } } }
  revenueByMonth(year: 2026) { month issued collected }
  customerStatement(customerId: $id) {
    balance creditAvailable entries { kind reference debit credit }
  }
}"""


def _customer(gql: GraphQL) -> str:
    registered: Any = gql(
        'mutation { registerCustomer(input: {name: "Dewi", phone: "081377788899"}) '
        "{ ... on RegisterCustomerSuccess { customer { id } } } }"
    )
    customer_id: str = registered["registerCustomer"]["customer"]["id"]
    return customer_id


def _item(gql: GraphQL) -> str:
    registered: Any = gql(
        'mutation { registerInventoryItem(input: {sku: "CASE-A5", name: "Casing Oppo A5", '
        "cost: 20000, price: 50000, openingStock: 5}) { ... on InventoryItemSuccess "
        "{ item { id } } } }"
    )
    item_id: str = registered["registerInventoryItem"]["item"]["id"]
    return item_id


def _sell(gql: GraphQL, sale: dict[str, Any]) -> dict[str, Any]:
    sold: dict[str, Any] = gql(SALE, input=sale)["counterSale"]  # type: ignore[assignment]
    assert sold["__typename"] == "InvoicedSuccess", sold
    return sold


def test_two_paid_counter_sales_are_collected_credited_and_listed_as_payments(
    niaga: Niaga, owner: Principal, server: str
) -> None:
    token = niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER).token
    gql = GraphQL(server, token)
    customer, item = _customer(gql), _item(gql)
    cash = _sell(
        gql,
        {
            "customerId": customer,
            "lines": [{"itemId": item, "quantity": 2}],
            "payments": [{"method": "cash", "amount": 100_000}],
        },
    )
    split = _sell(
        gql,
        {
            "customerId": customer,
            "lines": [{"description": "Jasa pasang anti gores", "unitPrice": 25_000}],
            "payments": [
                {"method": "qris", "amount": 15_000},
                {"method": "cash", "amount": 10_000},
            ],
        },
    )

    books: Any = gql(BOOKS, id=customer)

    invoices = sorted(
        (e["node"]["number"], e["node"]["status"], e["node"]["balanceDue"])
        for e in books["invoices"]["edges"]
    )
    assert invoices == [(cash["number"], "paid", 0), (split["number"], "paid", 0)]
    january = next(m for m in books["revenueByMonth"] if m["month"] == "2026-01")
    assert (january["issued"], january["collected"]) == (125_000, 125_000)
    statement = books["customerStatement"]
    assert (statement["balance"], statement["creditAvailable"]) == (0, 0)
    assert sorted((e["kind"], e["debit"], e["credit"]) for e in statement["entries"]) == [
        ("invoice", 25_000, 0),
        ("invoice", 100_000, 0),
        ("payment", 0, 10_000),
        ("payment", 0, 15_000),
        ("payment", 0, 100_000),
    ]

    listed = httpx.get(
        f"{server}/api/v1/payments",
        params={"customer_id": customer},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert listed.status_code == 200, listed.text
    payments = sorted(
        (p["method"], p["amount"], [a["invoice_id"] for a in p["allocations"]], p["credit"])
        for p in listed.json()["data"]
    )
    assert payments == [
        ("cash", 10_000, [split["invoiceId"]], 0),
        ("cash", 100_000, [cash["invoiceId"]], 0),
        ("qris", 15_000, [split["invoiceId"]], 0),
    ]
    by_method = httpx.get(
        f"{server}/api/v1/payments",
        params={"customer_id": customer, "method": "qris"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert [p["amount"] for p in by_method.json()["data"]] == [15_000]
