"""The gateway read side for clients: links, the callback log and configured accounts."""

from __future__ import annotations

from uuid import UUID

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
from application.shared.paging import MAX_PAGE
from application.shared.ports import Page, Stores
from domain.payments.gateway import LinkStatus


class GatewayQueries:
    """Reads of a tenant's payment links, gateway callbacks and gateway accounts."""

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

    def active_link(self, principal: Principal, invoice_id: UUID) -> PaymentLinkView | None:
        """The invoice's newest link that can still be paid (not expired, paid or in review),
        for printing on the invoice; None when it has none."""
        return next(iter(self.links(principal, invoice_id, LinkStatus.ACTIVE.value)), None)

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

    def account(self, principal: Principal, gateway: str) -> GatewayAccountView:
        for view in self.accounts(principal):
            if view.gateway == gateway:
                return view
        raise NotFound(f"no {gateway} account", field="gateway")

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)
