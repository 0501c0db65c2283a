"""Shared by the AI tests: a fake Gemini on a real socket, settings that point google-genai at it
(short time-outs and pauses, so failures are quick), and keys."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest

from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.ai.keys import AddAiKey
from application.shared.context import Actor, ActorKind

OPERATOR = Actor(ActorKind.USER, "test-operator")
FLASH, LITE = "gemini-2.5-flash", "gemini-2.5-flash-lite"
PRICES = {FLASH: (4_800, 40_000), LITE: (1_600, 6_400), "gemini-embedding-001": (2_400, 0)}


@pytest.fixture(name="gemini")
def gemini_fixture() -> Iterator[FakeGemini]:
    fake = FakeGemini().start()
    yield fake
    fake.stop()


@pytest.fixture(name="settings")
def ai_settings(settings: Settings, gemini: FakeGemini) -> Settings:
    return settings.model_copy(
        update={
            "niaga_ai_base_url": gemini.url,
            "niaga_ai_models": f"{FLASH},{LITE}",
            "niaga_ai_timeout_seconds": 1.0,
            "niaga_ai_deadline_seconds": 10.0,
            "niaga_ai_retries": 1,
            "niaga_ai_backoff_seconds": 0.01,
            "niaga_ai_breaker_failures": 5,
            "niaga_ai_breaker_open_seconds": 0.5,
            "niaga_ai_prices": PRICES,
        }
    )


def platform_key(niaga: Niaga, key: str, label: str | None = None) -> UUID:
    return niaga.ai.keys.add_platform_key(AddAiKey(key, label or key), OPERATOR)
