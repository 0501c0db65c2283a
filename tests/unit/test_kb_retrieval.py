"""Reciprocal rank fusion and the question's search terms."""

from __future__ import annotations

import pytest

from application.ai.knowledge.retrieval import (
    RRF_K,
    TextSearch,
    fuse,
    search_terms,
    selective,
)
from domain.ai import vectors


def test_a_key_both_rankings_like_rises_above_keys_only_one_ranks_first() -> None:
    fused = dict(fuse(["a", "b", "c"], ["c", "d"]))
    assert fused["c"] == pytest.approx(1 / (RRF_K + 3) + 1 / (RRF_K + 1))
    assert fused["a"] == pytest.approx(1 / (RRF_K + 1))
    assert [key for key, _ in fuse(["a", "b", "c"], ["c", "d"])] == [
        "c",
        "a",
        "b",
        "d",
    ]  # b and d tie: first met first


def test_fusing_nothing_gives_nothing_and_one_ranking_keeps_its_order() -> None:
    assert fuse() == []
    assert fuse([], []) == []
    assert [k for k, _ in fuse(["x", "y", "z"])] == ["x", "y", "z"]


def test_search_terms_drop_question_words_particles_and_numbers() -> None:
    question = "Berapa lama GARANSI untuk servis laptop yang rusak di tahun 2026? garansi"
    assert search_terms(question) == ["lama", "garansi", "servis", "laptop", "rusak", "tahun"]
    assert search_terms("Apa yang harus saya lakukan?") == ["lakukan"]
    assert search_terms("?? !!") == []


def test_vectors_round_trip_as_float32_and_pad_without_changing_cosines() -> None:
    a, b = [0.5, -0.25, 1.0], [0.1, 0.2, 0.3]
    assert vectors.decode(vectors.encode(a)) == a  # exact in float32
    assert vectors.cosine(vectors.padded(a, 8), vectors.padded(b, 8)) == pytest.approx(
        vectors.cosine(a, b)
    )
    with pytest.raises(ValueError):
        vectors.padded([0.0] * 9, 8)


def test_stems_most_chunks_hold_are_not_searched_in_a_large_knowledge_base() -> None:
    stems = [("langgan", 9_500), ("data", 2_500), ("tahun", 1_000), ("mantan", 0)]
    # a fifth of 10,000 is 2,000: any of the two rarer stems
    assert selective(stems, 10_000) == TextSearch(["tahun", "mantan"], every=False)
    # all common: chunks holding both of the two rarest
    assert selective(stems[:2], 10_000) == TextSearch(["data", "langgan"], every=True)
    small = selective([("garansi", 15), ("servis", 19)], 20)  # a small base searches every word
    assert small == TextSearch(["garansi", "servis"], every=False)
    assert selective([], 0) == TextSearch([], every=True)
