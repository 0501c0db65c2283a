"""The read side: authorised, tenant-scoped queries over read models. Returns DTOs only."""

from __future__ import annotations

import re
from uuid import UUID

from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound
from application.shared.paging import MAX_PAGE, filter_text
from application.shared.ports import AuditEntry, CustomerView, Page, ReadModels, Stores


class Queries:
    def __init__(self, stores: Stores, read_models: ReadModels) -> None:
        self._stores = stores
        self._read_models = read_models

    def customers(
        self, principal: Principal, search: str | None, first: int, after: str | None
    ) -> Page[CustomerView]:
        authorize(principal, Permission.READ_CUSTOMERS)
        store = self._stores.for_tenant(principal.tenant_id)
        term = _search_term(search)
        return self._read_models.customers(
            store, principal.tenant_id, term, _page_size(first), after
        )

    def customer(self, principal: Principal, customer_id: UUID) -> CustomerView:
        view = self.find_customer(principal, customer_id)
        if view is None:
            raise NotFound(f"no customer {customer_id}", field="id")
        return view

    def find_customer(self, principal: Principal, customer_id: UUID) -> CustomerView | None:
        authorize(principal, Permission.READ_CUSTOMERS)
        store = self._stores.for_tenant(principal.tenant_id)
        return self._read_models.customer(store, principal.tenant_id, customer_id)

    def audit_log(
        self, principal: Principal, aggregate_id: UUID | None, first: int, after: str | None
    ) -> Page[AuditEntry]:
        authorize(principal, Permission.READ_AUDIT)
        store = self._stores.for_tenant(principal.tenant_id)
        return self._read_models.audit_log(
            store, principal.tenant_id, aggregate_id, _page_size(first), after
        )


def _page_size(first: int) -> int:
    if first < 1 or first > MAX_PAGE:
        raise ApplicationError(f"first must be between 1 and {MAX_PAGE}", field="first")
    return first


_PHONE_LIKE = re.compile(r"^[\d\s\-+().]+$")
_SEPARATORS = re.compile(r"[\s\-().]")


def _search_term(search: str | None) -> str | None:
    """Trimmed search text; a phone number typed with separators is searched without them."""
    term = (filter_text(search, "search") or "").strip()
    if not term:
        return None
    return _SEPARATORS.sub("", term) if _PHONE_LIKE.match(term) else term
