"""What clients read of quotations, from the `quotation_list` read model: authorised and scoped
to the caller's tenant."""

from __future__ import annotations

from uuid import UUID

from application.agency.quote_ports import QuotationFilter, QuotationReadModels, QuotationView
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.paging import MAX_PAGE, filter_text
from application.shared.ports import Page, Stores
from domain.shared.errors import InvalidValue


class QuotationQueries:
    def __init__(self, stores: Stores, read_models: QuotationReadModels) -> None:
        self._stores = stores
        self._read_models = read_models

    def quotations(
        self,
        principal: Principal,
        which: QuotationFilter,
        first: int = 20,
        after: str | None = None,
    ) -> Page[QuotationView]:
        """Newest first, of one status, whose number or customer's name contains `search`."""
        authorize(principal, Permission.READ_QUOTES)
        if not 1 <= first <= MAX_PAGE:
            raise InvalidValue(f"first must be between 1 and {MAX_PAGE}", field="first")
        search = filter_text(which.search, "search")
        which = QuotationFilter(which.status, search or None)
        store = self._stores.for_tenant(principal.tenant_id)
        return self._read_models.quotations(store, principal.tenant_id, which, first, after)

    def quotation(self, principal: Principal, quotation_id: UUID) -> QuotationView | None:
        authorize(principal, Permission.READ_QUOTES)
        store = self._stores.for_tenant(principal.tenant_id)
        return self._read_models.quotation(store, principal.tenant_id, quotation_id)
