"""A tenant's rate card: what each feature of a project costs at its base, how much more it costs
as the work gets harder, and the share added for project management.

Multipliers are kept in hundredths (150 is x1.5), so every price stays a whole number of rupiah
and no float comes near money. A feature is named by a short code the estimate lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import InvalidValue
from domain.shared.money import positive_amount
from domain.shared.values import require_text

MAX_FEATURES = 200
MAX_BASE_PRICE = 1_000_000_000  # Rp1 miliar: beyond any one feature's price
MAX_MULTIPLIER = Decimal(10)
MAX_NAME = 120
_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


class Complexity(StrEnum):
    SIMPLE = "simple"
    STANDARD = "standard"
    COMPLEX = "complex"


# The card a tenant starts with: x1.0, x1.5 and x2.2, no project-management share.
DEFAULT_MULTIPLIERS = {Complexity.SIMPLE: 100, Complexity.STANDARD: 150, Complexity.COMPLEX: 220}


@dataclass(frozen=True)
class Feature:
    code: str
    name: str
    base_price: int


def feature_code(raw: str, field: str = "code") -> str:
    """A feature's code as stored: lower case, letters, digits, `-` and `_`, at most 40."""
    code = (raw or "").strip().lower()
    if not _CODE.fullmatch(code):
        raise InvalidValue(
            f"{field} must be 1-40 letters, digits, '-' or '_', starting with a letter or digit",
            field=field,
        )
    return code


def hundredths(multiplier: Decimal | float | str, field: str) -> int:
    """A multiplier as hundredths: above zero, at most x10, and at most two decimals. A float
    is read as it is written (1.1 is 1.1, not its binary neighbour)."""
    try:
        scaled = Decimal(str(multiplier)) * 100
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidValue(f"{field} must be a number", field=field) from None
    if not scaled.is_finite() or scaled <= 0:
        raise InvalidValue(f"{field} must be above zero", field=field)
    if scaled > MAX_MULTIPLIER * 100:
        raise InvalidValue(f"{field} must be at most {MAX_MULTIPLIER}", field=field)
    if scaled != scaled.to_integral_value():
        raise InvalidValue(f"{field} must have at most two decimals", field=field)
    return int(scaled)


def base_price(amount: int) -> int:
    positive_amount(amount, "base_price")
    if amount > MAX_BASE_PRICE:
        raise InvalidValue("base_price must be at most Rp1.000.000.000", field="base_price")
    return amount


def management_percent(percent: int | None) -> int | None:
    """The project-management share in whole percent (1-100), or None for none."""
    if percent is None or percent == 0:
        return None
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 < percent <= 100:
        raise InvalidValue("percent must be a whole number from 0 to 100", field="percent")
    return percent


class RateCard(Aggregate):
    """One per tenant: its features, its complexity multipliers and its project-management
    share, from which every estimate is computed."""

    class Started(Aggregate.Created):
        tenant_id: UUID

    class FeatureSet(Aggregate.Event):
        code: str
        name: str
        base_price: int

    class FeatureRemoved(Aggregate.Event):
        code: str

    class MultipliersSet(Aggregate.Event):
        """In hundredths: 150 is x1.5."""

        simple: int
        standard: int
        complex: int

    class ProjectManagementSet(Aggregate.Event):
        percent: int | None  # None: no project-management line

    @staticmethod
    def id_for(tenant_id: UUID) -> UUID:
        return uuid5(tenant_id, "agency-rate-card")

    @classmethod
    def start(cls, tenant_id: UUID) -> RateCard:
        return cls._create(cls.Started, id=cls.id_for(tenant_id), tenant_id=tenant_id)

    @event(Started)
    def __init__(self, tenant_id: UUID) -> None:
        self.tenant_id = tenant_id
        self.features: dict[str, Feature] = {}
        self.multipliers: dict[Complexity, int] = dict(DEFAULT_MULTIPLIERS)
        self.management_percent: int | None = None

    def set_feature(self, code: str, name: str, price: int) -> Feature:
        """Add a feature, or change the name and price of the one with that code."""
        feature = Feature(
            feature_code(code), require_text(name, "name", MAX_NAME), base_price(price)
        )
        if feature.code not in self.features and len(self.features) >= MAX_FEATURES:
            raise InvalidValue(f"a rate card holds at most {MAX_FEATURES} features", field="code")
        if self.features.get(feature.code) != feature:
            self._feature_set(code=feature.code, name=feature.name, base_price=feature.base_price)
        return feature

    @event(FeatureSet)
    def _feature_set(self, code: str, name: str, base_price: int) -> None:
        self.features[code] = Feature(code, name, base_price)

    def remove_feature(self, code: str) -> None:
        known = feature_code(code)
        if known not in self.features:
            raise InvalidValue(f"the rate card has no feature {known!r}", field="code")
        self._feature_removed(code=known)

    @event(FeatureRemoved)
    def _feature_removed(self, code: str) -> None:
        del self.features[code]

    def set_multipliers(
        self, simple: Decimal | float, standard: Decimal | float, complex: Decimal | float
    ) -> None:
        chosen = {
            Complexity.SIMPLE: hundredths(simple, "simple"),
            Complexity.STANDARD: hundredths(standard, "standard"),
            Complexity.COMPLEX: hundredths(complex, "complex"),
        }
        if chosen != self.multipliers:
            self._multipliers_set(
                simple=chosen[Complexity.SIMPLE],
                standard=chosen[Complexity.STANDARD],
                complex=chosen[Complexity.COMPLEX],
            )

    @event(MultipliersSet)
    def _multipliers_set(self, simple: int, standard: int, complex: int) -> None:
        self.multipliers = {
            Complexity.SIMPLE: simple,
            Complexity.STANDARD: standard,
            Complexity.COMPLEX: complex,
        }

    def set_management_percent(self, percent: int | None) -> None:
        chosen = management_percent(percent)
        if chosen != self.management_percent:
            self._management_set(percent=chosen)

    @event(ProjectManagementSet)
    def _management_set(self, percent: int | None) -> None:
        self.management_percent = percent
