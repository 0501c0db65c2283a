"""What the CEO digest reads: the areas' figures of a day, and the digests compiled so far."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.ai.digest import DigestFigures, DigestInsight


@dataclass(frozen=True)
class SourcedFigures:
    """A day's figures, with the names of the customers and agents they name by id (as the
    read models hold them now: a forgotten customer reads `[forgotten]`)."""

    figures: DigestFigures
    names: Mapping[UUID, str]


class DigestSource(Protocol):
    """The figures of one tenant, read from the areas' read models (billing, payments,
    subscriptions, vouchers, repairs, inventory)."""

    def figures(
        self, store: EventStore, tenant_id: UUID, day: date, zone: str, now: datetime
    ) -> SourcedFigures:
        """Invoices issued, payments received (and by whom), subscriptions started and ended
        and vouchers sold on `day` (a date in `zone`); overdue invoices (due before the day
        after), open repair jobs and low stock as they stand at `now`."""
        ...


@dataclass(frozen=True)
class CeoDigestView:
    id: UUID
    tenant_id: UUID
    day: date
    mode: str  # ai or template
    ai_status: str  # ok, or why AI could not answer
    figures: DigestFigures
    insights: list[DigestInsight]
    names: Mapping[UUID, str]  # the customers and agents the figures name, by id
    whatsapp: list[str]  # the status of each WhatsApp message it was sent as
    compiled_at: datetime


class CeoDigestReadModels(Protocol):
    def digest(self, store: EventStore, tenant_id: UUID, day: date) -> CeoDigestView | None: ...

    def digests(
        self, store: EventStore, tenant_id: UUID, first: int, after: str | None
    ) -> Page[CeoDigestView]:
        """Newest day first."""
        ...
