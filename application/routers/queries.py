"""The routers' read side for clients: routers and how far provisioning has reached them,
each read authorised, scoped to the caller's tenant and validated."""

from __future__ import annotations

from uuid import UUID

from application.routers.provisioning import ProvisioningView, RouterReadModels, RouterView
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore
from application.shared.ports import Stores
from domain.routers.provisioning import SUBSCRIPTION, VOUCHER

# Provisioning rows are many (one per subscription and voucher); a page may hold this many.
MAX_PAGE = 500
PROVISIONING_STATUSES = ("synced", "pending", "failed")
PROVISIONING_KINDS = (SUBSCRIPTION, VOUCHER)


class RouterQueries:
    """Router reads: each checks a permission, then reads the caller's tenant. Passwords are
    never part of what they return."""

    def __init__(self, stores: Stores, read_models: RouterReadModels) -> None:
        self._stores = stores
        self._read_models = read_models

    def routers(self, principal: Principal) -> list[RouterView]:
        """The tenant's routers by name, removed ones included (marked so)."""
        authorize(principal, Permission.READ_ROUTERS)
        return self._read_models.routers(self._store(principal), principal.tenant_id)

    def router(self, principal: Principal, router_id: UUID) -> RouterView | None:
        return next((r for r in self.routers(principal) if r.id == router_id), None)

    def provisioning(
        self,
        principal: Principal,
        status: str | None = None,
        kind: str | None = None,
        first: int = 50,
    ) -> list[ProvisioningView]:
        """Provisioning per subscription and voucher, least recently changed first."""
        authorize(principal, Permission.READ_ROUTERS)
        if status is not None and status not in PROVISIONING_STATUSES:
            raise ApplicationError("status must be synced, pending or failed", field="status")
        if kind is not None and kind not in PROVISIONING_KINDS:
            raise ApplicationError("kind must be subscription or voucher", field="kind")
        if not 1 <= first <= MAX_PAGE:
            raise ApplicationError(f"first must be 1-{MAX_PAGE}", field="first")
        return self._read_models.provisioning(
            self._store(principal), principal.tenant_id, status, first, kind
        )

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)
