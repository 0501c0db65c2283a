"""The quote calculator's domain: a rate card's features and multipliers, the estimate's
arithmetic (lines rounded down as billing rounds, project management, PPN per PMK 131/2024),
and a quotation's way from draft to one invoice."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from domain.agency.estimate import Estimate, QuoteLine, estimate, priced
from domain.agency.quotation import (
    Quotation,
    QuotationAlreadyInvoiced,
    QuotationNumbering,
    QuotationRefused,
    QuotationStatus,
    QuotationText,
    valid_until,
)
from domain.agency.rate_card import Complexity, RateCard, hundredths
from domain.shared.errors import InvalidValue

TENANT = uuid.UUID("0c6f7d5e-3b1a-4f0e-9a51-6a1d2b3c4d5e")
TODAY = date(2026, 1, 5)


def _card(management_percent: int | None = None) -> RateCard:
    card = RateCard.start(TENANT)
    card.set_feature("login", "Login & registrasi", 3_000_000)
    card.set_feature("katalog", "Katalog produk", 4_500_000)
    card.set_feature("bayar", "Pembayaran online", 7_333_333)
    card.set_management_percent(management_percent)
    return card


def _events(card: RateCard) -> list[str]:
    return [type(e).__qualname__ for e in card.collect_events()]


# -- the rate card ----------------------------------------------------------------------------


def test_a_new_rate_card_multiplies_by_1_1_5_and_2_2_until_the_tenant_chooses() -> None:
    card = RateCard.start(TENANT)
    assert card.id == RateCard.id_for(TENANT)
    assert card.multipliers == {
        Complexity.SIMPLE: 100,
        Complexity.STANDARD: 150,
        Complexity.COMPLEX: 220,
    }
    assert card.management_percent is None


def test_chosen_multipliers_are_recorded_in_hundredths_and_read_as_written() -> None:
    card = RateCard.start(TENANT)
    card.collect_events()
    card.set_multipliers(1.1, Decimal("1.75"), 3)
    [changed] = card.collect_events()
    assert isinstance(changed, RateCard.MultipliersSet)
    assert (changed.simple, changed.standard, changed.complex) == (110, 175, 300)
    card.set_multipliers(1.1, 1.75, 3)  # the same again
    assert card.collect_events() == []


@pytest.mark.parametrize("multiplier", [0, -1, -0.5, 0.001, 10.01, "satu"])
def test_a_multiplier_at_or_below_zero_above_ten_or_finer_than_hundredths_is_refused(
    multiplier: float | str,
) -> None:
    with pytest.raises(InvalidValue) as refused:
        hundredths(multiplier, "standard")
    assert refused.value.field == "standard"


def test_setting_a_feature_adds_or_changes_it_by_code_and_as_it_is_records_nothing() -> None:
    card = RateCard.start(TENANT)
    card.set_feature(" Login ", "Login", 1_000_000)
    card.set_feature("login", "Login & registrasi", 1_200_000)
    card.set_feature("login", "Login & registrasi", 1_200_000)
    assert _events(card) == ["RateCard.Started", "RateCard.FeatureSet", "RateCard.FeatureSet"]
    assert card.features["login"].base_price == 1_200_000


@pytest.mark.parametrize(
    ("code", "price", "field"),
    [
        ("login", -1, "base_price"),
        ("login", 0, "base_price"),
        ("login", 1_000_000_001, "base_price"),
        ("log in", 1_000, "code"),
        ("", 1_000, "code"),
    ],
)
def test_a_price_not_above_zero_or_a_code_with_spaces_is_refused_naming_the_field(
    code: str, price: int, field: str
) -> None:
    card = RateCard.start(TENANT)
    with pytest.raises(InvalidValue) as refused:
        card.set_feature(code, "Login", price)
    assert refused.value.field == field
    assert card.features == {}


def test_removing_a_feature_the_card_lacks_is_refused() -> None:
    card = _card()
    card.remove_feature("LOGIN")
    assert "login" not in card.features
    with pytest.raises(InvalidValue) as refused:
        card.remove_feature("login")
    assert refused.value.field == "code"


def test_a_project_management_share_is_a_whole_percentage_and_zero_means_none() -> None:
    card = _card(10)
    assert card.management_percent == 10
    card.set_management_percent(0)
    assert card.management_percent is None
    with pytest.raises(InvalidValue):
        card.set_management_percent(101)


# -- the estimate -----------------------------------------------------------------------------


def test_each_feature_costs_its_base_times_the_multiplier_rounded_down_to_a_rupiah() -> None:
    priced_estimate = estimate(_card(), ["login", "bayar"], Complexity.STANDARD, pkp=False)
    assert priced_estimate.lines == (
        QuoteLine("login", "Login & registrasi", 3_000_000, 150, 4_500_000),
        QuoteLine("bayar", "Pembayaran online", 7_333_333, 150, 10_999_999),  # not 10,999,999.5
    )
    assert priced(7_333_333, 220) == 16_133_332  # 16,133,332.6
    assert (priced_estimate.subtotal, priced_estimate.ppn) == (15_499_999, 0)
    assert priced_estimate.total == 15_499_999


def test_project_management_is_the_cards_share_of_the_features_rounded_down() -> None:
    priced_estimate = estimate(
        _card(10), ["login", "katalog", "bayar"], Complexity.STANDARD, pkp=False
    )
    features = 4_500_000 + 6_750_000 + 10_999_999
    assert priced_estimate.management_percent == 10
    assert priced_estimate.management == 2_224_999  # 2,224,999.9
    assert priced_estimate.subtotal == features + 2_224_999


def test_a_pkp_tenant_charges_ppn_on_dpp_nilai_lain_rounded_down_as_billing_does() -> None:
    priced_estimate = estimate(
        _card(10), ["login", "katalog", "bayar"], Complexity.STANDARD, pkp=True
    )
    assert priced_estimate == Estimate(
        complexity=Complexity.STANDARD,
        lines=priced_estimate.lines,
        management_percent=10,
        management=2_224_999,
        subtotal=24_474_998,
        dpp=22_435_414,  # floor(24,474,998 x 11/12)
        ppn=2_692_249,  # floor(22,435,414 x 12%)
        total=27_167_247,
    )


def test_the_same_features_in_another_order_cost_the_same() -> None:
    card = _card(10)
    one = estimate(card, ["login", "bayar"], Complexity.COMPLEX, pkp=True)
    other = estimate(card, ["bayar", "login"], Complexity.COMPLEX, pkp=True)
    assert (one.subtotal, one.ppn, one.total) == (other.subtotal, other.ppn, other.total)


@pytest.mark.parametrize(
    ("codes", "problem"),
    [
        ([], "at least one"),
        (["login", "website"], "no feature 'website'"),
        (["login", "LOGIN"], "listed twice"),
        (["log in"], "letters, digits"),
    ],
)
def test_an_empty_list_an_unknown_code_or_one_twice_is_refused_naming_features(
    codes: list[str], problem: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        estimate(_card(), codes, Complexity.SIMPLE, pkp=True)
    assert refused.value.field == "features"
    assert problem in refused.value.message


def test_an_estimate_above_what_one_quotation_may_total_is_refused() -> None:
    card = RateCard.start(TENANT)
    card.set_feature("besar", "Sistem besar", 1_000_000_000)
    with pytest.raises(InvalidValue) as refused:
        estimate(card, ["besar"], Complexity.COMPLEX, pkp=True)
    assert refused.value.field == "features"


# -- the quotation ----------------------------------------------------------------------------


def _quotation(days: int = 30) -> Quotation:
    priced_estimate = estimate(_card(10), ["login"], Complexity.SIMPLE, pkp=True)
    return Quotation.create(
        TENANT,
        uuid.uuid4(),
        "PNW/2026/00001",
        priced_estimate,
        valid_until(TODAY, days),
        QuotationText("Rilis Maret"),
    )


def test_an_accepted_quotation_is_invoiced_once() -> None:
    quotation = _quotation()
    quotation.send(TODAY)
    quotation.accept(TODAY)
    invoice_id = Quotation.invoice_id_for(quotation.id)
    quotation.mark_invoiced(invoice_id, "INV/2026/00001")
    assert quotation.status is QuotationStatus.INVOICED
    with pytest.raises(QuotationAlreadyInvoiced) as again:
        quotation.mark_invoiced(invoice_id, "INV/2026/00002")
    assert "INV/2026/00001" in again.value.message
    assert [type(e).__qualname__ for e in quotation.collect_events()] == [
        "Quotation.Created",
        "Quotation.Sent",
        "Quotation.Accepted",
        "Quotation.Invoiced",
    ]


@pytest.mark.parametrize("status", ["draft", "declined"])
def test_only_an_accepted_quotation_can_be_invoiced(status: str) -> None:
    quotation = _quotation()
    if status == "declined":
        quotation.decline(TODAY, "Anggaran belum ada")
    with pytest.raises(QuotationRefused) as refused:
        quotation.mark_invoiced(uuid.uuid4(), "INV/2026/00001")
    assert refused.value.code == "QUOTATION_REFUSED"
    assert f"is {status}" in refused.value.message


def test_a_quotation_past_its_validity_cannot_be_accepted_and_a_decided_one_not_again() -> None:
    late = _quotation(days=7)
    with pytest.raises(QuotationRefused):
        late.accept(date(2026, 1, 13))
    late.accept(date(2026, 1, 12))  # its last valid day
    with pytest.raises(QuotationRefused):
        late.decline(date(2026, 1, 12), None)


def test_quotation_numbers_run_without_gaps_within_a_year() -> None:
    numbering = QuotationNumbering.start(TENANT, 2026)
    assert [numbering.take() for _ in range(3)] == [
        "PNW/2026/00001",
        "PNW/2026/00002",
        "PNW/2026/00003",
    ]
    assert QuotationNumbering.id_for(TENANT, 2027) != numbering.id


def test_a_validity_of_no_days_or_over_a_year_is_refused() -> None:
    for days in (0, 366):
        with pytest.raises(InvalidValue) as refused:
            valid_until(TODAY, days)
        assert refused.value.field == "valid_days"
