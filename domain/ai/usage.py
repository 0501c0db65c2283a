"""What one AI call cost and how it ended: the record a feature keeps with its outcome."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

OK = "ok"


@dataclass(frozen=True)
class AiUsage:
    """Tokens as the provider's usage metadata reported them; cost from the price table in
    millionths of a rupiah (tokens times rupiah per million tokens: exact, no rounding)."""

    tenant_id: UUID
    feature: str
    model: str | None  # None when no model was asked (AI off, no key, breaker open)
    key_id: UUID | None  # the key's id, never the key
    input_tokens: int
    output_tokens: int
    cost_micro_idr: int
    latency_ms: int
    outcome: str  # "ok", or why the feature fell back to its deterministic part
