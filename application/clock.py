"""The clock is a port: billing and dunning ask it for today, and tests set it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def today(self, timezone: str) -> date:
        """Today's date in the tenant's time zone."""

    def now(self) -> datetime:
        """This moment, with a time zone (vouchers count validity in hours and minutes)."""


class SystemClock:
    def today(self, timezone: str) -> date:
        return datetime.now(ZoneInfo(timezone)).date()

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that says what it is told; for tests and for replaying a day's billing."""

    def __init__(self, today: date) -> None:
        self.current = today
        self.moment: datetime | None = None

    def today(self, timezone: str) -> date:
        return self.current

    def now(self) -> datetime:
        """The moment set with `set_now`, else midnight UTC of the current day."""
        return self.moment or datetime.combine(self.current, time(), UTC)

    def set(self, today: date) -> None:
        self.current = today
        self.moment = None

    def set_now(self, moment: datetime) -> None:
        self.current = moment.date()
        self.moment = moment
