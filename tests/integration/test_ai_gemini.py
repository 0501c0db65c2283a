"""The AI port through google-genai against a fake Gemini on a real socket: keys rest and rotate,
refused keys are disabled, models fall back, time-outs and the breaker degrade, usage is metered,
JSON is validated, and nothing personal is sent."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest
from pydantic import BaseModel

from adapters.ai.breaker import BreakerState, CircuitBreaker
from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.ai import AiUnavailable, EmbeddingTask, Prompt, UnavailableReason
from application.ai.keys import AddAiKey
from application.shared.clock import FixedClock
from application.shared.context import Principal
from application.shared.ports import Placement
from application.shared.unit_of_work import find
from domain.messaging.notification import NotificationRequest
from tests.ai_support import (  # noqa: F401 - fixtures
    FLASH,
    LITE,
    ai_settings,
    gemini_fixture,
    platform_key,
)
from tests.integration.read_models import assert_live_equals_rebuild, store_of


def state_of(breaker: CircuitBreaker) -> BreakerState:
    """Read afresh each time (the state changes under the test's feet)."""
    return breaker.state


class Insight(BaseModel):
    judul: str
    skor: int


class Insights(BaseModel):
    insights: list[Insight]


PRECHECK_SCHEMA = {
    "type": "object",
    "required": ["valid", "reason"],
    "properties": {"valid": {"type": "boolean"}, "reason": {"type": "string"}},
}


def _ask(niaga: Niaga, tenant_id: UUID, text: str = "Ringkas penjualan kemarin") -> str:
    return niaga.services.ai.generate_text(tenant_id, "test", Prompt(text)).text


def _unavailable(niaga: Niaga, tenant_id: UUID) -> AiUnavailable:
    with pytest.raises(AiUnavailable) as raised:
        _ask(niaga, tenant_id)
    return raised.value


@pytest.fixture
def other_container(settings: Settings, clock: FixedClock) -> Iterator[Niaga]:
    """A second process on the same stores."""
    other = Niaga.start(settings, clock=clock)
    yield other
    other.close()


def test_usage_has_the_tokens_of_the_usage_metadata_and_their_cost_from_the_price_table(
    niaga: Niaga, gemini: FakeGemini, tenant_id: UUID
) -> None:
    key = platform_key(niaga, "key-a")
    prompt = Prompt("satu dua tiga", system="Anda analis bisnis")
    answer = niaga.services.ai.generate_text(tenant_id, "ceo_digest", prompt)

    assert answer.text == "Ringkasan (3 kata): satu dua tiga"
    metadata = _reply_metadata(gemini, prompt.text, prompt.system or "", answer.text)
    usage = answer.usage
    assert (usage.input_tokens, usage.output_tokens) == metadata == (6, 6)
    assert usage.cost_micro_idr == 6 * 4_800 + 6 * 40_000  # rupiah per million tokens
    assert (usage.model, usage.key_id, usage.outcome) == (FLASH, key, "ok")
    assert (usage.tenant_id, usage.feature) == (tenant_id, "ceo_digest")
    assert usage.latency_ms >= 0
    [request] = gemini.calls("generateContent")
    assert request.api_key == "key-a"
    assert request.body["systemInstruction"]["parts"][0]["text"] == "Anda analis bisnis"


def _reply_metadata(gemini: FakeGemini, *texts: str) -> tuple[int, int]:
    """What the fake reported in usageMetadata, recomputed from its rule (words are tokens)."""
    words = [len(t.replace("(", " ").replace(")", " ").replace(":", " ").split()) for t in texts]
    return words[0] + words[1], words[2]


def test_a_rate_limited_key_rests_for_the_servers_delay_while_the_next_key_answers(
    niaga: Niaga, gemini: FakeGemini, tenant_id: UUID, clock: FixedClock, other_container: Niaga
) -> None:
    key_a, key_b = platform_key(niaga, "key-a"), platform_key(niaga, "key-b")
    gemini.quota(key="key-a", delay="17s", times=1)

    first = niaga.services.ai.generate_text(tenant_id, "test", Prompt("halo"))
    assert first.usage.key_id == key_b
    assert [r.api_key for r in gemini.calls()] == ["key-a", "key-b"]
    views = {v.id: v for v in niaga.ai.queries.platform_keys()}
    assert views[key_a].status == "cooling"
    assert views[key_a].cooling_until == clock.now() + timedelta(seconds=17)
    assert "429 RESOURCE_EXHAUSTED" in (views[key_a].last_error or "")
    assert views[key_b].status == "active"

    # Resting: this process and another one (which learns it from the log) skip key-a.
    _ask(niaga, tenant_id)
    _ask(other_container, tenant_id)
    assert [r.api_key for r in gemini.calls()][2:] == ["key-b", "key-b"]

    clock.advance(timedelta(seconds=16))
    _ask(niaga, tenant_id)
    assert gemini.calls()[-1].api_key == "key-b"
    clock.advance(timedelta(seconds=1))
    _ask(niaga, tenant_id)
    assert gemini.calls()[-1].api_key == "key-a"
    assert {v.status for v in niaga.ai.queries.platform_keys()} == {"active"}


def test_when_every_key_is_rate_limited_the_call_degrades_with_quota(
    niaga: Niaga, gemini: FakeGemini, tenant_id: UUID
) -> None:
    platform_key(niaga, "key-a")
    gemini.quota(delay="30s")
    refused = _unavailable(niaga, tenant_id)
    assert refused.reason is UnavailableReason.QUOTA
    assert [(r.model, r.api_key) for r in gemini.calls()] == [(FLASH, "key-a"), (LITE, "key-a")]
    # Both models rest now: the next call sends nothing.
    assert _unavailable(niaga, tenant_id).reason is UnavailableReason.QUOTA
    assert len(gemini.calls()) == 2


def test_a_refused_key_is_disabled_the_staff_told_and_the_next_key_used(
    niaga: Niaga, gemini: FakeGemini, tenant_id: UUID, owner: Principal
) -> None:
    own = niaga.ai.keys.add(owner, AddAiKey("kunci-toko", "kunci toko"))
    platform = platform_key(niaga, "key-p")
    gemini.invalid_key("kunci-toko")

    assert niaga.services.ai.generate_text(tenant_id, "t", Prompt("halo")).usage.key_id == platform
    _ask(niaga, tenant_id)
    assert [r.api_key for r in gemini.calls()] == ["kunci-toko", "key-p", "key-p"]
    [view] = niaga.ai.queries.keys(owner)
    assert (view.id, view.status, view.disabled_reason) == (own, "disabled", "invalid_key")
    assert "API key not valid" in (view.last_error or "")

    store = store_of(niaga, tenant_id)
    notice = find(store, NotificationRequest, NotificationRequest.id_for(own, "ai-key-disabled"))
    assert notice is not None
    assert (notice.template, notice.customer_id) == ("ai_key_disabled", None)
    assert notice.variables["label"] == "kunci toko"
    assert_live_equals_rebuild(niaga, store, ("ai_key_list",))


def test_a_tenants_own_key_is_used_for_it_first_and_never_for_another_tenant(
    niaga: Niaga, gemini: FakeGemini, tenant_id: UUID, owner: Principal
) -> None:
    niaga.ai.keys.add(owner, AddAiKey("kunci-toko", "kunci toko"))
    platform_key(niaga, "key-p")
    other = niaga.tenants.create("Servis HP Jaya", Placement.SHARED)
    _ask(niaga, tenant_id)
    _ask(niaga, other)
    assert [r.api_key for r in gemini.calls()] == ["kunci-toko", "key-p"]


def test_a_model_answering_5xx_rests_and_the_next_model_answers(
    niaga: Niaga, gemini: FakeGemini, tenant_id: UUID, clock: FixedClock
) -> None:
    key = platform_key(niaga, "key-a")
    gemini.error(503, model=FLASH, retry_after="5")
    answer = niaga.services.ai.generate_text(tenant_id, "t", Prompt("halo"))
    assert (answer.usage.model, answer.usage.key_id) == (LITE, key)
    assert [r.model for r in gemini.calls()] == [FLASH, LITE]
    [view] = niaga.ai.queries.platform_keys()
    assert view.cooling_until == clock.now() + timedelta(seconds=5)  # Retry-After honoured
    _ask(niaga, tenant_id)
    assert gemini.calls()[-1].model == LITE


def test_a_slow_model_falls_back_and_when_all_are_slow_the_call_times_out(
    settings: Settings, gemini: FakeGemini, clock: FixedClock, tenant_id: UUID
) -> None:
    quick = settings.model_copy(update={"niaga_ai_timeout_seconds": 0.3})
    niaga = Niaga.start(quick, clock=clock)
    try:
        platform_key(niaga, "key-a")
        platform_key(niaga, "key-b")
        gemini.slow(1.5, model=FLASH, times=1)
        answer = niaga.services.ai.generate_text(tenant_id, "t", Prompt("halo"))
        # Slowness is the model's: the next model is asked, not the next key.
        assert answer.usage.model == LITE
        assert [(r.model, r.api_key) for r in gemini.calls()] == [
            (FLASH, "key-a"),
            (LITE, "key-a"),
        ]
        gemini.slow(1.5)
        started = time.monotonic()
        refused = _unavailable(niaga, tenant_id)
        assert refused.reason is UnavailableReason.TIMEOUT
        assert refused.usage is not None
        assert refused.usage.outcome == "timeout"
        assert time.monotonic() - started < 5  # two passes (one retry) of two models
        assert len(gemini.calls()) == 2 + 4
    finally:
        niaga.close()


def test_the_breaker_opens_after_repeated_failures_and_closes_after_a_good_trial(
    settings: Settings, gemini: FakeGemini, clock: FixedClock, tenant_id: UUID
) -> None:
    touchy = settings.model_copy(
        update={"niaga_ai_breaker_failures": 3, "niaga_ai_breaker_open_seconds": 0.4}
    )
    niaga = Niaga.start(touchy, clock=clock)
    try:
        for name in ("key-a", "key-b", "key-c"):
            platform_key(niaga, name)
        gemini.error(500)
        assert _unavailable(niaga, tenant_id).reason is UnavailableReason.BREAKER_OPEN
        assert len(gemini.calls()) == 3
        assert state_of(niaga.ai.breaker) is BreakerState.OPEN
        assert _unavailable(niaga, tenant_id).reason is UnavailableReason.BREAKER_OPEN
        assert len(gemini.calls()) == 3  # open: nothing was sent

        gemini.rules.clear()
        time.sleep(0.45)
        clock.advance(timedelta(seconds=10))  # the keys' rest after the 5xx is over too
        assert state_of(niaga.ai.breaker) is BreakerState.HALF_OPEN
        assert _ask(niaga, tenant_id).startswith("Ringkasan")
        assert state_of(niaga.ai.breaker) is BreakerState.CLOSED
    finally:
        niaga.close()


def test_json_answers_are_validated_against_the_model_and_asked_again_when_invalid(
    niaga: Niaga, gemini: FakeGemini, tenant_id: UUID
) -> None:
    platform_key(niaga, "key-a")
    ai = niaga.services.ai
    valid = {"insights": [{"judul": "Tagihan naik", "skor": 3}]}
    gemini.answer_json(valid)
    answer = ai.generate_json(tenant_id, "ceo_digest", Prompt("Beri wawasan"), Insights)
    assert answer.value == Insights.model_validate(valid)
    config = gemini.calls()[0].body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"] == Insights.model_json_schema()

    gemini.invalid_json(times=1)
    gemini.answer_json(valid)
    again = ai.generate_json(tenant_id, "ceo_digest", Prompt("Beri wawasan"), Insights)
    assert (again.value.insights[0].judul, again.value.insights[0].skor) == ("Tagihan naik", 3)
    assert again.usage.input_tokens == 2 * answer.usage.input_tokens  # both attempts metered

    gemini.answer_json({"insights": "bukan daftar"}, {"insights": [{"judul": "x"}]})
    with pytest.raises(AiUnavailable) as refused:
        ai.generate_json(tenant_id, "ceo_digest", Prompt("Beri wawasan"), Insights)
    assert refused.value.reason is UnavailableReason.INVALID_ANSWER
    assert refused.value.usage is not None
    assert refused.value.usage.outcome == "invalid_answer"
    assert len(gemini.calls()) == 1 + 2 + 2


def test_a_json_schema_given_as_a_mapping_is_checked_too(
    niaga: Niaga, gemini: FakeGemini, tenant_id: UUID
) -> None:
    platform_key(niaga, "key-a")
    ai = niaga.services.ai
    verdict = {"valid": False, "reason": "Diskon 50% melanggar SOP maksimal 20%"}
    gemini.answer_json(verdict)
    answer = ai.generate_json_object(tenant_id, "precheck", Prompt("Periksa"), PRECHECK_SCHEMA)
    assert answer.value == verdict
    gemini.invalid_json()
    with pytest.raises(AiUnavailable) as refused:
        ai.generate_json_object(tenant_id, "precheck", Prompt("Periksa"), PRECHECK_SCHEMA)
    assert refused.value.reason is UnavailableReason.INVALID_ANSWER
    gemini.rules.clear()
    gemini.answer_json({"valid": "ya"}, {"reason": "tanpa valid"})
    with pytest.raises(AiUnavailable):
        ai.generate_json_object(tenant_id, "precheck", Prompt("Periksa"), PRECHECK_SCHEMA)


def test_without_a_key_or_with_ai_switched_off_nothing_is_sent(
    niaga: Niaga, gemini: FakeGemini, tenant_id: UUID, owner: Principal
) -> None:
    refused = _unavailable(niaga, tenant_id)
    assert refused.reason is UnavailableReason.NO_KEY
    assert refused.usage is not None
    assert refused.usage.model is None
    platform_key(niaga, "key-a")
    niaga.ai.switch.switch(owner, False)
    assert _unavailable(niaga, tenant_id).reason is UnavailableReason.OFF
    assert gemini.requests == []
    niaga.ai.switch.switch(owner, True)
    assert _ask(niaga, tenant_id).startswith("Ringkasan")


def test_personal_values_are_masked_before_they_leave_and_restored_where_asked(
    niaga: Niaga, gemini: FakeGemini, tenant_id: UUID
) -> None:
    platform_key(niaga, "key-a")
    text = "Budi Santoso (0812-3456-7890, budi@example.id) menunggak dua bulan."
    ai = niaga.services.ai
    restored = ai.generate_text(tenant_id, "t", Prompt(text, known=("Budi Santoso",))).text
    kept = ai.generate_text(
        tenant_id, "t", Prompt(text, known=("Budi Santoso",), restore=False)
    ).text
    for value in ("Budi Santoso", "0812-3456-7890", "81234567890", "budi@example.id"):
        assert all(value not in body for body in gemini.bodies())
    assert "Budi Santoso (0812-3456-7890, budi@example.id)" in restored
    assert "Budi Santoso" not in kept
    assert "[REDACTED_NAME_1]" in kept


def test_embeddings_keep_their_order_and_texts_sharing_words_are_near(
    niaga: Niaga, gemini: FakeGemini, tenant_id: UUID
) -> None:
    key = platform_key(niaga, "key-a")
    texts = ["paket internet 10 mbps", "paket internet 20 mbps", "servis layar ponsel retak"]
    texts += [f"dokumen SOP nomor {n}" for n in range(147)]
    ai = niaga.services.ai
    embedded = ai.embed(tenant_id, "knowledge_base", texts, EmbeddingTask.DOCUMENT)
    assert len(embedded.vectors) == 150
    assert {len(v) for v in embedded.vectors} == {768}
    near, far = _cosine(*embedded.vectors[:2]), _cosine(embedded.vectors[0], embedded.vectors[2])
    assert near > 0.5 > far
    batches = gemini.calls("batchEmbedContents")
    assert [len(b.body["requests"]) for b in batches] == [100, 50]
    assert batches[0].body["requests"][0]["taskType"] == "RETRIEVAL_DOCUMENT"
    words = sum(len(t.split()) for t in texts)
    usage = embedded.usage
    assert (usage.model, usage.key_id, usage.input_tokens) == ("gemini-embedding-001", key, words)
    assert usage.cost_micro_idr == words * 2_400
    again = ai.embed(tenant_id, "knowledge_base", texts[:1], EmbeddingTask.DOCUMENT)
    assert again.vectors[0] == embedded.vectors[0]


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_tokens_are_counted_by_the_provider(
    niaga: Niaga, gemini: FakeGemini, tenant_id: UUID
) -> None:
    platform_key(niaga, "key-a")
    counted = niaga.services.ai.count_tokens(tenant_id, "t", Prompt("satu dua tiga empat"))
    assert (counted.tokens, counted.usage.model) == (4, FLASH)
    [request] = gemini.calls("countTokens")
    assert json.loads(request.raw)["contents"][0]["parts"][0]["text"] == "satu dua tiga empat"
