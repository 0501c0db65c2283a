"""Time counted in business hours: the days of the week a tenant answers its customers and the
hours it is open on them, on the tenant's own wall clock.

Pure functions of instants (aware, compared as instants), the hours and an IANA zone name. Each
business day is one window, `opens` to `closes` local time; a window is turned into instants
before any arithmetic, so a zone's offset (or a daylight-saving change, where a zone has one)
is the zone's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.shared.errors import InvalidValue
from domain.shared.local_time import local_time

ISO_WEEKDAYS = range(1, 8)  # Monday 1 ... Sunday 7
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
NOTHING = timedelta(0)
# A target is at most a year of business time (`BusinessHours.a_year`); a clock stopped for a
# while looks further, never beyond this.
MAX_DAYS_AHEAD = 3 * 366


@dataclass(frozen=True)
class BusinessHours:
    """The days (ISO weekdays, Monday 1) and the local opening and closing times of each. The
    default is an Indonesian working week: Monday to Saturday, 08:00-17:00."""

    days: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    opens: time = time(8)
    closes: time = time(17)

    def windows(self, start: datetime, zone: str) -> Iterator[tuple[datetime, datetime]]:
        """The business windows, as UTC instants, that end after `start`, in order."""
        day = local_time(start, zone).date()
        for offset in range(MAX_DAYS_AHEAD + 1):
            window = self.window_on(day + timedelta(days=offset), zone)
            if window is not None and window[1] > start:
                yield window

    def window_on(self, day: date, zone: str) -> tuple[datetime, datetime] | None:
        """The day's window as UTC instants, or None on a day the business is closed."""
        if day.isoweekday() not in self.days:
            return None
        opens = _instant(day, self.opens, zone)
        closes = _instant(day, self.closes, zone)
        return (opens, closes) if opens < closes else None

    def a_year(self) -> timedelta:
        """The business time of 52 weeks: no target may be longer (its due time would lie
        too far ahead to reckon)."""
        opens = timedelta(hours=self.opens.hour, minutes=self.opens.minute)
        closes = timedelta(hours=self.closes.hour, minutes=self.closes.minute)
        return (closes - opens) * len(self.days) * 52

    def contains(self, instant: datetime, zone: str) -> bool:
        """Whether `instant` falls within a window, its opening and closing minutes included."""
        window = self.window_on(local_time(instant, zone).date(), zone)
        return window is not None and window[0] <= instant <= window[1]


def business_hours(days: Sequence[int], opens: str, closes: str) -> BusinessHours:
    """Hours from what a client sends: distinct ISO weekdays (at least one) and `HH:MM` times,
    the closing after the opening (a window does not run past midnight)."""
    chosen = tuple(sorted(set(days)))
    if not chosen or len(chosen) != len(days) or any(d not in ISO_WEEKDAYS for d in chosen):
        raise InvalidValue("days must be distinct weekdays, 1 (Monday) to 7 (Sunday)", field="days")
    opening, closing = clock_time(opens, "opens"), clock_time(closes, "closes")
    if closing <= opening:
        raise InvalidValue(
            f"closes ({closes}) must be after opens ({opens}) on the same day", field="closes"
        )
    return BusinessHours(chosen, opening, closing)


def clock_time(raw: str, field: str) -> time:
    """`HH:MM` on a 24-hour clock."""
    match = _CLOCK.fullmatch(raw.strip())
    if match is None:
        raise InvalidValue(f"{field} must be a time as HH:MM (00:00-23:59)", field=field)
    return time(int(match[1]), int(match[2]))


def add_business_time(
    start: datetime, duration: timedelta, hours: BusinessHours, zone: str
) -> datetime:
    """The instant at which `duration` (more than nothing) of business time has passed since
    `start`: always within a window, at the latest its closing minute."""
    if duration <= NOTHING:
        raise InvalidValue("a duration of business time must be more than nothing", field="target")
    remaining = duration
    for opens, closes in hours.windows(start, zone):
        begin = max(opens, start)
        if remaining <= closes - begin:
            return begin + remaining
        remaining -= closes - begin
    raise InvalidValue("the business hours leave no time in reach", field="days")


def business_time_between(
    start: datetime, end: datetime, hours: BusinessHours, zone: str
) -> timedelta:
    """How much business time lies between two instants (nothing if `end` is not after)."""
    total = NOTHING
    if end <= start:
        return total
    for opens, closes in hours.windows(start, zone):
        if opens >= end:
            break
        total += min(closes, end) - max(opens, start)
    return total


def due_after(
    start: datetime,
    target: timedelta,
    hours: BusinessHours,
    zone: str,
    stops: Sequence[tuple[datetime, datetime]] = (),
) -> datetime:
    """When `target` of business time has run on a clock started at `start` and stopped during
    each of `stops` (intervals, in any order): a stop after the target was reached moves
    nothing."""
    remaining, cursor = target, start
    for stopped, resumed in sorted(stops):
        if stopped > cursor:
            running = business_time_between(cursor, stopped, hours, zone)
            if remaining <= running:
                break
            remaining -= running
        cursor = max(cursor, resumed)
    return add_business_time(cursor, remaining, hours, zone)


def _instant(day: date, at: time, zone: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)
