"""What the staff read of the tickets: the list (filters, search, keyset pages, a total) and one
ticket with its timeline. Reads are authorised (`tickets:read`), scoped to the caller's tenant,
and the texts opened with the customer's key; breaches are judged at the clock's now."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.paging import MAX_PAGE, filter_text
from application.shared.ports import Page, Stores
from application.support.ports import SupportReadModels, TicketFilter, TicketView, TimelineEntry
from application.support.sealing import prefetch, unseal
from domain.shared.errors import InvalidValue


class TicketQueries:
    def __init__(self, stores: Stores, read_models: SupportReadModels, clock: Clock) -> None:
        self._stores = stores
        self._read_models = read_models
        self._clock = clock

    def tickets(
        self, principal: Principal, which: TicketFilter, first: int = 50, after: str | None = None
    ) -> Page[TicketView]:
        """Newest first."""
        authorize(principal, Permission.READ_TICKETS)
        if not 1 <= first <= MAX_PAGE:
            raise InvalidValue(f"first must be between 1 and {MAX_PAGE}", field="first")
        which = replace(which, search=filter_text(which.search, "search") or None)
        store = self._store(principal)
        page = self._read_models.tickets(
            store, principal.tenant_id, which, self._clock.now(), first, after
        )
        prefetch(store, {t.customer_id for t in page.items})
        return replace(page, items=[_opened(store, t) for t in page.items])

    def ticket(self, principal: Principal, ticket_id: UUID) -> TicketView | None:
        authorize(principal, Permission.READ_TICKETS)
        store = self._store(principal)
        view = self._read_models.ticket(store, principal.tenant_id, ticket_id, self._clock.now())
        return _opened(store, view) if view else None

    def timeline(self, principal: Principal, ticket_id: UUID) -> list[TimelineEntry]:
        """Notes, replies, status and priority changes, with who and when, in order."""
        authorize(principal, Permission.READ_TICKETS)
        store = self._store(principal)
        view = self._read_models.ticket(store, principal.tenant_id, ticket_id, self._clock.now())
        if view is None:
            return []
        entries = self._read_models.timeline(store, principal.tenant_id, ticket_id)
        return [
            replace(e, text=unseal(store, view.customer_id, e.text) if e.text else None)
            for e in entries
        ]

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)


def _opened(store: EventStore, view: TicketView) -> TicketView:
    description = unseal(store, view.customer_id, view.description) if view.description else None
    return replace(
        view, subject=unseal(store, view.customer_id, view.subject), description=description
    )
