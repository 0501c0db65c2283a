"""The events that carry what an AI call cost.

A feature that asks the model records its outcome with the call's `AiUsage` in the same
transaction: its outcome event has an attribute `ai_usage: AiUsage` (or `ai_usages:
tuple[AiUsage, ...]` when one outcome took several calls). Each such event type is listed here,
and the AI cost read model subscribes to exactly these topics.
"""

from __future__ import annotations

METERED_EVENTS: tuple[type, ...] = ()
