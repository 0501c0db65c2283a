"""Tagging customers, so campaigns can reach a group by its tags."""

from __future__ import annotations

from uuid import UUID

from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, find, load
from domain.customers.customer import Customer
from domain.customers.customer_tags import CustomerTags


class CustomerTagService:
    def __init__(self, stores: Stores, sync: ReadModelSync) -> None:
        self._stores = stores
        self._saver = Saver(sync)

    def change(
        self, principal: Principal, customer_id: UUID, add: list[str], remove: list[str]
    ) -> list[str]:
        """Add and remove tags (each normalised: trimmed, lower case); return the tags after."""
        authorize(principal, Permission.WRITE_CUSTOMERS)
        store = self._stores.for_tenant(principal.tenant_id)
        load(store, Customer, customer_id, principal.tenant_id, "customer")
        tags = find(store, CustomerTags, CustomerTags.id_for(customer_id))
        tags = tags or CustomerTags.start(principal.tenant_id, customer_id)
        for tag in add:
            tags.tag(tag)
        for tag in remove:
            tags.untag(tag)
        self._saver.save(store, principal, "TagCustomer", tags)
        return sorted(tags.tags)
