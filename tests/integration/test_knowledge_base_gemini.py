"""The knowledge base with Gemini as its embedding model (NIAGA_KB_EMBEDDER=gemini), against the
fake Gemini on a real socket: the chunks go out masked in batch requests, every embedding call
is metered on the event that records its vectors, a failing provider is recorded and retried
with backoff, and an answer degrades to passages when generation fails."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga, knowledge_dispatcher
from adapters.shared.settings import KbEmbedder, Settings
from application.ai.knowledge.documents import UploadDocument
from application.ai.knowledge.ports import EmbeddingUnavailable
from application.ai.knowledge.queries import DocumentStatus
from application.shared.clock import FixedClock
from application.shared.context import Principal
from application.shared.ports import Placement
from domain.ai.knowledge import KnowledgeDocument
from tests.ai_support import gemini_fixture, platform_key  # noqa: F401 - fixtures
from tests.conftest import principal_for
from tests.integration.read_models import assert_live_equals_rebuild, store_of
from tests.kb_support import (  # noqa: F401 - fixtures
    SOP_GARANSI,
    embed_all,
    embedded_url_fixture,
    kb_settings,
    pdf,
)

pytestmark = pytest.mark.timeout(180)
PHONE = "0812-3456-7890"


@pytest.fixture(name="settings")
def gemini_settings(embedded_url: str, gemini: FakeGemini, tmp_path: Path) -> Settings:
    return kb_settings(embedded_url, gemini, tmp_path, KbEmbedder.GEMINI)


@pytest.fixture
def owner(niaga: Niaga) -> Principal:
    platform_key(niaga, "AIza-embed")
    return principal_for(niaga.tenants.create("Servis Jaya", Placement.SHARED))


def _upload(niaga: Niaga, owner: Principal) -> UUID:
    pages = [*SOP_GARANSI, f"Keluhan garansi: hubungi admin di {PHONE} pada jam kerja."]
    command = UploadDocument("garansi.pdf", pdf(pages), "SOP Garansi")
    return niaga.services.knowledge_documents.upload(owner, command)


def test_chunks_are_embedded_by_gemini_masked_and_metered(
    niaga: Niaga, owner: Principal, gemini: FakeGemini
) -> None:
    document_id = _upload(niaga, owner)
    embed_all(niaga, owner, document_id)

    [batch] = gemini.calls("batchEmbedContents")
    assert len(batch.body["requests"]) == 3
    assert batch.body["requests"][0]["taskType"] == "RETRIEVAL_DOCUMENT"
    assert "3456" not in batch.raw
    assert "[REDACTED_PHONE_1]" in batch.raw
    history = store_of(niaga, owner.tenant_id).history(document_id)
    [embedded] = [r.event for r in history if isinstance(r.event, KnowledgeDocument.ChunksEmbedded)]
    [usage] = embedded.ai_usages
    assert (usage.feature, usage.model, usage.outcome) == (
        "knowledge_base",
        "gemini-embedding-001",
        "ok",
    )
    assert usage.input_tokens > 0
    assert usage.cost_micro_idr == usage.input_tokens * 2_400
    assert embedded.model == "gemini-embedding-001"
    assert_live_equals_rebuild(niaga, store_of(niaga, owner.tenant_id), ("knowledge_base",))


def test_a_failing_provider_is_recorded_and_retried_with_backoff(
    niaga: Niaga, owner: Principal, gemini: FakeGemini, clock: FixedClock
) -> None:
    gemini.error(500)
    document_id = _upload(niaga, owner)

    with pytest.raises(EmbeddingUnavailable) as failed:
        niaga.knowledge.documents.embed(owner.tenant_id, document_id)
    assert failed.value.reason == "provider_error"
    view = niaga.services.knowledge_queries.document(owner, document_id)
    assert view is not None
    assert (view.status, view.attempts, view.chunks_done) == (DocumentStatus.RETRYING, 1, 0)
    assert view.last_error is not None
    assert view.last_error.startswith("provider_error")

    dispatcher = knowledge_dispatcher(niaga)
    try:
        assert dispatcher.dispatch() == 0  # its backoff (2 s after one failure) is not over
        gemini.rules.clear()  # the provider is back, and the key's rest is over
        clock.advance(timedelta(minutes=1))
        niaga.knowledge.documents.embed(owner.tenant_id, document_id)
    finally:
        dispatcher.close()
    view = niaga.services.knowledge_queries.document(owner, document_id)
    assert view is not None
    assert (view.status, view.attempts, view.chunks_done) == (DocumentStatus.READY, 0, 3)


def test_when_generation_fails_the_passages_answer_alone(
    niaga: Niaga, owner: Principal, gemini: FakeGemini
) -> None:
    embed_all(niaga, owner, _upload(niaga, owner))
    gemini.error(503, model="gemini-2.5-flash")
    gemini.error(503, model="gemini-2.5-flash-lite")

    answer = niaga.services.knowledge_answers.ask(owner, "Berapa lama garansi servis?")

    assert (answer.found, answer.answer, answer.ai_status) == (True, None, "provider_error")
    assert answer.message is not None
    assert answer.message.startswith("Jawaban AI tidak tersedia")
    assert answer.hybrid  # the question itself was embedded (embedContent still answers)
    assert answer.citations
    assert answer.citations[0].title == "SOP Garansi"


def test_without_gemini_the_question_is_searched_by_its_words(
    niaga: Niaga, owner: Principal, gemini: FakeGemini
) -> None:
    embed_all(niaga, owner, _upload(niaga, owner))
    niaga.services.ai_switch.switch(owner, False)

    answer = niaga.services.knowledge_answers.ask(owner, "Berapa lama garansi servis?")

    assert (answer.hybrid, answer.ai_status, answer.found) == (False, "off", True)
    assert answer.passages[0].matched_words
    assert answer.passages[0].similarity is None


def test_switching_the_embedder_embeds_every_document_again(
    niaga: Niaga, owner: Principal, settings: Settings, clock: FixedClock
) -> None:
    document_id = _upload(niaga, owner)
    embed_all(niaga, owner, document_id)

    local = Niaga.start(
        settings.model_copy(update={"niaga_kb_embedder": KbEmbedder.LOCAL}), clock=clock
    )
    try:
        view = local.services.knowledge_queries.document(owner, document_id)
        assert view is not None
        assert (view.status, view.chunks_done) == (DocumentStatus.EMBEDDING, 0)
        embed_all(local, owner, document_id)
        view = local.services.knowledge_queries.document(owner, document_id)
        assert view is not None
        assert (view.status, view.chunks_done) == (DocumentStatus.READY, 3)
        answer = local.services.knowledge_answers.ask(owner, "garansi servis laptop")
        assert answer.hybrid
        assert answer.passages[0].similarity is not None
    finally:
        local.close()
