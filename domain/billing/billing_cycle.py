"""Billing periods and proration.

A monthly period runs from one billing day to the same day next month (billing days are 1-28 so
every month has one). Proration splits a price across the days of a period so that the parts of
any split add up to the whole price exactly: each part is the difference of two rounded-down
cumulative shares, and the sum telescopes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.shared.errors import InvalidValue

MAX_BILLING_DAY = 28


def billing_day(day: int) -> int:
    if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= MAX_BILLING_DAY:
        raise InvalidValue(
            f"billing day must be 1-{MAX_BILLING_DAY} so every month has one, got {day!r}",
            field="billing_day",
        )
    return day


def add_months(on: date, months: int, day: int) -> date:
    index = on.year * 12 + on.month - 1 + months
    return date(index // 12, index % 12 + 1, day)


def next_billing_date(after: date, day: int) -> date:
    """The first billing day strictly after `after`."""
    candidate = date(after.year, after.month, day)
    return candidate if candidate > after else add_months(candidate, 1, day)


def previous_billing_date(on_or_before: date, day: int) -> date:
    """The last billing day on or before the given date."""
    candidate = date(on_or_before.year, on_or_before.month, day)
    return candidate if candidate <= on_or_before else add_months(candidate, -1, day)


@dataclass(frozen=True)
class Period:
    """The half-open span of days [start, end)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidValue(f"a period must end after it starts: {self.start}..{self.end}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def key(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


def monthly_period_containing(on: date, day: int) -> Period:
    start = previous_billing_date(on, day)
    return Period(start, add_months(start, 1, day))


def prepaid_period(start: date, validity_days: int) -> Period:
    return Period(start, start + timedelta(days=validity_days))


def prorate(price: int, period: Period, start: date, end: date) -> int:
    """The share of `price` for [start, end) within `period`, in whole rupiah.

    Parts of any split of the period add up to `price` exactly.
    """
    if not (period.start <= start <= end <= period.end):
        raise InvalidValue(f"{start}..{end} is not within {period.key}")
    return _cumulative(price, period, end) - _cumulative(price, period, start)


def _cumulative(price: int, period: Period, at: date) -> int:
    return price * (at - period.start).days // period.days
