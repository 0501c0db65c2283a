"""What the quote calculator reads: the rate card as clients see it, and the quotation list (its
read model)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.agency.estimate import QuoteLine
from domain.agency.quotation import QuotationStatus
from domain.agency.rate_card import Complexity, Feature


@dataclass(frozen=True)
class RateCardView:
    features: list[Feature]  # by code
    multipliers: dict[Complexity, int]  # hundredths: 150 is x1.5
    management_percent: int | None


@dataclass(frozen=True)
class QuotationView:
    id: UUID
    number: str
    customer_id: UUID
    customer_name: str
    status: QuotationStatus
    complexity: Complexity
    lines: list[QuoteLine]
    management_percent: int | None
    management: int
    subtotal: int
    dpp: int
    ppn: int
    total: int
    valid_until: date
    notes: str
    summary: str | None
    invoice_id: UUID | None
    invoice_number: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class QuotationFilter:
    """Which quotations a list shows: of one status, whose number or customer's name contains
    `search`."""

    status: QuotationStatus | None = None
    search: str | None = None


class QuotationReadModels(Protocol):
    def quotations(
        self,
        store: EventStore,
        tenant_id: UUID,
        which: QuotationFilter,
        first: int,
        after: str | None,
    ) -> Page[QuotationView]:
        """Newest first, in keyset pages."""
        ...

    def quotation(
        self, store: EventStore, tenant_id: UUID, quotation_id: UUID
    ) -> QuotationView | None: ...
