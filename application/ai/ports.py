"""What a feature asks of the language model, and what the model adapter must provide.

A feature calls `Ai` (generate text, generate JSON against a schema, embed texts, count
tokens), naming the tenant and itself; every answer comes with an `AiUsage` record to keep with
the feature's outcome. When AI cannot answer, `AiUnavailable` says why (`reason`) and still
carries the usage record, and the feature falls back to its deterministic part.

The adapter implements `LanguageModel`: it sees only text that has already been masked, and owns
keys, the model fallback chain, time-outs, retries and the circuit breaker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore
from domain.ai.key import KeyFault, KeyScope
from domain.ai.usage import AiUsage

T = TypeVar("T")


class UnavailableReason(StrEnum):
    OFF = "off"  # the tenant switched AI off
    NO_KEY = "no_key"  # no usable key, platform-wide or the tenant's own
    QUOTA = "quota"  # every key is rate-limited on every model
    TIMEOUT = "timeout"
    INVALID_ANSWER = "invalid_answer"  # no valid JSON after the retries
    BUDGET = "budget"  # the tenant's AI budget for the month is spent
    BREAKER_OPEN = "breaker_open"  # the provider failed repeatedly; resting it
    PROVIDER_ERROR = "provider_error"


class AiUnavailable(ApplicationError):
    """AI could not answer; the feature answers with its deterministic part."""

    code = "AI_UNAVAILABLE"

    def __init__(self, reason: UnavailableReason, message: str, usage: AiUsage | None = None):
        super().__init__(message)
        self.reason = reason
        self.usage = usage


class EmbeddingTask(StrEnum):
    """What the vectors are for; the provider tunes them (Gemini's task types)."""

    DOCUMENT = "RETRIEVAL_DOCUMENT"
    QUERY = "RETRIEVAL_QUERY"


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "model"
    text: str


@dataclass(frozen=True)
class Prompt:
    """What a feature sends. `known` lists personal values the feature knows may appear (its
    customers' names and addresses) for masking; `restore` puts masked values back in the answer
    (leave it off where the answer goes to someone who must not see them)."""

    text: str
    system: str | None = None
    history: tuple[Turn, ...] = ()
    known: tuple[str, ...] = ()
    restore: bool = True
    temperature: float | None = None


@dataclass(frozen=True)
class TextAnswer:
    text: str
    usage: AiUsage


@dataclass(frozen=True)
class JsonAnswer(Generic[T]):
    value: T
    usage: AiUsage


@dataclass(frozen=True)
class Embeddings:
    vectors: list[list[float]]
    usage: AiUsage


@dataclass(frozen=True)
class TokenCount:
    tokens: int
    usage: AiUsage


class Ai(Protocol):
    """The language model as features see it."""

    def generate_text(self, tenant_id: UUID, feature: str, prompt: Prompt) -> TextAnswer: ...

    def generate_json(
        self, tenant_id: UUID, feature: str, prompt: Prompt, schema: type[T]
    ) -> JsonAnswer[T]:
        """An answer validated against a pydantic model (`schema`)."""

    def generate_json_object(
        self, tenant_id: UUID, feature: str, prompt: Prompt, schema: Mapping[str, Any]
    ) -> JsonAnswer[dict[str, Any]]:
        """An answer checked against a JSON schema: its type, required and known properties."""

    def embed(
        self, tenant_id: UUID, feature: str, texts: Sequence[str], task: EmbeddingTask
    ) -> Embeddings: ...

    def count_tokens(self, tenant_id: UUID, feature: str, prompt: Prompt) -> TokenCount: ...


# -- masking ---------------------------------------------------------------------------------


class Redaction(Protocol):
    """One call's masked texts and the way back; it lives in memory for that call only."""

    @property
    def texts(self) -> Sequence[str]: ...

    def restore(self, text: str) -> str:
        """`text` with the placeholders of this call replaced by the values they hide."""


class Masking(Protocol):
    """Replaces personal values (NIK, phones, e-mails, NPWP, bank accounts, the `known` names and
    addresses) in outgoing text with typed placeholders, one mapping shared by all the texts."""

    def mask(self, texts: Sequence[str], known: Sequence[str]) -> Redaction: ...


# -- the model adapter -----------------------------------------------------------------------


@dataclass(frozen=True)
class ModelRequest:
    """Masked text only."""

    text: str
    system: str | None = None
    history: tuple[Turn, ...] = ()
    json_schema: Mapping[str, Any] | None = None
    temperature: float | None = None


@dataclass(frozen=True)
class ModelReply:
    text: str
    model: str
    key_id: UUID
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class EmbeddingReply:
    vectors: list[list[float]]
    model: str
    key_id: UUID
    input_tokens: int


@dataclass(frozen=True)
class CountReply:
    tokens: int
    model: str
    key_id: UUID


class ModelFailed(Exception):
    """The adapter gave up: every key and model it could try failed, or none could be tried.
    `model` and `key_id` name the last ones tried, if any."""

    def __init__(
        self,
        reason: UnavailableReason,
        message: str,
        model: str | None = None,
        key_id: UUID | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.model = model
        self.key_id = key_id


class LanguageModel(Protocol):
    """The provider behind a key pool and a model fallback chain."""

    def generate(self, tenant_id: UUID, request: ModelRequest) -> ModelReply: ...

    def embed(
        self, tenant_id: UUID, texts: Sequence[str], task: EmbeddingTask
    ) -> EmbeddingReply: ...

    def count_tokens(self, tenant_id: UUID, request: ModelRequest) -> CountReply: ...


# -- prices ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelPrice:
    """Rupiah per million tokens (the operator converts the provider's USD list price)."""

    input_idr_per_million: int
    output_idr_per_million: int = 0

    def cost_micro_idr(self, input_tokens: int, output_tokens: int) -> int:
        """Millionths of a rupiah: tokens times rupiah per million tokens, exactly."""
        return (
            input_tokens * self.input_idr_per_million + output_tokens * self.output_idr_per_million
        )


# -- keys ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenKey:
    """A usable key with its secret opened, for the adapter only; never shown or logged."""

    id: UUID
    tenant_id: UUID | None  # None: a platform key
    label: str
    secret: str = field(repr=False)
    cooling: Mapping[str, datetime] = field(default_factory=dict)  # model -> resting until

    @property
    def scope(self) -> KeyScope:
        return KeyScope.PLATFORM if self.tenant_id is None else KeyScope.TENANT


class KeyEvents(Protocol):
    """What the adapter reports about keys, to be recorded (and told to the tenant's staff)."""

    def cooled(self, key: OpenKey, model: str, until: datetime, fault: KeyFault) -> None: ...

    def rejected(self, key: OpenKey, fault: KeyFault) -> None: ...


@dataclass(frozen=True)
class AiKeyView:
    id: UUID
    tenant_id: UUID | None
    scope: str
    label: str
    status: str  # active, cooling or disabled (cooling as of the time asked)
    cooling_until: datetime | None
    disabled_reason: str | None
    last_error: str | None
    added_at: datetime
    updated_at: datetime


class AiKeyReadModels(Protocol):
    def keys(self, store: EventStore, tenant_id: UUID | None, now: datetime) -> list[AiKeyView]:
        """The keys of a tenant (None: the platform's, in the platform store), oldest first."""
