"""The events that carry what an AI call cost.

A feature that asks the model records its outcome with the call's `AiUsage` in the same
transaction: its outcome event has an attribute `ai_usage: AiUsage` (or `ai_usages:
tuple[AiUsage, ...]` when one outcome took several calls). Each such event type is listed here,
and the AI cost read model subscribes to exactly these topics.
"""

from __future__ import annotations

from domain.agency.quote_summary import QuoteSummary
from domain.ai.conversation import Conversation
from domain.ai.digest import CeoDigest
from domain.ai.knowledge import KnowledgeDocument, KnowledgeQuestion
from domain.ai.precheck import Precheck

METERED_EVENTS: tuple[type, ...] = (
    CeoDigest.Compiled,  # the CEO digest
    Conversation.Answered,  # the WhatsApp concierge's answers
    Conversation.HandedOff,  # and its handoffs to the technicians
    Precheck.Done,  # the pre-check of invoices and quotes
    KnowledgeDocument.ChunksEmbedded,  # the knowledge base: Gemini embeddings (none locally)
    KnowledgeDocument.EmbeddingFailed,
    KnowledgeQuestion.Answered,  # a question's embedding and its answer
    QuoteSummary.Asked,  # the quote calculator's scope summaries
)
