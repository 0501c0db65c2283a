"""Gemini through google-genai: the `LanguageModel` port over a key pool and a model fallback
chain, with a per-request time-out, bounded retries with jitter and a circuit breaker.

For each model of the chain in turn, each key the pool offers for it is tried:

- 429 RESOURCE_EXHAUSTED: the key rests on that model for the server's RetryInfo delay (or
  Retry-After, or the configured cool-down); the next key is tried.
- 5xx: the key rests on that model (Retry-After, or a short rest); the next key is tried; the
  failure counts towards the breaker. With no key left for the model, the next model is tried.
- 400 API_KEY_INVALID, 401, 403: the key is disabled for good (and the staff told); the next key.
- 404 (a retired model id) or another refusal of the request: the next model.
- a time-out: the next model (the same model is slow whichever key asks); counts for the breaker.
- no connection: the provider is unreachable; counts for the breaker.

After a pass over the chain that failed for transient reasons (5xx, time-outs, no connection)
the pass is retried after an exponential, jittered pause, at most `retries` times and within the
call's deadline. The breaker, open after `threshold` such failures in a row, refuses calls at
once until its rest is over; then one trial call decides.

The client's own retries stay off (google-genai's default without `retry_options`): every retry
is decided here, where keys and models are known.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

import httpx
import httpx2
from google import genai
from google.genai import errors, types

from adapters.ai.breaker import CircuitBreaker
from adapters.ai.key_pool import KeyPool
from application.ai.ports import (
    CountReply,
    EmbeddingReply,
    EmbeddingTask,
    ModelFailed,
    ModelReply,
    ModelRequest,
    OpenKey,
    UnavailableReason,
)
from domain.ai.key import KeyFault

T = TypeVar("T")
log = logging.getLogger(__name__)
EMBED_BATCH = 100  # batchEmbedContents takes at most 100 requests
_TIMEOUTS: tuple[type[Exception], ...] = (httpx.TimeoutException, httpx2.TimeoutException)
_UNREACHABLE: tuple[type[Exception], ...] = (httpx.TransportError, httpx2.TransportError)
_SECONDS = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


@dataclass(frozen=True)
class GeminiConfig:
    base_url: str | None  # None: Google's endpoint
    api_version: str
    models: tuple[str, ...]  # the fallback chain, best first
    embedding_model: str
    embedding_dimensions: int
    timeout_seconds: float  # one HTTP request
    deadline_seconds: float  # one call, every key, model and retry included
    retries: int
    backoff_seconds: float
    cooldown_seconds: float  # a 429 that names no delay
    error_rest_seconds: float  # a 5xx that names no delay


class Kind(StrEnum):
    """What a failed request says about the key, the model and the provider."""

    QUOTA = "quota"
    SERVER = "server"
    INVALID_KEY = "invalid_key"
    MODEL_MISSING = "model_missing"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"

    @property
    def provider_failing(self) -> bool:
        """Counts towards the breaker: the provider did not answer properly."""
        return self in {Kind.SERVER, Kind.TIMEOUT, Kind.UNREACHABLE}

    @property
    def next_model(self) -> bool:
        """Another key would not help with this model."""
        return self in {Kind.MODEL_MISSING, Kind.REFUSED, Kind.TIMEOUT}


_REASONS = {
    Kind.QUOTA: UnavailableReason.QUOTA,
    Kind.TIMEOUT: UnavailableReason.TIMEOUT,
    Kind.INVALID_KEY: UnavailableReason.NO_KEY,
}


@dataclass(frozen=True)
class Failure:
    kind: Kind
    fault: KeyFault
    retry_after: float | None = None


@dataclass(frozen=True)
class _Answer:
    value: Any
    model: str
    key: OpenKey


@dataclass(frozen=True)
class _Tried:
    failure: Failure
    model: str
    key: OpenKey


class NoAnswer(Exception):
    """The model answered nothing usable (no candidate text)."""


class GeminiModels:
    """Implements `LanguageModel` (application/ai/ports.py) with google-genai."""

    def __init__(
        self,
        config: GeminiConfig,
        pool: KeyPool,
        breaker: CircuitBreaker,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._pool = pool
        self._breaker = breaker
        self._sleep = sleep
        self._clients: dict[UUID, genai.Client] = {}
        self._clients_lock = threading.Lock()

    def generate(self, tenant_id: UUID, request: ModelRequest) -> ModelReply:
        def call(client: genai.Client, model: str) -> tuple[str, int, int]:
            response = client.models.generate_content(
                model=model, contents=_contents(request), config=_generation(request)
            )
            if not response.text:
                raise NoAnswer(_finish_reason(response))
            usage = response.usage_metadata
            return (
                response.text,
                (usage.prompt_token_count or 0) if usage else 0,
                (usage.candidates_token_count or 0) if usage else 0,
            )

        answer = self._run(tenant_id, self._config.models, call)
        text, input_tokens, output_tokens = answer.value
        return ModelReply(text, answer.model, answer.key.id, input_tokens, output_tokens)

    def embed(self, tenant_id: UUID, texts: Sequence[str], task: EmbeddingTask) -> EmbeddingReply:
        vectors: list[list[float]] = []
        tokens = 0
        answer: _Answer | None = None
        for start in range(0, len(texts), EMBED_BATCH):
            batch = list(texts[start : start + EMBED_BATCH])
            answer = self._run(
                tenant_id, (self._config.embedding_model,), self._embedder(batch, task)
            )
            batch_vectors, batch_tokens = answer.value
            vectors += batch_vectors
            tokens += batch_tokens
        if answer is None:
            raise ModelFailed(UnavailableReason.PROVIDER_ERROR, "nothing to embed")
        return EmbeddingReply(vectors, answer.model, answer.key.id, tokens)

    def count_tokens(self, tenant_id: UUID, request: ModelRequest) -> CountReply:
        def call(client: genai.Client, model: str) -> int:
            texts = [request.system] if request.system else []
            contents = [*_contents(request), *(_user(t) for t in texts)]
            return client.models.count_tokens(model=model, contents=contents).total_tokens or 0

        answer = self._run(tenant_id, self._config.models, call)
        return CountReply(answer.value, answer.model, answer.key.id)

    def close(self) -> None:
        with self._clients_lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()

    # -- keys, models, retries ---------------------------------------------------------------

    def _run(
        self, tenant_id: UUID, models: Sequence[str], call: Callable[[genai.Client, str], T]
    ) -> _Answer:
        deadline = time.monotonic() + self._config.deadline_seconds
        last: _Tried | None = None
        for attempt in range(self._config.retries + 1):
            if attempt:
                if last is None or not last.failure.kind.provider_failing:
                    break  # nothing a pause would mend: quota rests, refused keys, bad requests
                self._sleep(min(self._backoff(attempt), max(0.0, deadline - time.monotonic())))
            outcome = self._pass(tenant_id, models, call, deadline)
            if isinstance(outcome, _Answer):
                return outcome
            last = outcome or last
        raise self._given_up(tenant_id, models, last)

    def _pass(
        self,
        tenant_id: UUID,
        models: Sequence[str],
        call: Callable[[genai.Client, str], T],
        deadline: float,
    ) -> _Answer | _Tried | None:
        """One try of every usable key on every model, in order; the answer, or the last
        failure (None when no key could be tried)."""
        last: _Tried | None = None
        for model in models:
            for key in self._pool.usable(tenant_id, model):
                if time.monotonic() >= deadline:
                    return last
                if not self._breaker.allow():
                    raise ModelFailed(
                        UnavailableReason.BREAKER_OPEN,
                        "the provider failed repeatedly; resting it",
                        model,
                        key.id,
                    )
                try:
                    value = call(self._client(key), model)
                except Exception as error:
                    failure = classify(error, model)
                    last = _Tried(failure, model, key)
                    self._note(failure, key, model)
                    if failure.kind is Kind.UNREACHABLE:
                        return last
                    if failure.kind.next_model:
                        break
                    continue
                self._breaker.succeeded()
                return _Answer(value, model, key)
        return last

    def _note(self, failure: Failure, key: OpenKey, model: str) -> None:
        if failure.kind.provider_failing:
            self._breaker.failed()
        else:
            self._breaker.succeeded()  # it answered: the provider itself is up
        if failure.kind is Kind.QUOTA:
            rest = failure.retry_after or self._config.cooldown_seconds
            self._pool.rest(key, model, rest, failure.fault)
        elif failure.kind is Kind.SERVER:
            rest = failure.retry_after or self._config.error_rest_seconds
            self._pool.rest(key, model, rest, failure.fault)
        elif failure.kind is Kind.INVALID_KEY:
            self._pool.refuse(key, failure.fault)
            with self._clients_lock:
                self._clients.pop(key.id, None)

    def _given_up(self, tenant_id: UUID, models: Sequence[str], last: _Tried | None) -> ModelFailed:
        if last is None:
            keys = self._pool.keys(tenant_id)
            if not keys:
                return ModelFailed(UnavailableReason.NO_KEY, "no AI key for this tenant")
            if all(not self._pool.usable(tenant_id, m) for m in models):
                return ModelFailed(UnavailableReason.QUOTA, "every AI key is resting")
            return ModelFailed(UnavailableReason.TIMEOUT, "the call's deadline passed")
        reason = _REASONS.get(last.failure.kind, UnavailableReason.PROVIDER_ERROR)
        return ModelFailed(reason, last.failure.fault.shown(), last.model, last.key.id)

    def _backoff(self, attempt: int) -> float:
        base = self._config.backoff_seconds * 2 ** (attempt - 1)
        return float(base * (0.5 + random.random()))

    def _client(self, key: OpenKey) -> genai.Client:
        """One client (and connection pool) per key, made on first use."""
        with self._clients_lock:
            client = self._clients.get(key.id)
            if client is None:
                options = types.HttpOptions(
                    base_url=self._config.base_url,
                    api_version=self._config.api_version,
                    timeout=int(self._config.timeout_seconds * 1000),
                )
                client = genai.Client(api_key=key.secret, http_options=options)
                self._clients[key.id] = client
            return client

    def _embedder(
        self, texts: list[str], task: EmbeddingTask
    ) -> Callable[[genai.Client, str], tuple[list[list[float]], int]]:
        config = types.EmbedContentConfig(
            task_type=task.value, output_dimensionality=self._config.embedding_dimensions
        )

        def call(client: genai.Client, model: str) -> tuple[list[list[float]], int]:
            contents = [_user(text) for text in texts]
            response = client.models.embed_content(model=model, contents=contents, config=config)
            vectors = [list(e.values or []) for e in response.embeddings or []]
            if len(vectors) != len(texts):
                raise NoAnswer(f"{len(vectors)} embeddings for {len(texts)} texts")
            usage = response.usage_metadata
            return vectors, (getattr(usage, "prompt_token_count", None) or 0) if usage else 0

        return call


# -- the wire ------------------------------------------------------------------------------


def _user(text: str) -> types.Content:
    return types.Content(role="user", parts=[types.Part(text=text)])


def _contents(request: ModelRequest) -> list[types.Content]:
    history = [
        types.Content(role=turn.role, parts=[types.Part(text=turn.text)])
        for turn in request.history
    ]
    return [*history, _user(request.text)]


def _generation(request: ModelRequest) -> types.GenerateContentConfig:
    schema = dict(request.json_schema) if request.json_schema is not None else None
    return types.GenerateContentConfig(
        system_instruction=request.system,
        temperature=request.temperature,
        response_mime_type="application/json" if schema is not None else None,
        response_json_schema=schema,
    )


def _finish_reason(response: types.GenerateContentResponse) -> str:
    candidates = response.candidates or []
    reason = candidates[0].finish_reason if candidates else None
    return f"no answer text (finish reason {reason.value if reason else 'none'})"


def classify(error: Exception, model: str) -> Failure:
    """What a failed request means for the key and the model. Anything unforeseen (an answer
    the client cannot read, say) is logged and taken as a refusal by that model: a feature
    degrades, it never fails, because of its AI call."""
    if isinstance(error, errors.APIError):
        return _api_failure(error, model)
    if isinstance(error, NoAnswer):
        return Failure(Kind.REFUSED, KeyFault.of(200, "NO_ANSWER", str(error), model))
    if isinstance(error, _TIMEOUTS):
        return Failure(Kind.TIMEOUT, KeyFault.of(0, "TIMEOUT", "no answer in time", model))
    if isinstance(error, _UNREACHABLE):
        return Failure(Kind.UNREACHABLE, KeyFault.of(0, "UNREACHABLE", str(error), model))
    log.exception("unexpected failure of a request to %s", model)
    return Failure(Kind.REFUSED, KeyFault.of(0, type(error).__name__, str(error), model))


def _api_failure(error: errors.APIError, model: str) -> Failure:
    code, status = error.code or 0, error.status or ""
    fault = KeyFault.of(code, status, error.message or "", model)
    delay = _retry_delay(error)
    if code == 429 or status == "RESOURCE_EXHAUSTED":
        return Failure(Kind.QUOTA, fault, delay)
    if code >= 500:
        return Failure(Kind.SERVER, fault, delay)
    if code in {401, 403} or "API_KEY_INVALID" in _reasons(error):
        return Failure(Kind.INVALID_KEY, fault)
    if code == 404:
        return Failure(Kind.MODEL_MISSING, fault)
    return Failure(Kind.REFUSED, fault)


def _details(error: errors.APIError) -> list[dict[str, Any]]:
    body = error.details if isinstance(error.details, dict) else {}
    inner = body.get("error", body)
    details = inner.get("details") if isinstance(inner, dict) else None
    return [d for d in details or [] if isinstance(d, dict)]


def _reasons(error: errors.APIError) -> set[str]:
    return {str(d.get("reason")) for d in _details(error) if d.get("reason")}


def _retry_delay(error: errors.APIError) -> float | None:
    """The server's wish: google.rpc.RetryInfo's `retryDelay` ("17s"), else Retry-After."""
    for detail in _details(error):
        if detail.get("@type", "").endswith("google.rpc.RetryInfo"):
            match = _SECONDS.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    headers = getattr(error.response, "headers", None) or {}
    retry_after = str(headers.get("retry-after", "")).strip()
    return float(retry_after) if retry_after.isdigit() else None
