"""The tenant's rate card: read it, and set its features, multipliers and project-management
share. A tenant that never touched it has an empty card with the default multipliers."""

from __future__ import annotations

from decimal import Decimal

from application.agency.quote_ports import RateCardView
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, find
from domain.agency.rate_card import RateCard


def rate_card_of(store: EventStore, principal: Principal) -> RateCard:
    """The tenant's card, or a new one (not saved yet) with the defaults."""
    card = find(store, RateCard, RateCard.id_for(principal.tenant_id))
    return card or RateCard.start(principal.tenant_id)


def view_of(card: RateCard) -> RateCardView:
    features = [card.features[code] for code in sorted(card.features)]
    return RateCardView(features, dict(card.multipliers), card.management_percent)


class RateCards:
    """Reading needs `quotes:read`; every change `quotes:manage`."""

    def __init__(self, stores: Stores, sync: ReadModelSync) -> None:
        self._stores = stores
        self._saver = Saver(sync)

    def view(self, principal: Principal) -> RateCardView:
        authorize(principal, Permission.READ_QUOTES)
        return view_of(rate_card_of(self._stores.for_tenant(principal.tenant_id), principal))

    def set_feature(
        self, principal: Principal, code: str, name: str, base_price: int
    ) -> RateCardView:
        """Add a feature, or change the name and base price of the one with that code."""
        card, store = self._card(principal)
        card.set_feature(code, name, base_price)
        return self._save(store, principal, "SetRateCardFeature", card)

    def remove_feature(self, principal: Principal, code: str) -> RateCardView:
        card, store = self._card(principal)
        card.remove_feature(code)
        return self._save(store, principal, "RemoveRateCardFeature", card)

    def set_multipliers(
        self, principal: Principal, simple: Decimal, standard: Decimal, complex: Decimal
    ) -> RateCardView:
        card, store = self._card(principal)
        card.set_multipliers(simple, standard, complex)
        return self._save(store, principal, "SetComplexityMultipliers", card)

    def set_management_percent(self, principal: Principal, percent: int | None) -> RateCardView:
        """The project-management line as a percentage of the features (None or 0: none)."""
        card, store = self._card(principal)
        card.set_management_percent(percent)
        return self._save(store, principal, "SetProjectManagementPercent", card)

    def _card(self, principal: Principal) -> tuple[RateCard, EventStore]:
        authorize(principal, Permission.MANAGE_QUOTES)
        store = self._stores.for_tenant(principal.tenant_id)
        return rate_card_of(store, principal), store

    def _save(
        self, store: EventStore, principal: Principal, command: str, card: RateCard
    ) -> RateCardView:
        if card.pending_events:  # an unchanged card records nothing
            self._saver.save(store, principal, command, card)
        return view_of(card)
