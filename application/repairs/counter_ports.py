"""What the counter reads: its promotions, and its sales per day, method and cashier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from application.shared.event_store import EventStore
from application.shared.ports import Page


@dataclass(frozen=True)
class PromotionView:
    id: UUID
    name: str
    kind: str
    value: int
    scope: str
    item_id: UUID | None
    category: str | None
    starts_on: date
    ends_on: date
    minimum_spend: int
    status: str  # active, or ended (by endPromotion or past its last day)
    ended_on: date | None
    created_at: datetime


@dataclass(frozen=True)
class DailySales:
    """One day's counter sales paid by one method and rung up by one cashier."""

    day: date
    payment_method: str
    cashier: str
    sales: int
    gross: int
    discounts: int
    ppn: int
    net: int
    # A counter sale is paid in full when it is made, and the billing core neither voids nor
    # credits a paid invoice: no return can be recorded against one yet.
    returns: int = 0


class CounterReadModels(Protocol):
    def promotions_in_force(self, store: EventStore, tenant_id: UUID, on: date) -> list[UUID]:
        """Promotions neither ended nor outside their dates on `on`."""
        ...

    def promotions(
        self,
        store: EventStore,
        tenant_id: UUID,
        *,
        active: bool | None,
        today: date,
        first: int,
        after: str | None,
    ) -> Page[PromotionView]:
        """Newest first; `active` keeps those still running on `today` (or only the others)."""
        ...

    def promotion(
        self, store: EventStore, tenant_id: UUID, promotion_id: UUID, today: date
    ) -> PromotionView | None: ...

    def daily_sales(
        self, store: EventStore, tenant_id: UUID, start: date, end: date
    ) -> list[DailySales]:
        """Days from `start` to `end` inclusive, by day, method and cashier."""
        ...
