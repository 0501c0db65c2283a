"""What a router should hold: hotspot users, durations, the isolir policy, old events."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

import pytest

from domain.platform.tenant import IsolirPolicy
from domain.routers.provisioning import (
    SUBSCRIPTION,
    VOUCHER,
    HotspotUser,
    Provisioning,
    duration_seconds,
    hotspot_differences,
)
from domain.shared.errors import InvalidValue
from domain.shared.payloads import from_plain, to_plain

USER = HotspotUser("vch-1", "4471", "1jam", "1h", None, False, "niaga:x")


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [
        ("1h", 3600),
        ("60m", 3600),
        ("1h30m", 5400),
        ("1w2d", 777600),
        ("01:02:03", 3723),
        (None, None),
    ],
)
def test_durations_are_compared_as_seconds(duration: str | None, seconds: int | None) -> None:
    assert duration_seconds(duration) == seconds


def test_hotspot_differences_name_the_fields_that_differ() -> None:
    same_time = HotspotUser("vch-1", "4471", "1jam", "60m", None, False, "niaga:x")
    assert hotspot_differences(same_time, USER) == []
    other = HotspotUser("vch-1", "9999", "2jam", "2h", 10, True, "niaga:x")
    assert hotspot_differences(other, USER) == [
        "profile",
        "limit_uptime",
        "password",
        "limit_bytes_total",
        "disabled",
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": " vch"}, "name"),
        ({"profile": ""}, "profile"),
        ({"limit_uptime": "sejam"}, "limit_uptime"),
        ({"limit_uptime": ""}, "limit_uptime"),
        ({"limit_bytes_total": 0}, "limit_bytes_total"),
    ],
)
def test_a_hotspot_user_that_cannot_exist_is_refused(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        replace(USER, **changes).validated()
    assert refused.value.field == field


def test_a_hotspot_user_survives_its_stored_form() -> None:
    limited = HotspotUser("vch-2", "00123", "1jam", None, 10**9, True, "niaga:y")
    assert from_plain(HotspotUser, to_plain(limited)) == limited


def test_only_a_newer_version_of_a_hotspot_user_is_recorded() -> None:
    record = Provisioning.start(uuid4(), uuid4(), VOUCHER)
    router_id = uuid4()
    assert record.want_hotspot_user(router_id, "core-1", USER, 2)
    assert not record.want_hotspot_user(router_id, "core-1", None, 1)
    assert (record.wanted_version, record.hotspot_name) == (2, "vch-1")
    assert record.want_hotspot_user(router_id, "core-1", None, 3)
    assert (record.wanted_user, record.hotspot_name) == (None, "vch-1")


def test_a_subscriptions_record_holds_no_hotspot_user() -> None:
    record = Provisioning.start(uuid4(), uuid4())
    assert record.kind == SUBSCRIPTION
    with pytest.raises(InvalidValue):
        record.want_hotspot_user(uuid4(), "core-1", USER, 1)
    with pytest.raises(InvalidValue):
        Provisioning.start(uuid4(), uuid4(), "router")


def test_a_record_started_before_kinds_existed_is_a_subscriptions() -> None:
    # An event stored before `kind` existed is decoded without that field, as the mapper does.
    current = Provisioning.start(uuid4(), uuid4())
    (started,) = current.collect_events()
    state = {k: v for k, v in vars(started).items() if k != "kind"}
    old = object.__new__(Provisioning.Started)
    object.__setattr__(old, "__dict__", state)
    record = old.mutate(None)
    assert isinstance(record, Provisioning)
    assert (record.kind, record.subscription_id) == (SUBSCRIPTION, current.subscription_id)


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        (IsolirPolicy("firewall"), "isolir_mode"),
        (IsolirPolicy("profile", ""), "isolir_profile"),
        (IsolirPolicy("address_list", "isolir", "blok ir"), "isolir_address_list"),
    ],
)
def test_an_isolir_policy_that_cannot_work_is_refused(policy: IsolirPolicy, field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        policy.validated()
    assert refused.value.field == field


def test_a_retryable_failure_of_the_same_version_repeats_and_a_refusal_never_does() -> None:
    record = Provisioning.start(uuid4(), uuid4())
    record.fail("core-1", 3, "core-1 (10.0.0.1:8728): timed out", True)
    assert record.repeats_failure(3, True)
    assert not record.repeats_failure(4, True)  # a newer state is news
    assert not record.repeats_failure(3, False)  # a refusal is always recorded
    record.fail("core-1", 3, "core-1: 10 repeats", True, repeats=9)
    assert record.attempts == 11  # the repeats are counted in one event
    record.succeed("core-1", 3, [])
    assert not record.repeats_failure(3, True)


def test_a_retry_can_be_asked_for_only_after_a_failure_and_is_due_at_once() -> None:
    record = Provisioning.start(uuid4(), uuid4())
    with pytest.raises(InvalidValue, match="nothing to retry"):
        record.request_retry()
    record.fail("core-1", 1, "core-1: input does not match any value of profile", False)
    assert (record.attempts, record.will_retry) == (1, False)
    record.request_retry()
    assert (record.attempts, record.will_retry) == (0, True)
    assert isinstance(record.collect_events()[-1], Provisioning.RetryRequested)
