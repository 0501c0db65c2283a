"""Payments received, for clients and integrators: authorised, tenant-scoped, validated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound
from application.shared.event_store import EventStore
from application.shared.paging import MAX_PAGE
from application.shared.ports import Page, Stores
from domain.payments.payment import PaymentMethod


@dataclass(frozen=True)
class PaymentAllocation:
    invoice_id: UUID
    amount: int


@dataclass(frozen=True)
class PaymentView:
    id: UUID
    tenant_id: UUID
    customer_id: UUID
    amount: int
    method: str
    reference: str
    received_on: date
    allocations: list[PaymentAllocation]
    credit: int  # left over as credit on account
    recorded_at: datetime


@dataclass(frozen=True)
class PaymentFilter:
    customer_id: UUID | None = None
    method: str | None = None
    received_from: date | None = None
    received_to: date | None = None  # inclusive


class PaymentReadModels(Protocol):
    def payments(
        self,
        store: EventStore,
        tenant_id: UUID,
        where: PaymentFilter,
        first: int,
        after: str | None,
    ) -> Page[PaymentView]:
        """Oldest recorded first."""
        ...

    def payment(
        self, store: EventStore, tenant_id: UUID, payment_id: UUID
    ) -> PaymentView | None: ...


_METHODS = frozenset(m.value for m in PaymentMethod)


class PaymentQueries:
    def __init__(self, stores: Stores, read_models: PaymentReadModels) -> None:
        self._stores = stores
        self._read_models = read_models

    def payments(
        self, principal: Principal, where: PaymentFilter, first: int, after: str | None
    ) -> Page[PaymentView]:
        authorize(principal, Permission.READ_BILLING)
        if where.method is not None and where.method not in _METHODS:
            known = ", ".join(sorted(_METHODS))
            raise ApplicationError(
                f"unknown method {where.method!r}; known: {known}", field="method"
            )
        if where.received_from and where.received_to and where.received_from > where.received_to:
            raise ApplicationError("received_from is after received_to", field="received_from")
        if not 1 <= first <= MAX_PAGE:
            raise ApplicationError(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        return self._read_models.payments(
            self._store(principal), principal.tenant_id, where, first, after
        )

    def payment(self, principal: Principal, payment_id: UUID) -> PaymentView:
        authorize(principal, Permission.READ_BILLING)
        found = self._read_models.payment(self._store(principal), principal.tenant_id, payment_id)
        if found is None:
            raise NotFound(f"no payment {payment_id}", field="id")
        return found

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)
