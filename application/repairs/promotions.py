"""Promotions: created with their dates and scope, ended by hand; the counter applies those in
force by itself (see `domain.repairs.discounts` for the rule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver, load, require
from domain.repairs.inventory import InventoryItem
from domain.repairs.promotion import Promotion


@dataclass(frozen=True)
class CreatePromotion:
    name: str
    kind: str  # percentage or fixed
    value: int  # percent (1-100) or rupiah
    scope: str  # item, category or basket
    starts_on: date
    ends_on: date
    item_id: UUID | None = None
    category: str | None = None
    minimum_spend: int = 0


class PromotionService:
    """Creates and ends the counter's promotions."""

    def __init__(self, stores: Stores, sync: ReadModelSync, clock: Clock) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock

    def create(self, principal: Principal, command: CreatePromotion) -> UUID:
        """Checks every field, then that an item promotion names one of the tenant's items."""
        authorize(principal, Permission.MANAGE_PROMOTIONS)
        store = self._stores.for_tenant(principal.tenant_id)
        promotion = Promotion.create(
            principal.tenant_id,
            command.name,
            command.kind,
            command.value,
            command.scope,
            command.starts_on,
            command.ends_on,
            item_id=command.item_id,
            category=command.category,
            minimum_spend=command.minimum_spend,
        )
        if command.item_id is not None:
            require(store, InventoryItem, command.item_id, principal.tenant_id, "item", "item_id")
        self._saver.save(store, principal, "CreatePromotion", promotion)
        return promotion.id

    def end(self, principal: Principal, promotion_id: UUID) -> None:
        """Stop a promotion today, before its last day."""
        authorize(principal, Permission.MANAGE_PROMOTIONS)
        store = self._stores.for_tenant(principal.tenant_id)
        promotion = load(store, Promotion, promotion_id, principal.tenant_id, "promotion", "id")
        promotion.end(self._clock.today(tenant_of(self._stores, principal.tenant_id).timezone))
        self._saver.save(store, principal, "EndPromotion", promotion)
