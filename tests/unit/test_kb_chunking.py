"""Cutting pages into overlapping chunks: never across pages, never over the size, with the end
of each chunk repeated at the start of the next, and nothing for pages without text."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from domain.ai.chunking import Chunk, chunk_pages, chunk_text, normalise

WORDS = st.sampled_from(["garansi", "servis", "laptop.", "pelanggan", "tagihan", "teknisi;"])
PAGE = st.lists(WORDS, max_size=400).map(" ".join)


def test_short_pages_are_one_chunk_each_and_empty_pages_none() -> None:
    chunks = chunk_pages(["Garansi 30 hari.", "", "  \n ", "7", "Bayar sebelum tanggal 10."])
    assert chunks == [Chunk(1, "Garansi 30 hari."), Chunk(5, "Bayar sebelum tanggal 10.")]


@given(st.lists(PAGE, min_size=1, max_size=4))
def test_no_chunk_is_longer_than_its_size_or_spans_pages(pages: list[str]) -> None:
    chunks = chunk_pages(pages, size=200, overlap=40)
    assert all(len(c.text) <= 200 for c in chunks)
    for number, page in enumerate(pages, start=1):
        words = set(normalise(page).split())
        assert all(set(c.text.split()) <= words for c in chunks if c.page == number)
    assert [c.page for c in chunks] == sorted(c.page for c in chunks)


@given(PAGE)
def test_every_word_of_a_page_is_in_some_chunk_and_chunks_overlap(page: str) -> None:
    chunks = chunk_text(normalise(page), size=120, overlap=30)
    assert set(normalise(page).split()) <= {w for c in chunks for w in c.split()}
    for before, after in itertools.pairwise(chunks):
        first_word = after.split()[0]
        assert first_word in before.split()  # the next chunk starts inside the one before


def test_a_word_longer_than_a_chunk_is_cut() -> None:
    assert chunk_text("x" * 250, size=100, overlap=10)[0] == "x" * 100


def test_extraction_is_tidied_hyphens_joined_and_paragraphs_kept() -> None:
    raw = "Garansi ber-\nlaku   30 hari\nsejak serah terima.\n\n\nKlaim  wajib nota."
    assert normalise(raw) == "Garansi berlaku 30 hari sejak serah terima.\n\nKlaim wajib nota."
