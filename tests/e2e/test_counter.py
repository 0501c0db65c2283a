"""The counter as shops use it, through GraphQL and REST on a real server: promotions applied by
themselves with PPN on the discounted amount, the daily sales report and its CSV, the shop's
local date, and refusals that name the field and change nothing."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import httpx

from adapters.bootstrap import Niaga
from application.shared.clock import FixedClock
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL
from tests.integration.read_models import assert_live_equals_rebuild, store_of

ERROR = "... on Error { code message field }"
PROMOTION_RESULT = (
    "{ __typename ... on CounterPromotionSuccess { promotion { id name status endedOn } } "
    + ERROR
    + " }"
)
CREATE = (
    "mutation($input: CreatePromotionInput!) { createPromotion(input: $input) "
    + PROMOTION_RESULT
    + " }"
)
END = "mutation($id: ID!) { endPromotion(id: $id) " + PROMOTION_RESULT + " }"
SALE = (
    "mutation($input: CounterSaleInput!) { counterSale(input: $input) { __typename "
    "... on InvoicedSuccess { invoiceId total } " + ERROR + " } }"
)
INVOICE = """
query($id: ID!) { invoice(id: $id) {
  subtotal dpp ppn total status lines { kind description amount taxable }
} }"""
REPORT = """
query($from: Date!, $to: Date!) { dailySales(from: $from, to: $to) {
  day paymentMethod cashier sales gross discounts ppn net returns
} }"""
REPORT_FIELDS = ("day", "paymentMethod", "cashier", "sales", "gross", "discounts", "ppn", "net")


class Shop:
    def __init__(self, niaga: Niaga, server: str, *, pkp: bool = False) -> None:
        self.tenant_id = niaga.tenants.create("Konter HP Jaya", Placement.SHARED)
        niaga.tenants.change_settings(self.tenant_id, pkp=pkp, timezone="Asia/Jakarta")
        self.token = niaga.tenants.issue_api_key(self.tenant_id, Role.OWNER).token
        self.gql = GraphQL(server, self.token)
        self.server = server
        self.customer = self.gql(
            'mutation { registerCustomer(input: {name: "Pembeli umum", phone: "081299900011"}) '
            "{ ... on RegisterCustomerSuccess { customer { id } } } }"
        )["registerCustomer"]["customer"]["id"]  # type: ignore[index]

    def item(self, sku: str, price: int, category: str | None = None) -> str:
        result = self.gql(
            "mutation($input: RegisterInventoryItemInput!) { registerInventoryItem(input: $input) "
            "{ ... on InventoryItemSuccess { item { id category } } } }",
            input={
                "sku": sku,
                "name": f"Barang {sku}",
                "cost": price // 2,
                "price": price,
                "openingStock": 10,
                "category": category,
            },
        )["registerInventoryItem"]
        assert result["item"]["category"] == category  # type: ignore[index]
        return str(result["item"]["id"])  # type: ignore[index]

    def promotion(self, **fields: Any) -> dict[str, Any]:
        promotion: dict[str, Any] = {
            "startsOn": "2026-01-05",
            "endsOn": "2026-01-10",
            **fields,
        }
        result: dict[str, Any] = self.gql(CREATE, input=promotion)["createPromotion"]  # type: ignore[assignment]
        return result

    def sell(self, lines: list[dict[str, Any]], payments: dict[str, int]) -> dict[str, Any]:
        sale = {
            "customerId": self.customer,
            "lines": lines,
            "payments": [{"method": m, "amount": a} for m, a in payments.items()],
        }
        result: dict[str, Any] = self.gql(SALE, input=sale)["counterSale"]  # type: ignore[assignment]
        return result

    def csv(self, start: str, end: str) -> httpx.Response:
        return httpx.get(
            f"{self.server}/api/v1/reports/daily-sales.csv",
            params={"from": start, "to": end},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )


def test_promotions_apply_at_the_counter_and_the_day_is_reported_and_exported(
    niaga: Niaga, server: str
) -> None:
    shop = Shop(niaga, server, pkp=True)
    case = shop.item("CASE-A50", 100_000, category="Aksesoris")
    item_promo = shop.promotion(name="Casing 10%", kind="percentage", value=10, scope="item",
                                itemId=case)  # fmt: skip
    category_promo = shop.promotion(
        name="Aksesoris 15rb", kind="fixed", value=15_000, scope="category", category="aksesoris"
    )
    basket_promo = shop.promotion(
        name="Belanja 5%", kind="percentage", value=5, scope="basket", minimumSpend=150_000
    )
    later = shop.promotion(name="Februari", kind="percentage", value=90, scope="basket",
                           startsOn="2026-02-01", endsOn="2026-02-28")  # fmt: skip
    ended = shop.promotion(name="Batal", kind="percentage", value=50, scope="basket")
    assert {p["__typename"] for p in (item_promo, category_promo, basket_promo, later, ended)} == {
        "CounterPromotionSuccess"
    }
    stopped = shop.gql(END, id=ended["promotion"]["id"])["endPromotion"]
    assert stopped["promotion"]["status"] == "ended"  # type: ignore[index]
    assert stopped["promotion"]["endedOn"] == "2026-01-05"  # type: ignore[index]

    lines = [
        {"itemId": case, "quantity": 2},
        {"description": "Jasa pasang", "unitPrice": 50_000, "taxable": False},
    ]
    # Line: 15.000 a unit beats 10%, 30.000 off. Basket: 5% of the 220.000 left is 11.000, on
    # the taxed 170.000 and the untaxed 50.000 in proportion: 8.500 and 2.500. PPN on the
    # 161.500 taxed: DPP 148.041, PPN 17.764. Total 209.000 + 17.764.
    unpaid = shop.sell(lines, {"cash": 250_000})
    assert (unpaid["code"], unpaid["field"]) == ("INVALID_VALUE", "payments")
    assert unpaid["message"] == (
        "the payments add up to Rp250.000 but the total is Rp226.764 after Rp41.000 of promotions"
    )
    sold = shop.sell(lines, {"cash": 200_000, "qris": 26_764})
    assert (sold["__typename"], sold["total"]) == ("InvoicedSuccess", 226_764)

    invoice = shop.gql(INVOICE, id=sold["invoiceId"])["invoice"]
    assert invoice["lines"] == [  # type: ignore[index]
        {"kind": "item", "description": "Barang CASE-A50", "amount": 200_000, "taxable": True},
        {"kind": "discount", "description": "Promo Aksesoris 15rb", "amount": -30_000,
         "taxable": True},
        {"kind": "service", "description": "Jasa pasang", "amount": 50_000, "taxable": False},
        {"kind": "discount", "description": "Promo Belanja 5%", "amount": -8_500,
         "taxable": True},
        {"kind": "discount", "description": "Promo Belanja 5%", "amount": -2_500,
         "taxable": False},
    ]  # fmt: skip
    assert {k: invoice[k] for k in ("subtotal", "dpp", "ppn", "total", "status")} == {  # type: ignore[index]
        "subtotal": 209_000,
        "dpp": 148_041,
        "ppn": 17_764,
        "total": 226_764,
        "status": "paid",
    }

    running = shop.gql("{ promotions(active: true) { totalCount edges { node { name } } } }")
    assert running["promotions"] == {  # type: ignore[comparison-overlap]
        "totalCount": 4,
        "edges": [{"node": {"name": n}} for n in ("Februari", "Belanja 5%", "Aksesoris 15rb",
                                                  "Casing 10%")],
    }  # fmt: skip

    rows = shop.gql(REPORT, **{"from": "2026-01-01", "to": "2026-01-31"})["dailySales"]
    cashier = rows[0]["cashier"]  # type: ignore[index]
    assert cashier.startswith("api_key:")
    # The 226.764 paid 200.000 in cash and 26.764 by QRIS: each method's part of the gross,
    # discounts and PPN is in proportion, and the parts add up to the sale.
    assert [tuple(r[f] for f in REPORT_FIELDS) for r in rows] == [  # type: ignore[attr-defined]
        ("2026-01-05", "cash", cashier, 1, 220_493, 36_160, 15_667, 200_000),
        ("2026-01-05", "qris", cashier, 1, 29_507, 4_840, 2_097, 26_764),
    ]
    assert {r["returns"] for r in rows} == {0}  # type: ignore[index]

    exported = shop.csv("2026-01-01", "2026-01-31")
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(exported.text))) == [
        ["date", "payment_method", "cashier", "sales", "gross", "discounts", "ppn", "net",
         "returns"],
        ["2026-01-05", "cash", cashier, "1", "220493", "36160", "15667", "200000", "0"],
        ["2026-01-05", "qris", cashier, "1", "29507", "4840", "2097", "26764", "0"],
    ]  # fmt: skip

    store = store_of(niaga, shop.tenant_id)
    assert_live_equals_rebuild(niaga, store, ("promotions", "daily_sales", "inventory"))


def test_the_sale_takes_the_promotions_and_the_report_day_of_the_shops_own_calendar(
    niaga: Niaga, server: str, clock: FixedClock
) -> None:
    shop = Shop(niaga, server)
    cable = shop.item("KBL-C", 40_000)
    shop.promotion(name="Promo 6 Jan", kind="fixed", value=4_000, scope="basket",
                   startsOn="2026-01-06", endsOn="2026-01-06")  # fmt: skip
    # 18:00 UTC on the 5th is 01:00 on the 6th in Jakarta.
    clock.set_now(datetime(2026, 1, 5, 18, 0, tzinfo=UTC))

    sold = shop.sell([{"itemId": cable}], {"ewallet": 36_000})

    assert (sold["__typename"], sold["total"]) == ("InvoicedSuccess", 36_000)
    rows = shop.gql(REPORT, **{"from": "2026-01-05", "to": "2026-01-06"})["dailySales"]
    assert [(r["day"], r["paymentMethod"], r["discounts"]) for r in rows] == [  # type: ignore[index]
        ("2026-01-06", "ewallet", 4_000)
    ]


def test_bad_promotion_or_report_input_is_refused_naming_the_field_and_changes_nothing(
    niaga: Niaga, server: str
) -> None:
    shop = Shop(niaga, server)
    case = shop.item("CASE-X", 50_000)
    basket = {"name": "Diskon", "kind": "percentage", "scope": "basket"}

    refusals = [
        shop.promotion(**basket, value=150),
        shop.promotion(**basket, value=10, startsOn="2026-01-10", endsOn="2026-01-05"),
        shop.promotion(name="X", kind="fixed", value=5_000, scope="item",
                       itemId="6f1c3a52-0000-4000-8000-000000000000"),
        shop.promotion(name="X", kind="fixed", value=5_000, scope="item", itemId="bukan-id"),
        shop.promotion(**basket, value=10, minimumSpend=-1),
    ]  # fmt: skip
    assert [(r["code"], r["field"]) for r in refusals] == [
        ("INVALID_VALUE", "value"),
        ("INVALID_VALUE", "ends_on"),
        ("NOT_FOUND", "item_id"),
        ("INVALID_VALUE", "itemId"),
        ("INVALID_VALUE", "minimum_spend"),
    ]
    assert refusals[0]["message"] == "a percentage must be 1-100, got 150"
    assert refusals[1]["message"] == "the promotion ends (2026-01-05) before it starts (2026-01-10)"

    backwards = shop.gql.post(REPORT, **{"from": "2026-01-10", "to": "2026-01-05"})
    assert backwards.status_code == 400
    [error] = backwards.json()["errors"]
    assert (error["extensions"]["field"], error["message"]) == (
        "to",
        "to (2026-01-05) is before from (2026-01-10)",
    )
    too_long = shop.gql.post(REPORT, **{"from": "2026-01-01", "to": "2026-04-04"})
    assert too_long.json()["errors"][0]["extensions"]["field"] == "to"
    exported = shop.csv("2026-01-10", "2026-01-05")
    assert exported.status_code == 400
    assert exported.json()["detail"]["field"] == "to"
    assert shop.csv("2026-01-10", "kemarin").status_code == 422

    staff = GraphQL(server, niaga.tenants.issue_api_key(shop.tenant_id, Role.STAFF).token)
    denied = staff(CREATE, input={**basket, "value": 10, "startsOn": "2026-01-05",
                                  "endsOn": "2026-01-06"})["createPromotion"]  # fmt: skip
    assert denied["code"] == "PERMISSION_DENIED"  # type: ignore[index]

    after = shop.gql(
        "{ promotions { totalCount } inventoryItems { edges { node { id onHand } } } }"
    )
    assert after["promotions"] == {"totalCount": 0}  # type: ignore[comparison-overlap]
    assert after["inventoryItems"] == {"edges": [{"node": {"id": case, "onHand": 10}}]}  # type: ignore[comparison-overlap]
