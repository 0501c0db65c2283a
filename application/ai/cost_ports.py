"""What the AI cost and budget reads need from the read models, and what they answer with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol
from uuid import UUID

from application.shared.event_store import EventStore


@dataclass(frozen=True)
class AiCostRow:
    """One tenant's AI calls of one feature on one model on one day. `model` is None for calls
    no model was asked for (AI off, no key, over budget, breaker open)."""

    day: date
    feature: str
    model: str | None
    calls: int
    input_tokens: int
    output_tokens: int
    cost_micro_idr: int
    latency_ms: int  # summed over the calls
    failures: dict[str, int] = field(default_factory=dict)  # outcome -> calls


class AiCostReadModels(Protocol):
    def rows(self, store: EventStore, tenant_id: UUID, start: date, end: date) -> list[AiCostRow]:
        """The tenant's rows from `start` up to (not including) `end`, by day, feature, model."""

    def cost(self, store: EventStore, tenant_id: UUID, start: date, end: date) -> int:
        """The tenant's cost in millionths of a rupiah from `start` up to `end`: one sum over an
        index, cheap enough to ask before every call."""

    def budget(self, platform: EventStore, tenant_id: UUID) -> int | None:
        """The tenant's monthly budget in rupiah (None: no limit)."""

    def budgets(self, platform: EventStore) -> dict[UUID, int | None]:
        """Every tenant's budget that was ever set."""


class PlatformRevenue(Protocol):
    """What a tenant paid the platform in a month, where the platform records it."""

    def month(self, tenant_id: UUID, month: date) -> int | None:
        """Rupiah paid for the month starting on `month`, or None when unknown."""
