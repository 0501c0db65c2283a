"""What clients read of the CEO digest: one day's, or the list, newest first (owners, admins)."""

from __future__ import annotations

from datetime import date

from application.ai.digest_ports import CeoDigestReadModels, CeoDigestView
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError
from application.shared.paging import MAX_PAGE
from application.shared.ports import Page, Stores


class CeoDigestQueries:
    def __init__(self, stores: Stores, read_models: CeoDigestReadModels) -> None:
        self._stores = stores
        self._read_models = read_models

    def digest(self, principal: Principal, day: date) -> CeoDigestView | None:
        """The digest of `day` (the day its figures are of), if it was compiled."""
        authorize(principal, Permission.READ_CEO_DIGEST)
        store = self._stores.for_tenant(principal.tenant_id)
        return self._read_models.digest(store, principal.tenant_id, day)

    def digests(self, principal: Principal, first: int, after: str | None) -> Page[CeoDigestView]:
        authorize(principal, Permission.READ_CEO_DIGEST)
        if not 1 <= first <= MAX_PAGE:
            raise ApplicationError(f"first must be between 1 and {MAX_PAGE}", field="first")
        store = self._stores.for_tenant(principal.tenant_id)
        return self._read_models.digests(store, principal.tenant_id, first, after)
