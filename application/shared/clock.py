"""The clock is a port: billing and dunning ask it for today, repair timers and webhook retries
for the time, and tests set it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from domain.shared.local_time import local_date


class Clock(Protocol):
    def today(self, timezone: str) -> date:
        """Today's date in the tenant's time zone."""

    def now(self) -> datetime:
        """The current instant, time-zone aware (UTC)."""


class SystemClock:
    def today(self, timezone: str) -> date:
        return local_date(self.now(), timezone)

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that says what it is told; for tests and for replaying a day's billing.

    Its instant is midnight UTC of its day until `set_now` or `advance` fixes it; from then on its
    day follows its instant, on the calendar of the time zone asked about (so 18:00 UTC is
    already tomorrow in Jakarta). `set` moves the day and puts the instant back to its midnight."""

    def __init__(self, today: date) -> None:
        self.current = today
        self._instant: datetime | None = None

    def today(self, timezone: str) -> date:
        return self.current if self._instant is None else local_date(self._instant, timezone)

    def set(self, today: date) -> None:
        self.current = today
        self._instant = None

    def now(self) -> datetime:
        return self._instant or datetime.combine(self.current, time(), UTC)

    def set_now(self, instant: datetime) -> None:
        self._instant = instant
        self.current = instant.date()

    def advance(self, by: timedelta) -> datetime:
        self.set_now(self.now() + by)
        return self.now()
