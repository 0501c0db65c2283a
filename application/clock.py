"""The clock is a port: billing and dunning ask it for today, webhook retries for the time, and
tests set it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def today(self, timezone: str) -> date:
        """Today's date in the tenant's time zone."""

    def now(self) -> datetime:
        """The current instant (UTC)."""


class SystemClock:
    def today(self, timezone: str) -> date:
        return datetime.now(ZoneInfo(timezone)).date()

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that says what it is told; for tests and for replaying a day's billing.

    Its instant follows the real time until `advance` or `set_now` fixes it."""

    def __init__(self, today: date) -> None:
        self.current = today
        self.instant: datetime | None = None

    def today(self, timezone: str) -> date:
        return self.current

    def set(self, today: date) -> None:
        self.current = today

    def now(self) -> datetime:
        return self.instant or datetime.now(UTC)

    def set_now(self, instant: datetime) -> None:
        self.instant = instant

    def advance(self, by: timedelta) -> datetime:
        self.instant = self.now() + by
        return self.instant
