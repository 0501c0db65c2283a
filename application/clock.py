"""The clock is a port: billing and dunning ask it for today, and tests set it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def today(self, timezone: str) -> date:
        """Today's date in the tenant's time zone."""


class SystemClock:
    def today(self, timezone: str) -> date:
        return datetime.now(ZoneInfo(timezone)).date()


class FixedClock:
    """A clock that says what it is told; for tests and for replaying a day's billing."""

    def __init__(self, today: date) -> None:
        self.current = today

    def today(self, timezone: str) -> date:
        return self.current

    def set(self, today: date) -> None:
        self.current = today
