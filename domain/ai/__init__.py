"""The AI area: API keys for the language model, each tenant's AI switch, and usage records.

This package root is the area's public module: the names below are what other areas may use.
Everything else in the package is the area's own (import-linter checks it, see pyproject.toml)."""

from domain.ai.usage import AiUsage

__all__ = ["AiUsage"]
