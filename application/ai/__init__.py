"""The AI area: the language model port features use, its keys and each tenant's AI switch.

This package root is the area's public module: the names below are what other areas may use.
Everything else in the package is the area's own (import-linter checks it, see pyproject.toml)."""

from application.ai.ports import (
    Ai,
    AiUnavailable,
    Embeddings,
    EmbeddingTask,
    JsonAnswer,
    Prompt,
    TextAnswer,
    TokenCount,
    Turn,
    UnavailableReason,
)

__all__ = [
    "Ai",
    "AiUnavailable",
    "EmbeddingTask",
    "Embeddings",
    "JsonAnswer",
    "Prompt",
    "TextAnswer",
    "TokenCount",
    "Turn",
    "UnavailableReason",
]
