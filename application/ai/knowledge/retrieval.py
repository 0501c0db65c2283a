"""Hybrid retrieval: the chunks nearest to the question's vector and the chunks matching its
words (PostgreSQL full text, Indonesian stemming), fused by reciprocal rank.

Reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009) scores a chunk by the sum of
`1 / (K + rank)` over the rankings it appears in: no score of one ranking has to be made
comparable with the other's, and a chunk both rankings like rises to the top. A chunk is
relevant only if it holds more than a third of the question's content words, or its vector is
close enough (`Embedder.min_similarity`): one shared word ("tahun", "membuat") is chance, not a
topic. When no chunk is relevant, the knowledge base says it found nothing instead of
answering.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from application.ai.knowledge.ports import Hit, KnowledgeReadModels, Passage
from application.shared.event_store import EventStore

K = TypeVar("K", bound=Hashable)
RRF_K = 60  # the constant of the paper; it damps the weight of the very first ranks
CANDIDATES = 30  # taken from each ranking before fusing
PASSAGES = 5  # handed to the model (and shown)
MAX_TERMS = 32
MIN_COVERAGE = 1 / 3  # relevant by words: holding more than this share of the question's
# A stem held by more than this share of a tenant's chunks (and by more than COMMON_FLOOR of
# them) says nothing about a question's topic: like a stop word of that tenant's documents, it
# is not searched (ranking every chunk it matches is what makes full text slow at scale).
COMMON_SHARE = 0.2
COMMON_FLOOR = 200
_WORD = re.compile(r"\w+", re.UNICODE)
# Words that carry no topic: question words, pronouns, particles and prepositions (Indonesian,
# with the English ones staff mix in). PostgreSQL has no Indonesian stop-word list, so without
# these "yang" or "di" would match every chunk.
STOPWORDS = frozenset(
    """
    ada adalah agar akan aku anda apa apakah atau bagaimana bagi bahwa banyak beberapa belum
    berapa bila bisa boleh bukan dalam dan dapat dari dengan di dia dimana engkau hal hanya
    harus ia ialah ini itu jadi jika juga kalau kami kamu kapan karena ke kenapa kepada ketika
    kita lagi lain mana masih maupun mengapa mereka misalnya mohon nya oleh pada para per perlu
    pula saat saja sama sang saya se sebagai sebelum secara sedang sehingga sejak seperti serta
    setelah siapa sini situ sudah supaya tanpa tapi telah tentang terhadap tersebut tetapi tidak
    tolong untuk wajib yaitu yakni yang a an and are as at be by can do does for from how i in
    is it me my of on or our please should that the this to us was we what when where which who
    why will with you your
    """.split()  # noqa: SIM905 - a word list reads best as words
)


def search_terms(question: str) -> list[str]:
    """The question's words that carry its topic, lower-cased, each once, in order."""
    words = (w.lower() for w in _WORD.findall(question))
    kept = [w for w in words if len(w) > 1 and w not in STOPWORDS and not w.isdigit()]
    return list(dict.fromkeys(kept))[:MAX_TERMS]


@dataclass(frozen=True)
class TextSearch:
    stems: list[str]
    every: bool  # chunks must hold every stem (else any of them)


def selective(stems: Sequence[tuple[str, int]], total: int) -> TextSearch:
    """The question's stems worth searching, given how many of the tenant's `total` chunks hold
    each: any of those that are not common; if every one is common, both of the two rarest
    (either alone would still match a good part of the chunks)."""
    bound = max(COMMON_SHARE * total, COMMON_FLOOR)
    kept = [stem for stem, chunks in stems if chunks <= bound]
    if kept:
        return TextSearch(kept, every=False)
    rarest = [stem for stem, _ in sorted(stems, key=lambda s: s[1])[:2]]
    return TextSearch(rarest, every=True)


def fuse(*rankings: Sequence[K], k: int = RRF_K) -> list[tuple[K, float]]:
    """Reciprocal rank fusion of rankings (best first): each key with its fused score, best
    first; ties keep the order in which the keys were first met."""
    scores: dict[K, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


@dataclass(frozen=True)
class Found:
    """A relevant passage and why it was found."""

    passage: Passage
    score: float  # fused
    similarity: float | None  # cosine similarity to the question, if it was near enough to rank
    matched_words: bool  # it holds more than a third of the question's content words


@dataclass(frozen=True)
class Retrieval:
    found: list[Found]
    hybrid: bool  # False: full text only (the question could not be embedded)


class Retriever:
    def __init__(
        self,
        read_models: KnowledgeReadModels,
        passages: int = PASSAGES,
        candidates: int = CANDIDATES,
    ) -> None:
        self._read_models = read_models
        self._passages = passages
        self._candidates = candidates

    def retrieve(
        self,
        store: EventStore,
        tenant_id: UUID,
        question: str,
        vector: tuple[str, Sequence[float], float] | None,
    ) -> Retrieval:
        """The relevant passages, best first. `vector` is the question's (model, vector,
        min_similarity), or None to search by words alone."""
        terms = search_terms(question)
        by_text = self._read_models.by_text(store, tenant_id, terms, self._candidates)
        by_vector: list[Hit] = []
        threshold = 1.0
        if vector is not None:
            model, values, threshold = vector
            by_vector = self._read_models.by_vector(
                store, tenant_id, model, values, self._candidates
            )
        similar = {(h.document_id, h.seq): h.score for h in by_vector}
        matched = {(h.document_id, h.seq) for h in by_text if h.coverage > MIN_COVERAGE}
        relevant = [
            (key, score)
            for key, score in fuse([_key(h) for h in by_vector], [_key(h) for h in by_text])
            if key in matched or similar.get(key, -1.0) >= threshold
        ][: self._passages]
        texts = {
            (p.document_id, p.seq): p
            for p in self._read_models.passages(store, tenant_id, [k for k, _ in relevant])
        }
        found = [
            Found(texts[key], score, similar.get(key), key in matched)
            for key, score in relevant
            if key in texts  # a document deleted meanwhile
        ]
        return Retrieval(found, vector is not None)


def _key(hit: Hit) -> tuple[UUID, int]:
    return (hit.document_id, hit.seq)
