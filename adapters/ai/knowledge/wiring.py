"""The knowledge base of one container, wired from settings."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.ai.knowledge.local_embedder import LOCAL_MIN_SIMILARITY, WordLlamaEmbedder
from adapters.ai.knowledge.pdf import PypdfText
from adapters.ai.knowledge.read_models import PostgresKnowledgeReadModels
from adapters.shared.settings import KbEmbedder, Settings
from adapters.shared.stores import PostgresStores
from application.ai.knowledge.answers import KnowledgeAnswers
from application.ai.knowledge.documents import KnowledgeDocuments
from application.ai.knowledge.embedders import GEMINI_MIN_SIMILARITY, GeminiEmbedder
from application.ai.knowledge.ports import KB_DIMENSIONS, Embedder
from application.ai.knowledge.queries import KnowledgeQueries
from application.ai.knowledge.retrieval import Retriever
from application.ai.knowledge.shop import ShopPassages
from application.ai.ports import Ai
from application.shared.ports import ReadModelSync


@dataclass
class KnowledgeWiring:
    read_models: PostgresKnowledgeReadModels
    embedder: Embedder
    documents: KnowledgeDocuments
    answers: KnowledgeAnswers
    queries: KnowledgeQueries
    shop: ShopPassages  # the WhatsApp concierge's ShopKnowledge


def knowledge_services(
    settings: Settings, stores: PostgresStores, sync: ReadModelSync, ai: Ai
) -> KnowledgeWiring:
    read_models = PostgresKnowledgeReadModels(stores)
    embedder = embedder_of(settings, ai)
    documents = KnowledgeDocuments(
        stores, sync, read_models, PypdfText(), embedder, settings.niaga_kb_max_bytes
    )
    retriever = Retriever(read_models)
    answers = KnowledgeAnswers(documents, ai, embedder, retriever, sync)
    queries = KnowledgeQueries(stores, read_models, embedder.model)
    local = settings.kb_embedder is KbEmbedder.LOCAL
    shop = ShopPassages(documents, embedder, retriever, embed_questions=local)
    return KnowledgeWiring(read_models, embedder, documents, answers, queries, shop)


def embedder_of(settings: Settings, ai: Ai) -> Embedder:
    """NIAGA_KB_EMBEDDER's model. Gemini's vectors must fill the column exactly: a different
    NIAGA_AI_EMBEDDING_DIMENSIONS is refused here, at start, not at the first upload."""
    threshold = settings.niaga_kb_min_similarity
    if settings.kb_embedder is KbEmbedder.LOCAL:
        return WordLlamaEmbedder(LOCAL_MIN_SIMILARITY if threshold is None else threshold)
    if settings.niaga_ai_embedding_dimensions != KB_DIMENSIONS:
        raise ValueError(
            f"NIAGA_KB_EMBEDDER=gemini needs NIAGA_AI_EMBEDDING_DIMENSIONS={KB_DIMENSIONS} (the "
            f"knowledge base's vector column), not {settings.niaga_ai_embedding_dimensions}"
        )
    return GeminiEmbedder(
        ai,
        settings.niaga_ai_embedding_model,
        GEMINI_MIN_SIMILARITY if threshold is None else threshold,
    )
