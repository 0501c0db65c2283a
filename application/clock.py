"""The clock is a port: billing and dunning ask it for today, and tests set it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def today(self, timezone: str) -> date:
        """Today's date in the tenant's time zone."""

    def now(self) -> datetime:
        """The current instant, in UTC (expiry times of payment links)."""


class SystemClock:
    def today(self, timezone: str) -> date:
        return datetime.now(ZoneInfo(timezone)).date()

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that says what it is told; for tests and for replaying a day's billing."""

    def __init__(self, today: date) -> None:
        self.current = today

    def today(self, timezone: str) -> date:
        return self.current

    def now(self) -> datetime:
        """Noon UTC of the day it was set to: tests move instants a day at a time."""
        return datetime.combine(self.current, time(12), tzinfo=UTC)

    def set(self, today: date) -> None:
        self.current = today
