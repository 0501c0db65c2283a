"""The outbound-webhook read side for clients: endpoints and deliveries; authorised, scoped to
the caller's tenant, validated. Signing secrets are never read back."""

from __future__ import annotations

from uuid import UUID

from application.integrations.ports import (
    DELIVERY_STATUSES,
    DeliveryFilter,
    WebhookDeliveryView,
    WebhookEndpointView,
    WebhookReadModels,
)
from application.integrations.public_events import validate_types
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound
from application.shared.event_store import EventStore
from application.shared.paging import MAX_PAGE
from application.shared.ports import Page, Stores


class WebhookQueries:
    """Reads of a tenant's webhook endpoints and of what was delivered to them."""

    def __init__(self, stores: Stores, read_models: WebhookReadModels) -> None:
        self._stores = stores
        self._read_models = read_models

    def endpoints(self, principal: Principal) -> list[WebhookEndpointView]:
        authorize(principal, Permission.READ_WEBHOOKS)
        return self._read_models.endpoints(self._store(principal), principal.tenant_id)

    def endpoint(self, principal: Principal, endpoint_id: UUID) -> WebhookEndpointView:
        for view in self.endpoints(principal):
            if view.id == endpoint_id:
                return view
        raise NotFound(f"no webhook endpoint {endpoint_id}", field="id")

    def deliveries(
        self, principal: Principal, where: DeliveryFilter, first: int, after: str | None
    ) -> Page[WebhookDeliveryView]:
        """Newest first, by endpoint, status and public event type."""
        authorize(principal, Permission.READ_WEBHOOKS)
        if where.status is not None and where.status not in DELIVERY_STATUSES:
            known = ", ".join(sorted(DELIVERY_STATUSES))
            raise ApplicationError(
                f"unknown status {where.status!r}; known: {known}", field="status"
            )
        if where.event_type is not None:
            validate_types([where.event_type], "eventType")
        if not 1 <= first <= MAX_PAGE:
            raise ApplicationError(f"first must be between 1 and {MAX_PAGE}", field="first")
        return self._read_models.deliveries(
            self._store(principal), principal.tenant_id, where, first, after
        )

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)
