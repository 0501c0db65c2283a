"""Which promotions a basket gets, and how much each takes off.

The rule, in order:

1. Only promotions whose minimum spend the basket's subtotal (before discounts and PPN) reaches
   take part.
2. Each item line gets at most one item or category promotion: the one that takes the most off
   it (a tie goes to the promotion named first alphabetically, then the lower id, so the same
   basket always gets the same discounts). Services get none.
3. Then at most one basket promotion, the one taking the most off what is left after step 2.
4. No discount takes a line, or the basket, below zero: each is capped at what it applies to.

A basket discount falls on taxable and non-taxable lines in proportion to what is left of each,
so PPN is charged on the discounted taxable amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from domain.repairs.promotion import Offer, PromotionScope, same_category


@dataclass(frozen=True)
class BasketLine:
    """A line of a sale as promotions see it: what it costs before discounts."""

    amount: int
    quantity: int
    taxable: bool
    item_id: UUID | None = None
    category: str | None = None


@dataclass(frozen=True)
class Discount:
    """What one promotion takes off one line (`line` is its index) or off the basket (`line`
    is None); `taxable` says whether it lowers the amount PPN is charged on."""

    promotion_id: UUID
    name: str
    amount: int
    taxable: bool
    line: int | None = None


def discounts_for(lines: Sequence[BasketLine], offers: Sequence[Offer]) -> list[Discount]:
    """The discounts of a basket under the rule above: line discounts in line order, then the
    basket discount (on its taxable part first, then on the rest)."""
    subtotal = sum(line.amount for line in lines)
    reached = [o for o in offers if o.minimum_spend <= subtotal]
    per_line = [d for i, line in enumerate(lines) if (d := _best_for_line(i, line, reached))]
    return per_line + _basket(lines, per_line, reached)


def _applies_to(offer: Offer, line: BasketLine) -> bool:
    if offer.scope is PromotionScope.ITEM:
        return line.item_id is not None and offer.item_id == line.item_id
    if offer.scope is PromotionScope.CATEGORY:
        return line.item_id is not None and same_category(offer.category, line.category)
    return False


def _ranked(candidates: list[tuple[int, Offer]]) -> tuple[int, Offer] | None:
    """The biggest discount; ties to the first name, then the lower id."""
    if not candidates:
        return None
    return min(candidates, key=lambda c: (-c[0], c[1].name, c[1].promotion_id))


def _best_for_line(index: int, line: BasketLine, offers: Sequence[Offer]) -> Discount | None:
    best = _ranked([(o.off(line.amount, line.quantity), o) for o in offers if _applies_to(o, line)])
    if best is None or best[0] <= 0:
        return None
    amount, offer = best
    return Discount(offer.promotion_id, offer.name, amount, line.taxable, index)


def _basket(
    lines: Sequence[BasketLine], per_line: Sequence[Discount], offers: Sequence[Offer]
) -> list[Discount]:
    taxable_left = _left(lines, per_line, taxable=True)
    other_left = _left(lines, per_line, taxable=False)
    left = taxable_left + other_left
    best = _ranked([(o.off(left), o) for o in offers if o.scope is PromotionScope.BASKET])
    if best is None or best[0] <= 0:
        return []
    amount, offer = best
    # Rounded down on the taxable part: PPN is never charged on less than is owed.
    on_taxable = amount * taxable_left // left
    parts = [(on_taxable, True), (amount - on_taxable, False)]
    return [
        Discount(offer.promotion_id, offer.name, part, taxable) for part, taxable in parts if part
    ]


def _left(lines: Sequence[BasketLine], per_line: Sequence[Discount], *, taxable: bool) -> int:
    """What the lines of one kind still cost after their own discounts."""
    before = sum(line.amount for line in lines if line.taxable is taxable)
    return before - sum(d.amount for d in per_line if d.taxable is taxable)
