"""The knowledge document aggregate: given its events, when a command, then the events."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.ai.chunking import Chunk
from domain.ai.knowledge import DocumentDeleted, KnowledgeDocument, NoTextFound
from domain.shared.errors import InvalidValue

TENANT = uuid4()
CONTENT = (1024, 2, "ab" * 32)
CHUNKS = [Chunk(1, "satu"), Chunk(1, "dua"), Chunk(2, "tiga")]


def uploaded() -> KnowledgeDocument:
    document = KnowledgeDocument.upload(TENANT, " SOP ", "sop.pdf", CONTENT, CHUNKS)
    document.collect_events()
    return document


def test_an_upload_records_its_chunks_with_their_pages() -> None:
    document = KnowledgeDocument.upload(TENANT, "", "sop.pdf", CONTENT, CHUNKS)
    [event] = document.collect_events()
    assert isinstance(event, KnowledgeDocument.Uploaded)
    assert (event.title, event.pages, event.texts) == (
        "sop.pdf",
        (1, 1, 2),
        ("satu", "dua", "tiga"),
    )
    assert document.chunk_count == 3
    assert not document.complete_for("m")


def test_an_upload_without_text_or_with_a_bad_title_is_refused() -> None:
    with pytest.raises(NoTextFound):
        KnowledgeDocument.upload(TENANT, "SOP", "sop.pdf", CONTENT, [])
    with pytest.raises(InvalidValue):
        KnowledgeDocument.upload(TENANT, "SOP\nbaru", "sop.pdf", CONTENT, CHUNKS)


def test_vectors_are_recorded_in_order_and_a_batch_already_done_records_nothing() -> None:
    document = uploaded()
    assert document.next_batch("m", 2) == range(0, 2)
    assert document.record_vectors(0, ["v0", "v1"], "m", [])
    assert not document.record_vectors(0, ["v0", "v1"], "m", [])  # another job was first
    assert document.next_batch("m", 2) == range(2, 3)
    assert document.record_vectors(2, ["v2"], "m", [])
    assert [type(e).__name__ for e in document.collect_events()] == ["ChunksEmbedded"] * 2
    assert document.complete_for("m")


def test_another_model_starts_again_from_the_first_chunk() -> None:
    document = uploaded()
    document.record_vectors(0, ["a", "b", "c"], "lama", [])
    assert document.next_batch("baru", 2) == range(0, 2)
    assert not document.record_vectors(2, ["x"], "baru", [])
    assert document.record_vectors(0, ["x", "y"], "baru", [])
    assert (document.model, document.embedded, document.complete_for("baru")) == ("baru", 2, False)


def test_failures_count_attempts_and_vectors_reset_them() -> None:
    document = uploaded()
    document.record_failure("m", "quota: 429\x00", [])
    document.record_failure("m", "quota", [])
    failed = document.collect_events()
    assert [e.attempt for e in failed] == [1, 2]
    assert failed[0].reason == "quota: 429\ufffd"
    document.record_vectors(0, ["a"], "m", [])
    assert document.failures == 0


def test_a_deleted_document_takes_no_more_vectors_and_deletes_once() -> None:
    document = uploaded()
    assert document.delete()
    assert not document.delete()
    with pytest.raises(DocumentDeleted):
        document.record_vectors(0, ["a"], "m", [])
    assert KnowledgeDocument.Deleted.erases_subject
    assert KnowledgeDocument.Event.personal_fields == frozenset({"texts", "vectors"})
