"""The gateway read side for clients: links, the callback log and configured accounts."""

from __future__ import annotations

from uuid import UUID

from application.customers.queries import MAX_PAGE
from application.payments.ports import (
    CallbackFilter,
    CallbackView,
    GatewayAccountView,
    GatewayReadModels,
    PaymentLinkView,
)
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound
from application.shared.event_store import EventStore
from application.shared.ports import Page, Stores


class GatewayQueries:
    def __init__(self, stores: Stores, read_models: GatewayReadModels, clock: Clock) -> None:
        self._stores = stores
        self._read_models = read_models
        self._clock = clock

    def link(self, principal: Principal, link_id: UUID) -> PaymentLinkView:
        authorize(principal, Permission.READ_BILLING)
        views = self._read_models.links(
            self._store(principal), principal.tenant_id, None, None, self._clock.now()
        )
        for view in views:
            if view.id == link_id:
                return view
        raise NotFound(f"no payment link {link_id}", field="id")

    def links(
        self, principal: Principal, invoice_id: UUID | None, status: str | None
    ) -> list[PaymentLinkView]:
        authorize(principal, Permission.READ_BILLING)
        return self._read_models.links(
            self._store(principal), principal.tenant_id, invoice_id, status, self._clock.now()
        )

    def callbacks(
        self, principal: Principal, where: CallbackFilter, first: int, after: str | None
    ) -> Page[CallbackView]:
        """The callback log (raw headers and bodies) is for finance and auditors."""
        authorize(principal, Permission.READ_AUDIT)
        if not 1 <= first <= MAX_PAGE:
            raise ApplicationError(f"first must be between 1 and {MAX_PAGE}", field="first")
        return self._read_models.callbacks(
            self._store(principal), principal.tenant_id, where, first, after
        )

    def accounts(self, principal: Principal) -> list[GatewayAccountView]:
        authorize(principal, Permission.MANAGE_GATEWAYS)
        return self._read_models.accounts(self._store(principal), principal.tenant_id)

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)
