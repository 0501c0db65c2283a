"""A scope summary asked of the language model for an estimate, kept with what the call cost.

The summary's text is not kept: it may name the client, and it lives on only where the tenant
puts it (a quotation's summary). What is kept is what was estimated and how the call ended.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.agency.rate_card import Complexity
from domain.ai import AiUsage


class QuoteSummary(Aggregate):
    class Asked(Aggregate.Created):
        tenant_id: UUID
        features: list[str]
        complexity: str
        ai_status: str  # "ok", or why the model did not answer (the AI port's reasons)
        ai_usage: AiUsage

    @classmethod
    def record(
        cls,
        tenant_id: UUID,
        features: list[str],
        complexity: Complexity,
        ai_status: str,
        ai_usage: AiUsage,
    ) -> QuoteSummary:
        return cls._create(
            cls.Asked,
            id=uuid4(),
            tenant_id=tenant_id,
            features=list(features),
            complexity=complexity.value,
            ai_status=ai_status,
            ai_usage=ai_usage,
        )

    @event(Asked)
    def __init__(
        self,
        tenant_id: UUID,
        features: list[str],
        complexity: str,
        ai_status: str,
        ai_usage: AiUsage,
    ) -> None:
        self.tenant_id = tenant_id
        self.ai_status = ai_status
