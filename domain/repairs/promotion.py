"""Promotions the counter applies by itself: a percentage or a fixed amount off one item, the
items of a category, or the whole basket, on the shop's local dates from the first to the last
day inclusive, optionally only from a minimum spend. A promotion runs until its last day or
until it is ended, whichever comes first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import DomainError, InvalidValue
from domain.shared.money import positive_amount
from domain.shared.values import require_text

MAX_PERCENT = 100


class PromotionKind(StrEnum):
    PERCENTAGE = "percentage"
    FIXED = "fixed"


class PromotionScope(StrEnum):
    ITEM = "item"
    CATEGORY = "category"
    BASKET = "basket"


class PromotionRefused(DomainError):
    code = "PROMOTION_REFUSED"


def _one_of(raw: str, kind: type[StrEnum], field: str) -> str:
    if raw in {k.value for k in kind}:
        return raw
    allowed = ", ".join(k.value for k in kind)
    raise InvalidValue(f"{field} must be one of {allowed}, got {raw!r}", field=field)


def _value(kind: PromotionKind, value: int) -> int:
    if kind is PromotionKind.FIXED:
        return positive_amount(value, "value")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PERCENT:
        raise InvalidValue(f"a percentage must be 1-{MAX_PERCENT}, got {value!r}", field="value")
    return value


def _target(
    scope: PromotionScope, item_id: UUID | None, category: str | None
) -> tuple[UUID | None, str | None]:
    """What the promotion applies to: exactly the one thing its scope names."""
    if scope is PromotionScope.ITEM and item_id is None:
        raise InvalidValue("an item promotion needs an item", field="item_id")
    if scope is PromotionScope.CATEGORY and not category:
        raise InvalidValue("a category promotion needs a category", field="category")
    if scope is not PromotionScope.ITEM and item_id is not None:
        raise InvalidValue(f"a {scope.value} promotion names no item", field="item_id")
    if scope is not PromotionScope.CATEGORY and category:
        raise InvalidValue(f"a {scope.value} promotion names no category", field="category")
    return item_id, require_text(category, "category", 60) if category else None


def _period(starts_on: date, ends_on: date) -> tuple[date, date]:
    if ends_on < starts_on:
        raise InvalidValue(
            f"the promotion ends ({ends_on.isoformat()}) before it starts "
            f"({starts_on.isoformat()})",
            field="ends_on",
        )
    return starts_on, ends_on


def _minimum_spend(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise InvalidValue(
            "a minimum spend is a whole amount of zero or more", field="minimum_spend"
        )
    return amount


def same_category(a: str | None, b: str | None) -> bool:
    """Categories are typed by hand at the shop: `Aksesoris` and `aksesoris` are one."""
    return a is not None and b is not None and a.casefold() == b.casefold()


@dataclass(frozen=True)
class Offer:
    """A promotion as the counter weighs it against a basket."""

    promotion_id: UUID
    name: str
    kind: PromotionKind
    value: int
    scope: PromotionScope
    item_id: UUID | None
    category: str | None
    minimum_spend: int

    def off(self, amount: int, quantity: int = 1) -> int:
        """What it takes off `amount` (`quantity` units of an item, or a basket counted as
        one): a percentage rounded down, or the fixed amount per unit; never more than
        `amount`."""
        if self.kind is PromotionKind.PERCENTAGE:
            return amount * self.value // 100
        return min(self.value * quantity, amount)


class Promotion(Aggregate):
    """A promotion of the counter: what it takes off, what it applies to, and its dates."""

    class Launched(Aggregate.Created):
        tenant_id: UUID
        name: str
        kind: str
        value: int
        scope: str
        item_id: UUID | None
        category: str | None
        starts_on: date
        ends_on: date
        minimum_spend: int

    class Ended(Aggregate.Event):
        on: date

    @classmethod
    def create(
        cls,
        tenant_id: UUID,
        name: str,
        kind: str,
        value: int,
        scope: str,
        starts_on: date,
        ends_on: date,
        *,
        item_id: UUID | None = None,
        category: str | None = None,
        minimum_spend: int = 0,
    ) -> Promotion:
        parsed_kind = PromotionKind(_one_of(kind, PromotionKind, "kind"))
        parsed_scope = PromotionScope(_one_of(scope, PromotionScope, "scope"))
        item_id, category = _target(parsed_scope, item_id, category)
        starts_on, ends_on = _period(starts_on, ends_on)
        return cls._create(
            cls.Launched,
            tenant_id=tenant_id,
            name=require_text(name, "name", 80),
            kind=parsed_kind.value,
            value=_value(parsed_kind, value),
            scope=parsed_scope.value,
            item_id=item_id,
            category=category,
            starts_on=starts_on,
            ends_on=ends_on,
            minimum_spend=_minimum_spend(minimum_spend),
        )

    @event(Launched)
    def __init__(
        self,
        tenant_id: UUID,
        name: str,
        kind: str,
        value: int,
        scope: str,
        item_id: UUID | None,
        category: str | None,
        starts_on: date,
        ends_on: date,
        minimum_spend: int,
    ) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.kind = PromotionKind(kind)
        self.value = value
        self.scope = PromotionScope(scope)
        self.item_id = item_id
        self.category = category
        self.starts_on, self.ends_on = starts_on, ends_on
        self.minimum_spend = minimum_spend
        self.ended_on: date | None = None

    @property
    def ended(self) -> bool:
        return self.ended_on is not None

    def in_force(self, on: date) -> bool:
        return not self.ended and self.starts_on <= on <= self.ends_on

    def end(self, on: date) -> None:
        """Stop it now, whatever its last day: sales from now on no longer get it."""
        if self.ended:
            raise PromotionRefused(f"the promotion already ended on {self.ended_on}")
        self._ended(on=on)

    @event(Ended)
    def _ended(self, on: date) -> None:
        self.ended_on = on

    def offer(self) -> Offer:
        return Offer(
            self.id,
            self.name,
            self.kind,
            self.value,
            self.scope,
            self.item_id,
            self.category,
            self.minimum_spend,
        )
