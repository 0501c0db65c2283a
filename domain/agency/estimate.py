"""The estimate: a quote's price computed from the rate card alone, the same every time.

Each feature costs its base price times the complexity's multiplier, rounded down to a whole
rupiah as billing rounds; the project-management line is the card's percentage of the features,
rounded down too; PPN is billing's own (`domain.billing.ppn`, PMK 131/2024) on the subtotal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.agency.rate_card import Complexity, Feature, RateCard, feature_code
from domain.billing import ppn
from domain.shared.errors import InvalidValue

MAX_FEATURES_ASKED = 100
# The most one quotation may total: as far as the API's 32-bit integers reach, rounded down.
MAX_TOTAL = 2_000_000_000


@dataclass(frozen=True)
class QuoteLine:
    """One feature as priced: `multiplier` in hundredths (150 is x1.5)."""

    code: str
    name: str
    base_price: int
    multiplier: int
    amount: int


@dataclass(frozen=True)
class Estimate:
    complexity: Complexity
    lines: tuple[QuoteLine, ...]
    management_percent: int | None
    management: int  # the project-management line, 0 without one
    subtotal: int  # Harga Jual: the features and project management
    dpp: int
    ppn: int
    total: int


def priced(base_price: int, multiplier: int) -> int:
    """The base price times a multiplier in hundredths, rounded down to a whole rupiah."""
    return base_price * multiplier // 100


def estimate(
    card: RateCard, codes: Sequence[str], complexity: Complexity, *, pkp: bool
) -> Estimate:
    """The price of these features at this complexity; PPN only for a PKP tenant."""
    multiplier = card.multipliers[complexity]
    lines = tuple(_line(feature, multiplier) for feature in chosen(card, codes))
    features = sum(line.amount for line in lines)
    percent = card.management_percent
    management = features * percent // 100 if percent else 0
    tax = ppn(features + management, pkp=pkp)
    if tax.selling_price + tax.ppn > MAX_TOTAL:
        raise InvalidValue(
            "features: the estimate totals more than Rp2.000.000.000; split the project into "
            "several quotations",
            field="features",
        )
    return Estimate(
        complexity=complexity,
        lines=lines,
        management_percent=percent,
        management=management,
        subtotal=tax.selling_price,
        dpp=tax.dpp,
        ppn=tax.ppn,
        total=tax.selling_price + tax.ppn,
    )


def chosen(card: RateCard, codes: Sequence[str]) -> list[Feature]:
    """The card's features the codes name, in the order given: none missing, none twice."""
    if not codes:
        raise InvalidValue("features must list at least one feature code", field="features")
    if len(codes) > MAX_FEATURES_ASKED:
        raise InvalidValue(
            f"features may list at most {MAX_FEATURES_ASKED} codes", field="features"
        )
    wanted = [feature_code(code, "features") for code in codes]
    for code in wanted:
        if code not in card.features:
            raise InvalidValue(f"features: the rate card has no feature {code!r}", field="features")
        if wanted.count(code) > 1:
            raise InvalidValue(f"features: {code!r} is listed twice", field="features")
    return [card.features[code] for code in wanted]


def _line(feature: Feature, multiplier: int) -> QuoteLine:
    return QuoteLine(
        feature.code,
        feature.name,
        feature.base_price,
        multiplier,
        priced(feature.base_price, multiplier),
    )
