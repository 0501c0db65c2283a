"""The AI port as features use it: the tenant's switch, masking, JSON validation and metering
around the model adapter.

Every outgoing text passes through `Masking.mask` before the adapter sees it, and an answer
gets its personal values back (`Redaction.restore`) only when the prompt asks for it; the
mapping lives in that one call. Every call, answered or not, yields an `AiUsage` record.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

from pydantic import TypeAdapter, ValidationError

from application.ai import json_answers
from application.ai.ports import (
    AiUnavailable,
    Embeddings,
    EmbeddingTask,
    JsonAnswer,
    LanguageModel,
    Masking,
    ModelFailed,
    ModelPrice,
    ModelRequest,
    Prompt,
    Redaction,
    TextAnswer,
    TokenCount,
    Turn,
    UnavailableReason,
)
from domain.ai.usage import OK, AiUsage
from domain.shared.text import check_line

T = TypeVar("T")
NO_PRICE = ModelPrice(0, 0)


@dataclass
class _Meter:
    """Tokens, cost and time of one feature call, over every model request it made."""

    tenant_id: UUID
    feature: str
    prices: Mapping[str, ModelPrice]
    started: float = field(default_factory=time.monotonic)
    model: str | None = None
    key_id: UUID | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost: int = 0

    def add(self, model: str, key_id: UUID, input_tokens: int, output_tokens: int) -> None:
        self.model, self.key_id = model, key_id
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        price = self.prices.get(model, NO_PRICE)
        self.cost += price.cost_micro_idr(input_tokens, output_tokens)

    def usage(self, outcome: str = OK) -> AiUsage:
        return AiUsage(
            tenant_id=self.tenant_id,
            feature=self.feature,
            model=self.model,
            key_id=self.key_id,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cost_micro_idr=self.cost,
            latency_ms=round((time.monotonic() - self.started) * 1000),
            outcome=outcome,
        )

    def unavailable(self, reason: UnavailableReason, message: str) -> AiUnavailable:
        return AiUnavailable(reason, message, self.usage(reason.value))

    def failed(self, failure: ModelFailed) -> AiUnavailable:
        self.model = failure.model or self.model
        self.key_id = failure.key_id or self.key_id
        return self.unavailable(failure.reason, failure.message)


class AiService:
    """Implements `Ai` (application/ai/ports.py) for every feature."""

    def __init__(
        self,
        model: LanguageModel,
        enabled: Callable[[UUID], bool],
        masking: Masking,
        prices: Mapping[str, ModelPrice],
        json_attempts: int = 2,
        over_budget: Callable[[UUID], bool] = lambda _tenant_id: False,
    ) -> None:
        self._model = model
        self._enabled = enabled
        self._masking = masking
        self._prices = prices
        self._json_attempts = max(1, json_attempts)
        self._over_budget = over_budget  # the tenant's monthly AI budget is spent

    def generate_text(self, tenant_id: UUID, feature: str, prompt: Prompt) -> TextAnswer:
        meter = self._start(tenant_id, feature)
        redaction = self._mask(prompt)
        reply = self._generate(meter, _request(redaction, prompt, None))
        text = redaction.restore(reply) if prompt.restore else reply
        return TextAnswer(text, meter.usage())

    def generate_json(
        self, tenant_id: UUID, feature: str, prompt: Prompt, schema: type[T]
    ) -> JsonAnswer[T]:
        adapter: TypeAdapter[T] = TypeAdapter(schema)

        def read(text: str) -> T:
            try:
                return adapter.validate_json(text)
            except ValidationError as error:
                raise json_answers.InvalidAnswer(str(error)) from None

        meter = self._start(tenant_id, feature)
        redaction = self._mask(prompt)
        value = self._json(meter, _request(redaction, prompt, adapter.json_schema()), read)
        if prompt.restore:
            plain = json_answers.map_strings(
                adapter.dump_python(value, mode="json"), redaction.restore
            )
            value = adapter.validate_python(plain)
        return JsonAnswer(value, meter.usage())

    def generate_json_object(
        self, tenant_id: UUID, feature: str, prompt: Prompt, schema: Mapping[str, Any]
    ) -> JsonAnswer[dict[str, Any]]:
        def read(text: str) -> dict[str, Any]:
            value = json_answers.parsed(text)
            json_answers.check(value, schema)
            if not isinstance(value, dict):
                raise json_answers.InvalidAnswer("the answer is not a JSON object")
            return value

        meter = self._start(tenant_id, feature)
        redaction = self._mask(prompt)
        value = self._json(meter, _request(redaction, prompt, schema), read)
        if prompt.restore:
            value = json_answers.map_strings(value, redaction.restore)
        return JsonAnswer(value, meter.usage())

    def embed(
        self, tenant_id: UUID, feature: str, texts: Sequence[str], task: EmbeddingTask
    ) -> Embeddings:
        meter = self._start(tenant_id, feature)
        if not texts:
            return Embeddings([], meter.usage())
        masked = self._masking.mask(list(texts), ()).texts
        try:
            reply = self._model.embed(tenant_id, masked, task)
        except ModelFailed as failure:
            raise meter.failed(failure) from None
        meter.add(reply.model, reply.key_id, reply.input_tokens, 0)
        return Embeddings(reply.vectors, meter.usage())

    def count_tokens(self, tenant_id: UUID, feature: str, prompt: Prompt) -> TokenCount:
        meter = self._start(tenant_id, feature)
        redaction = self._mask(prompt)
        try:
            reply = self._model.count_tokens(tenant_id, _request(redaction, prompt, None))
        except ModelFailed as failure:
            raise meter.failed(failure) from None
        meter.model, meter.key_id = reply.model, reply.key_id
        return TokenCount(reply.tokens, meter.usage())

    # -- one call ----------------------------------------------------------------------------

    def _start(self, tenant_id: UUID, feature: str) -> _Meter:
        meter = _Meter(tenant_id, check_line(feature, "feature", max_length=64), self._prices)
        if not self._enabled(tenant_id):
            raise meter.unavailable(UnavailableReason.OFF, "AI is switched off for this tenant")
        if self._over_budget(tenant_id):
            raise meter.unavailable(
                UnavailableReason.BUDGET, "the tenant's AI budget for the month is spent"
            )
        return meter

    def _mask(self, prompt: Prompt) -> Redaction:
        """The one place a prompt's texts are masked: its text, system text and history."""
        texts = [prompt.text, prompt.system or "", *(turn.text for turn in prompt.history)]
        return self._masking.mask(texts, prompt.known)

    def _generate(self, meter: _Meter, request: ModelRequest) -> str:
        try:
            reply = self._model.generate(meter.tenant_id, request)
        except ModelFailed as failure:
            raise meter.failed(failure) from None
        meter.add(reply.model, reply.key_id, reply.input_tokens, reply.output_tokens)
        return reply.text

    def _json(self, meter: _Meter, request: ModelRequest, read: Callable[[str], T]) -> T:
        """The model's answer read as JSON, asked again while it is invalid (each attempt is
        metered); AiUnavailable(invalid_answer) after the last."""
        problem = ""
        for _ in range(self._json_attempts):
            try:
                return read(self._generate(meter, request))
            except json_answers.InvalidAnswer as error:
                problem = str(error)[:300]
        raise meter.unavailable(
            UnavailableReason.INVALID_ANSWER,
            f"no valid JSON after {self._json_attempts} attempts: {problem}",
        )


def _request(
    redaction: Redaction, prompt: Prompt, schema: Mapping[str, Any] | None
) -> ModelRequest:
    text, system, *history = redaction.texts
    return ModelRequest(
        text=text,
        system=system if prompt.system else None,
        history=tuple(
            Turn(t.role, masked) for t, masked in zip(prompt.history, history, strict=True)
        ),
        json_schema=schema,
        temperature=prompt.temperature,
    )
