"""The knowledge base's adapters on their own: pypdf reading the text of each page (and refusing
what is not a readable PDF), and the embedding model shipped inside the wordllama wheel, loaded
with no network at all."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from uuid import uuid4

import pytest

from adapters.ai.knowledge.local_embedder import MODEL, WordLlamaEmbedder
from adapters.ai.knowledge.pdf import PypdfText
from application.ai.knowledge.ports import DocumentTooLarge, EncryptedPdf, NotAPdf
from application.ai.ports import EmbeddingTask
from domain.ai import vectors
from tests.kb_support import SOP_GARANSI, SOP_PEMBAYARAN, image_only_pdf, pdf


def test_the_text_of_every_page_is_read_in_order() -> None:
    pages = PypdfText().pages(pdf(["Halaman satu: garansi.", "", "Halaman tiga: tagihan."]))
    assert [" ".join(t.split()) for t in pages.texts] == [
        "Halaman satu: garansi.",
        "",
        "Halaman tiga: tagihan.",
    ]


def test_a_scan_has_pages_but_no_text() -> None:
    assert PypdfText().pages(image_only_pdf()).texts == [""]


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        (b"PK\x03\x04 a zip file", NotAPdf),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj trailer <<>>", NotAPdf),
        (pdf(["rahasia"], user_password="sandi"), EncryptedPdf),
    ],
    ids=["zip", "broken", "password"],
)
def test_what_is_not_a_readable_pdf_is_refused(data: bytes, refusal: type[Exception]) -> None:
    with pytest.raises(refusal):
        PypdfText().pages(data)


def test_a_pdf_with_an_owner_password_only_opens_like_any_reader_would() -> None:
    data = pdf(["Boleh dibaca, tidak boleh diubah."], user_password="pemilik", owner_only=True)
    assert "Boleh dibaca" in PypdfText().pages(data).texts[0]


def test_too_many_pages_are_refused() -> None:
    with pytest.raises(DocumentTooLarge):
        PypdfText(max_pages=2).pages(pdf(["a", "b", "c"]))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any connection attempt fails: the model must come from the wheel alone."""

    def refuse(self: socket.socket, address: object) -> None:
        raise OSError(f"no network in this test (tried {address})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return


@pytest.mark.usefixtures("no_network")
def test_the_local_model_loads_from_its_wheel_without_network_or_touching_logging() -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    embedder = WordLlamaEmbedder()

    embedded = embedder.embed(
        uuid4(), ["garansi servis laptop", "bayar tagihan"], EmbeddingTask.QUERY
    )

    assert embedder.model == MODEL
    assert embedded.usages == []
    assert [len(v) for v in embedded.vectors] == [256, 256]
    assert sum(x * x for x in embedded.vectors[0]) == pytest.approx(1.0, abs=1e-5)
    assert (root.handlers, root.level) == (handlers, level)


def test_the_local_model_puts_a_question_nearer_its_own_sop() -> None:
    embedder = WordLlamaEmbedder()
    question, garansi, bayar = embedder.embed(
        uuid4(),
        [
            "Berapa lama masa garansi perbaikan laptop?",
            " ".join(SOP_GARANSI),
            " ".join(SOP_PEMBAYARAN),
        ],
        EmbeddingTask.DOCUMENT,
    ).vectors
    assert vectors.cosine(question, garansi) > vectors.cosine(question, bayar)
