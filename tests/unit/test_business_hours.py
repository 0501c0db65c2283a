"""Time counted in business hours, on the tenant's wall clock: across nights, weekends and zones,
and the properties every due time keeps."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.shared.errors import InvalidValue
from domain.support.business_hours import (
    BusinessHours,
    add_business_time,
    business_hours,
    business_time_between,
    due_after,
)

JAKARTA = "Asia/Jakarta"  # UTC+7, no daylight saving
WEEK = BusinessHours()  # Monday to Saturday, 08:00-17:00


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant on Jakarta's clock in December 2026 (the 7th is a Monday)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def test_time_within_one_business_day_is_counted_on_the_clock() -> None:
    assert add_business_time(wib(7, 9), hours(4), WEEK, JAKARTA) == wib(7, 13)


def test_time_left_at_closing_carries_over_to_the_next_morning() -> None:
    assert add_business_time(wib(7, 15), hours(4), WEEK, JAKARTA) == wib(8, 10)


def test_a_ticket_opened_at_night_starts_counting_at_opening_time() -> None:
    assert add_business_time(wib(7, 22), hours(1), WEEK, JAKARTA) == wib(8, 9)
    assert add_business_time(wib(8, 6), hours(1), WEEK, JAKARTA) == wib(8, 9)


def test_sunday_is_skipped_by_default() -> None:
    saturday_afternoon = wib(12, 16)
    assert add_business_time(saturday_afternoon, hours(2), WEEK, JAKARTA) == wib(14, 9)


def test_a_target_that_ends_at_closing_time_is_due_at_closing_time() -> None:
    assert add_business_time(wib(7, 8), hours(9), WEEK, JAKARTA) == wib(7, 17)


def test_a_long_target_spans_whole_weeks() -> None:
    # 27 business hours from Friday 16:00: Fri 1 h, Sat 9 h, Mon 9 h, Tue 8 h.
    assert add_business_time(wib(11, 16), hours(27), WEEK, JAKARTA) == wib(15, 16)


def test_the_same_hours_in_another_zone_are_that_zones_wall_clock() -> None:
    makassar = datetime(2026, 12, 7, 8, tzinfo=UTC) - timedelta(hours=8)  # 08:00 WITA
    assert add_business_time(makassar, hours(1), WEEK, "Asia/Makassar") == makassar + hours(1)


def test_a_zone_with_daylight_saving_keeps_its_local_opening_time() -> None:
    berlin = BusinessHours((1, 2, 3, 4, 5), time(9), time(17))
    friday_before = datetime(2026, 3, 27, 16, tzinfo=UTC)  # 17:00 CET, closing time
    # The clocks go forward on Sunday the 29th: Monday opens at 09:00 CEST, 07:00 UTC.
    due = add_business_time(friday_before, hours(1), berlin, "Europe/Berlin")
    assert due == datetime(2026, 3, 30, 8, tzinfo=UTC)


def test_business_time_between_counts_only_open_hours() -> None:
    assert business_time_between(wib(7, 16), wib(8, 10), WEEK, JAKARTA) == hours(3)
    assert business_time_between(wib(12, 16), wib(14, 9), WEEK, JAKARTA) == hours(2)
    assert business_time_between(wib(8, 10), wib(7, 16), WEEK, JAKARTA) == timedelta(0)


def test_a_stopped_clock_moves_the_due_time_by_the_business_time_it_stood_still() -> None:
    opened, target = wib(7, 9), hours(4)  # due Monday 13:00
    stops = [(wib(7, 10), wib(7, 12))]  # two business hours waiting on the customer
    assert due_after(opened, target, WEEK, JAKARTA, stops) == wib(7, 15)


def test_a_stop_after_the_due_time_does_not_move_it() -> None:
    opened, target = wib(7, 9), hours(2)
    assert due_after(opened, target, WEEK, JAKARTA, [(wib(7, 14), wib(8, 9))]) == wib(7, 11)


def test_a_stop_overnight_costs_only_its_business_hours() -> None:
    opened, target = wib(7, 16), hours(2)  # due Tuesday 09:00
    stops = [(wib(7, 16, 30), wib(8, 8, 30))]  # half an hour on Monday, half on Tuesday
    assert due_after(opened, target, WEEK, JAKARTA, stops) == wib(8, 10)


@pytest.mark.parametrize(
    ("days", "opens", "closes", "field"),
    [
        ([], "08:00", "17:00", "days"),
        ([1, 1], "08:00", "17:00", "days"),
        ([0], "08:00", "17:00", "days"),
        ([8], "08:00", "17:00", "days"),
        ([1], "8", "17:00", "opens"),
        ([1], "08:00", "24:00", "closes"),
        ([1], "17:00", "08:00", "closes"),
        ([1], "08:00", "08:00", "closes"),
    ],
)
def test_hours_that_make_no_business_day_are_refused_naming_the_field(
    days: list[int], opens: str, closes: str, field: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        business_hours(days, opens, closes)
    assert refused.value.field == field


def test_hours_as_a_client_sends_them() -> None:
    assert business_hours([6, 1, 2], "07:30", "21:00") == BusinessHours(
        (1, 2, 6), time(7, 30), time(21)
    )


# -- properties --------------------------------------------------------------------------------

ZONES = st.sampled_from([JAKARTA, "Asia/Makassar", "Asia/Jayapura", "Europe/Berlin", "UTC"])
STARTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
TARGETS = st.integers(min_value=1, max_value=60 * 24 * 30).map(lambda m: timedelta(minutes=m))


@st.composite
def any_hours(draw: st.DrawFn) -> BusinessHours:
    days = draw(st.sets(st.integers(1, 7), min_size=1))
    opens = draw(st.integers(0, 23 * 60 + 58))
    closes = draw(st.integers(opens + 1, 23 * 60 + 59))
    return BusinessHours(tuple(sorted(days)), time(*divmod(opens, 60)), time(*divmod(closes, 60)))


def within_a_year(target: timedelta, hours_: BusinessHours) -> timedelta:
    """Targets are at most a year of business time (the policy refuses longer ones)."""
    return min(target, hours_.a_year())


@given(STARTS, TARGETS, any_hours(), ZONES)
def test_a_due_time_is_always_within_business_hours(
    start: datetime, target: timedelta, hours_: BusinessHours, zone: str
) -> None:
    target = within_a_year(target, hours_)
    assert hours_.contains(add_business_time(start, target, hours_, zone), zone)


@given(STARTS, TARGETS, TARGETS, any_hours(), ZONES)
def test_a_longer_target_is_never_due_earlier(
    start: datetime, one: timedelta, other: timedelta, hours_: BusinessHours, zone: str
) -> None:
    shorter, longer = sorted((within_a_year(one, hours_), within_a_year(other, hours_)))
    assert add_business_time(start, shorter, hours_, zone) <= add_business_time(
        start, longer, hours_, zone
    )


@given(STARTS, TARGETS, any_hours(), ZONES)
def test_exactly_the_target_of_business_time_lies_between_start_and_due(
    start: datetime, target: timedelta, hours_: BusinessHours, zone: str
) -> None:
    target = within_a_year(target, hours_)
    due = add_business_time(start, target, hours_, zone)
    assert business_time_between(start, due, hours_, zone) == target


@given(STARTS, TARGETS, any_hours(), ZONES, st.integers(0, 60 * 24 * 10), st.integers(0, 600))
def test_a_stop_never_brings_a_due_time_forward(
    start: datetime,
    target: timedelta,
    hours_: BusinessHours,
    zone: str,
    after: int,
    length: int,
) -> None:
    target = within_a_year(target, hours_)
    stopped = start + timedelta(minutes=after)
    stop = (stopped, stopped + timedelta(minutes=length))
    running = due_after(start, target, hours_, zone)
    paused = due_after(start, target, hours_, zone, [stop])
    assert paused >= running
    assert hours_.contains(paused, zone)
