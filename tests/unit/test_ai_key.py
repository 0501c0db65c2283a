"""AI keys and the AI switch, given events: a key rests per model until a time, a refused key
stays disabled, and nothing is recorded twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.ai.key import AiKey, DisabledBecause, KeyFault, KeyScope, KeyStatus
from domain.ai.settings import AiSettings
from domain.shared.errors import InvalidValue

NOON = datetime(2026, 1, 5, 12, tzinfo=UTC)
QUOTA = KeyFault.of(429, "RESOURCE_EXHAUSTED", "quota", "gemini-2.5-flash")


def _events(key: AiKey) -> list[str]:
    return [type(e).__name__ for e in key.collect_events()]


def test_a_key_without_a_tenant_is_the_platforms_and_one_with_a_tenant_is_its_own() -> None:
    assert AiKey.add(None, "utama", "sb1:sealed").scope is KeyScope.PLATFORM
    assert AiKey.add(uuid4(), "toko", "sb1:sealed").scope is KeyScope.TENANT


def test_a_label_must_be_one_line_and_an_empty_one_becomes_key() -> None:
    assert AiKey.add(None, "  ", "sb1:x").label == "key"
    with pytest.raises(InvalidValue) as refused:
        AiKey.add(None, "dua\nbaris", "sb1:x")
    assert refused.value.field == "label"


def test_a_rate_limited_key_rests_on_that_model_only_until_the_time_given() -> None:
    key = AiKey.add(None, "utama", "sb1:x")
    assert key.cool_down("gemini-2.5-flash", NOON + timedelta(seconds=17), QUOTA)
    assert not key.usable_for("gemini-2.5-flash", NOON + timedelta(seconds=16))
    assert key.usable_for("gemini-2.5-flash", NOON + timedelta(seconds=17))
    assert key.usable_for("gemini-2.5-flash-lite", NOON)
    assert key.status(NOON) is KeyStatus.COOLING
    assert key.status(NOON + timedelta(seconds=17)) is KeyStatus.ACTIVE
    assert key.last_fault == QUOTA


def test_a_rest_no_longer_than_the_one_recorded_records_nothing() -> None:
    key = AiKey.add(None, "utama", "sb1:x")
    key.cool_down("m", NOON + timedelta(seconds=30), QUOTA)
    key.collect_events()
    assert not key.cool_down("m", NOON + timedelta(seconds=10), QUOTA)
    assert not key.cool_down("m", NOON + timedelta(seconds=30), QUOTA)
    assert key.cool_down("m", NOON + timedelta(seconds=40), QUOTA)
    assert _events(key) == ["CooledDown"]


def test_a_disabled_key_stays_disabled_and_rests_no_more() -> None:
    key = AiKey.add(uuid4(), "toko", "sb1:x")
    invalid = KeyFault.of(400, "INVALID_ARGUMENT", "API key not valid", "gemini-2.5-flash")
    assert key.disable(DisabledBecause.INVALID, invalid)
    assert not key.disable(DisabledBecause.BY_STAFF)
    assert not key.cool_down("m", NOON + timedelta(seconds=5), QUOTA)
    assert key.status(NOON) is KeyStatus.DISABLED
    assert not key.usable_for("m", NOON)
    assert key.disabled is DisabledBecause.INVALID
    assert _events(key) == ["Added", "Disabled"]


def test_a_providers_fault_is_stored_as_printable_bounded_text() -> None:
    fault = KeyFault.of(500, "INTERNAL\x00", "x" * 1000 + "\x07", "gemini")
    assert "\x00" not in fault.status
    assert len(fault.message) == 300
    assert fault.shown().startswith("500 INTERNAL\ufffd on gemini: xxx")


def test_ai_is_on_for_a_tenant_until_it_switches_it_off_and_a_repeat_records_nothing() -> None:
    settings = AiSettings.start(uuid4())
    assert settings.enabled
    assert not settings.switch(True)
    assert settings.switch(False)
    assert not settings.enabled
    assert not settings.switch(False)
    assert [type(e).__name__ for e in settings.collect_events()] == ["Started", "Switched"]
