"""The fake Gemini speaks the REST contract on its own (raw HTTP, no SDK): both API versions,
single and batch embeddings alike, countTokens, unknown models and routes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from adapters.ai.fakes import FakeGemini, hashed_bag_of_words


@pytest.fixture(name="fake")
def fake_fixture() -> Iterator[FakeGemini]:
    fake = FakeGemini(models=("gemini-2.5-flash", "gemini-embedding-001")).start()
    yield fake
    fake.stop()


def _post(fake: FakeGemini, path: str, body: object) -> httpx.Response:
    return httpx.post(f"{fake.url}{path}", json=body, headers={"x-goog-api-key": "k"}, timeout=5)


def _content(text: str) -> dict[str, object]:
    return {"parts": [{"text": text}], "role": "user"}


def test_single_and_batch_embeddings_of_a_text_are_the_same_hashed_vector(
    fake: FakeGemini,
) -> None:
    one = _post(
        fake,
        "/v1beta/models/gemini-embedding-001:embedContent",
        {"content": _content("paket internet"), "outputDimensionality": 8},
    ).json()["embedding"]["values"]
    batch = _post(
        fake,
        "/v1/models/gemini-embedding-001:batchEmbedContents",
        {"requests": [{"content": _content("paket internet"), "outputDimensionality": 8}]},
    ).json()
    assert batch["embeddings"][0]["values"] == one == hashed_bag_of_words("paket internet", 8)
    assert batch["usageMetadata"] == {"promptTokenCount": 2}
    assert sum(v * v for v in one) == pytest.approx(1.0)


def test_tokens_are_words_and_unknown_models_or_routes_are_404(fake: FakeGemini) -> None:
    counted = _post(
        fake, "/v1beta/models/gemini-2.5-flash:countTokens", {"contents": [_content("a b c")]}
    )
    assert counted.json() == {"totalTokens": 3}
    retired = _post(fake, "/v1beta/models/gemini-1.0-pro:generateContent", {"contents": []})
    assert (retired.status_code, retired.json()["error"]["status"]) == (404, "NOT_FOUND")
    assert _post(fake, "/v1beta/tunedModels/x:generateContent", {}).status_code == 404
    assert [r.method for r in fake.requests] == ["countTokens", "generateContent"]


def test_a_json_request_gets_an_object_of_the_requested_schema(fake: FakeGemini) -> None:
    schema = {
        "type": "object",
        "properties": {"valid": {"type": "boolean"}, "reasons": {"type": "array"}},
    }
    body = {
        "contents": [_content("periksa")],
        "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": schema},
    }
    answer = _post(fake, "/v1beta/models/gemini-2.5-flash:generateContent", body).json()
    assert answer["candidates"][0]["content"]["parts"][0]["text"] == (
        '{"valid": false, "reasons": ["contoh"]}'
    )
    assert answer["usageMetadata"]["promptTokenCount"] == 1
