"""Instants become the tenant's wall-clock time and calendar day: near local midnight, in every
zone, the day is the one the tenant's people are living, and so are warranties and due dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.billing import due_date
from application.shared.clock import FixedClock
from domain.platform.tenant import Tenant
from domain.repairs.repair_job import (
    AnsweredBy,
    RepairJob,
    RepairPolicy,
    RepairRefused,
    labour_line,
)
from domain.shared.local_time import SHOWN, local_date, local_time, shown_time

# Indonesia's three zones and Pontianak, UTC, and zones with half-hour and 45-minute offsets,
# daylight saving, and the extremes of the date line. None of them changes its offset at
# midnight, so every local midnight exists exactly once (St John's moved its changes from
# 00:01 to 02:00 in 2011: the days drawn start after that).
ZONES = (
    "Asia/Jakarta",
    "Asia/Pontianak",
    "Asia/Makassar",
    "Asia/Jayapura",
    "UTC",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "America/St_Johns",
    "America/New_York",
    "Europe/Amsterdam",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
)
TENANT = UUID("00000000-0000-0000-0000-000000000007")

zones = st.sampled_from(ZONES)
days = st.dates(min_value=date(2012, 1, 1), max_value=date(2060, 12, 31))
# Up to twelve hours either side of local midnight, to the second.
near_midnight = st.integers(min_value=-12 * 3600, max_value=12 * 3600 - 1).map(
    lambda s: timedelta(seconds=s)
)


def _midnight(day: date, zone: str) -> datetime:
    """The instant (in UTC) at which `day` begins in `zone`."""
    return datetime.combine(day, time(), ZoneInfo(zone)).astimezone(UTC)


def _day_lived(day: date, offset: timedelta) -> date:
    """The local day of `offset` after the local midnight that starts `day`."""
    return day if offset >= timedelta(0) else day - timedelta(days=1)


@given(zones, days, near_midnight)
def test_the_local_day_turns_exactly_at_local_midnight(
    zone: str, day: date, offset: timedelta
) -> None:
    instant = _midnight(day, zone) + offset
    assert local_date(instant, zone) == _day_lived(day, offset)
    assert FixedClock(day).today(zone) == day  # no instant set: the day it was given
    clock = FixedClock(day)
    clock.set_now(instant)
    assert clock.today(zone) == _day_lived(day, offset)


@given(zones, days, near_midnight)
def test_local_time_is_the_same_instant_on_the_zones_wall_clock(
    zone: str, day: date, offset: timedelta
) -> None:
    instant = _midnight(day, zone) + offset
    local = local_time(instant, zone)
    assert local == instant
    # The zone's own conversion from UTC (reading the UTC time as a wall time would be wrong
    # within an hour of a daylight-saving change, as on Lord Howe Island).
    utc_as_zone = instant.astimezone(UTC).replace(tzinfo=ZoneInfo(zone))
    assert local.utcoffset() == ZoneInfo(zone).fromutc(utc_as_zone).utcoffset()
    wall = datetime.strptime(shown_time(instant, zone)[:16], SHOWN)
    assert wall == local.replace(tzinfo=None, second=0, microsecond=0)
    assert shown_time(instant, zone).endswith(" " + str(local.tzname()))


def test_a_job_due_at_15_54_utc_reads_22_54_in_jakarta_and_the_next_day_in_jayapura() -> None:
    due = datetime(2026, 12, 5, 15, 54, tzinfo=UTC)
    assert shown_time(due, "Asia/Jakarta") == "05/12/2026 22:54 WIB"
    assert shown_time(due, "Asia/Makassar") == "05/12/2026 23:54 WITA"
    assert shown_time(due, "Asia/Jayapura") == "06/12/2026 00:54 WIT"
    assert shown_time(due.replace(tzinfo=None), "Asia/Jakarta") == "05/12/2026 22:54 WIB"


def _completed_job(at: datetime) -> RepairJob:
    job = RepairJob.receive(
        TENANT,
        uuid4(),
        device_type="smartphone",
        brand="Samsung",
        model="Galaxy A50",
        complaint="layar retak",
        received_at=at,
        policy=RepairPolicy(),
    )
    job.diagnose("LCD pecah", at)
    job.quote([], [labour_line("Ganti LCD", 100_000)], at)
    job.approve(AnsweredBy.CUSTOMER, at)
    job.assign(uuid4(), "Andi")
    job.start(at)
    job.complete(at)
    return job


@given(zones, days, near_midnight, st.integers(min_value=0, max_value=730))
def test_a_warranty_counts_from_the_shops_day_of_hand_over_and_ends_at_its_midnight(
    zone: str, day: date, offset: timedelta, warranty_days: int
) -> None:
    handed_over = _midnight(day, zone) + offset
    policy = RepairPolicy(warranty_days=warranty_days)
    job = _completed_job(handed_over - timedelta(hours=13))
    job.deliver(handed_over, policy, zone)
    last_day = _day_lived(day, offset) + timedelta(days=warranty_days)
    assert job.warranty_until == last_day

    end = _midnight(last_day + timedelta(days=1), zone)
    late = _completed_job(handed_over - timedelta(hours=13))
    late.deliver(handed_over, policy, zone)
    with pytest.raises(RepairRefused, match="warranty ended"):
        late.claim_warranty("rusak lagi", end, policy, zone)
    job.claim_warranty("rusak lagi", end - timedelta(seconds=1), policy, zone)
    assert job.warranty_claims == 1


@given(zones, days, near_midnight, st.integers(min_value=0, max_value=90))
def test_an_invoice_issued_near_midnight_is_dated_and_due_by_the_tenants_calendar(
    zone: str, day: date, offset: timedelta, terms: int
) -> None:
    tenant = Tenant.register(TENANT, "Warung Net", "shared")
    tenant.change_settings(timezone=zone)
    tenant.change_billing_policy(replace(tenant.billing_policy, payment_terms_days=terms))
    clock = FixedClock(day)
    clock.set_now(_midnight(day, zone) + offset)
    issued_on = clock.today(tenant.timezone)
    assert issued_on == _day_lived(day, offset)
    assert due_date(tenant, issued_on) == _day_lived(day, offset) + timedelta(days=terms)
