"""The counter's promotions on the domain alone: what a promotion accepts, when it is in force,
which discounts a basket gets, and how a sale splits over the methods that paid it."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.repairs.discounts import BasketLine, Discount, discounts_for
from domain.repairs.inventory import InventoryItem
from domain.repairs.promotion import (
    Offer,
    Promotion,
    PromotionKind,
    PromotionRefused,
    PromotionScope,
)
from domain.repairs.sale import UNPAID, Sale, shares_by_method
from domain.shared.errors import InvalidValue

TENANT = UUID("00000000-0000-0000-0000-000000000001")
CASE = UUID("00000000-0000-0000-0000-0000000000ca")
CABLE = UUID("00000000-0000-0000-0000-0000000000cb")
JAN_5, JAN_10 = date(2026, 1, 5), date(2026, 1, 10)


def _promotion(**changes: object) -> Promotion:
    fields: dict[str, object] = {
        "name": "Diskon casing",
        "kind": "percentage",
        "value": 10,
        "scope": "item",
        "starts_on": JAN_5,
        "ends_on": JAN_10,
        "item_id": CASE,
        **changes,
    }
    return Promotion.create(TENANT, **fields)  # type: ignore[arg-type]


def _offer(
    name: str,
    kind: PromotionKind,
    value: int,
    scope: PromotionScope = PromotionScope.BASKET,
    *,
    item_id: UUID | None = None,
    category: str | None = None,
    minimum_spend: int = 0,
    number: int = 1,
) -> Offer:
    return Offer(UUID(int=number), name, kind, value, scope, item_id, category, minimum_spend)


PCT, FIXED = PromotionKind.PERCENTAGE, PromotionKind.FIXED
ITEM, CATEGORY = PromotionScope.ITEM, PromotionScope.CATEGORY


def _case(quantity: int = 1, price: int = 100_000, taxable: bool = True) -> BasketLine:
    return BasketLine(quantity * price, quantity, taxable, CASE, "Aksesoris")


def _service(amount: int, taxable: bool = True) -> BasketLine:
    return BasketLine(amount, 1, taxable)


# -- a promotion ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": 101}, "value"),
        ({"value": 0}, "value"),
        ({"kind": "fixed", "value": -5_000}, "value"),
        ({"kind": "bogof"}, "kind"),
        ({"scope": "everything"}, "scope"),
        ({"ends_on": date(2026, 1, 4)}, "ends_on"),
        ({"item_id": None}, "item_id"),
        ({"scope": "category", "item_id": None}, "category"),
        ({"scope": "basket"}, "item_id"),
        ({"scope": "basket", "item_id": None, "category": "Aksesoris"}, "category"),
        ({"minimum_spend": -1}, "minimum_spend"),
        ({"name": " "}, "name"),
    ],
)
def test_a_promotion_with_a_bad_field_is_refused_naming_the_field(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        _promotion(**changes)
    assert refused.value.field == field


def test_an_end_before_the_start_says_both_dates() -> None:
    with pytest.raises(InvalidValue, match=r"ends \(2026-01-04\) before it starts \(2026-01-05\)"):
        _promotion(ends_on=date(2026, 1, 4))


def test_a_promotion_is_in_force_from_its_first_to_its_last_day_inclusive() -> None:
    promotion = _promotion()

    assert [promotion.in_force(date(2026, 1, d)) for d in (4, 5, 10, 11)] == [
        False,
        True,
        True,
        False,
    ]


def test_an_ended_promotion_is_no_longer_in_force_and_cannot_end_again() -> None:
    promotion = _promotion()

    promotion.end(date(2026, 1, 7))

    assert not promotion.in_force(date(2026, 1, 7))
    assert [type(e).__name__ for e in promotion.collect_events()] == ["Launched", "Ended"]
    with pytest.raises(PromotionRefused, match="already ended on 2026-01-07"):
        promotion.end(date(2026, 1, 8))


def test_an_item_may_be_filed_under_a_category_and_taken_out_again() -> None:
    item = InventoryItem.register(TENANT, "case-a50", "Casing A50", cost=20_000, price=50_000)

    item.categorise(" Aksesoris ")
    assert item.category == "Aksesoris"
    item.categorise(None)

    assert item.category is None
    assert [type(e).__name__ for e in item.collect_events()][-2:] == ["Categorised"] * 2


# -- the discount rule ------------------------------------------------------------------------


def test_each_line_gets_the_single_promotion_that_takes_most_off_it() -> None:
    offers = [
        _offer("Casing 10%", PCT, 10, ITEM, item_id=CASE, number=1),
        _offer("Aksesoris 15rb", FIXED, 15_000, CATEGORY, category="Aksesoris", number=2),
        _offer("Kabel 50%", PCT, 50, ITEM, item_id=CABLE, number=3),
    ]

    discounts = discounts_for([_case()], offers)

    assert discounts == [Discount(UUID(int=2), "Aksesoris 15rb", 15_000, True, 0)]


def test_a_fixed_amount_counts_per_unit_and_never_takes_a_line_below_zero() -> None:
    offer = _offer("Potong 30rb", FIXED, 30_000, ITEM, item_id=CASE)

    two = discounts_for([_case(quantity=2)], [offer])
    cheap = discounts_for([_case(price=20_000)], [offer])

    assert [d.amount for d in two] == [60_000]
    assert [d.amount for d in cheap] == [20_000]


def test_a_percentage_is_rounded_down_to_the_rupiah() -> None:
    offer = _offer("Casing 15%", PCT, 15, ITEM, item_id=CASE)

    assert [d.amount for d in discounts_for([_case(price=99_999)], [offer])] == [14_999]


def test_services_get_no_item_or_category_promotion() -> None:
    offers = [_offer("Aksesoris 50%", PCT, 50, CATEGORY, category="Aksesoris")]

    assert discounts_for([_service(100_000)], offers) == []


def test_categories_match_whatever_their_case() -> None:
    offer = _offer("aksesoris 10%", PCT, 10, CATEGORY, category="AKSESORIS")

    assert [d.amount for d in discounts_for([_case()], [offer])] == [10_000]


def test_one_basket_promotion_applies_to_what_is_left_after_line_discounts() -> None:
    offers = [
        _offer("Casing 50%", PCT, 50, ITEM, item_id=CASE, number=1),
        _offer("Belanja 10%", PCT, 10, number=2),
        _offer("Belanja 5rb", FIXED, 5_000, number=3),
    ]

    discounts = discounts_for([_case(), _service(100_000)], offers)

    # 200.000 less 50.000 on the case leaves 150.000: 10% is 15.000, more than 5.000.
    assert [(d.name, d.amount, d.line) for d in discounts] == [
        ("Casing 50%", 50_000, 0),
        ("Belanja 10%", 15_000, None),
    ]


def test_a_basket_discount_falls_on_taxed_and_untaxed_lines_in_proportion() -> None:
    offer = _offer("Belanja 10rb", FIXED, 10_000)

    discounts = discounts_for([_case(price=75_000), _service(25_000, taxable=False)], [offer])

    assert [(d.amount, d.taxable) for d in discounts] == [(7_500, True), (2_500, False)]


def test_a_basket_promotion_never_takes_the_basket_below_zero() -> None:
    offers = [_offer("Casing gratis", PCT, 100, ITEM, item_id=CASE), _offer("Potong", FIXED, 9)]

    discounts = discounts_for([_case()], offers)

    assert [d.amount for d in discounts] == [100_000]


def test_a_minimum_spend_counts_the_subtotal_before_discounts() -> None:
    offers = [
        _offer("Casing 50%", PCT, 50, ITEM, item_id=CASE, number=1),
        _offer("Min 200rb", FIXED, 20_000, minimum_spend=200_000, number=2),
        _offer("Min 200.001", FIXED, 30_000, minimum_spend=200_001, number=3),
    ]

    discounts = discounts_for([_case(quantity=2)], offers)

    assert [d.name for d in discounts] == ["Casing 50%", "Min 200rb"]


def test_equal_discounts_go_to_the_promotion_named_first() -> None:
    offers = [
        _offer("B promo", PCT, 10, ITEM, item_id=CASE, number=1),
        _offer("A promo", FIXED, 10_000, ITEM, item_id=CASE, number=2),
    ]

    assert [d.name for d in discounts_for([_case()], offers)] == ["A promo"]


# -- a sale's shares by payment method --------------------------------------------------------


def test_a_sale_records_its_total_after_discounts_and_ppn() -> None:
    sale = Sale.record(
        TENANT,
        CASE,
        "INV/2026/00001",
        JAN_5,
        "user:kasir-1",
        gross=100_000,
        discounts=10_000,
        ppn=9_900,
        payments={"cash": 99_900},
        promotions={str(CABLE): 10_000},
    )

    assert (sale.total, sale.id) == (99_900, Sale.id_for(CASE))


def test_a_free_sale_is_counted_under_no_payment_method() -> None:
    [share] = shares_by_method(50_000, 50_000, 0, {})

    assert (share.method, share.gross, share.discounts, share.net) == (UNPAID, 50_000, 50_000, 0)


@given(
    gross=st.integers(1, 10_000_000),
    discount_percent=st.integers(0, 99),
    paid=st.lists(st.integers(1, 1_000), min_size=1, max_size=4),
)
def test_the_shares_of_a_sale_add_up_to_it_to_the_rupiah(
    gross: int, discount_percent: int, paid: list[int]
) -> None:
    discounts = gross * discount_percent // 100
    ppn = (gross - discounts) * 11 // 100
    total = gross - discounts + ppn
    methods = ["cash", "qris", "debit_card", "ewallet"][: len(paid)]
    weights = sum(paid)
    amounts = [total * w // weights for w in paid]
    amounts[0] += total - sum(amounts)
    payments = {m: a for m, a in zip(methods, amounts, strict=True) if a > 0}

    shares = shares_by_method(gross, discounts, ppn, payments)

    assert sum(s.gross for s in shares) == gross
    assert sum(s.discounts for s in shares) == discounts
    assert sum(s.ppn for s in shares) == ppn
    assert sum(s.net for s in shares) == total
    assert all(s.net == payments[s.method] for s in shares)
