"""An instant as people in a time zone read it: the time on their wall clock and the day on their
calendar.

Instants are recorded in UTC; a person's day (a warranty's first day, a report's month, when a
job is due) is the tenant's. Everything that turns an instant into a date or a time someone
reads goes through here, given the tenant's IANA zone name (`Asia/Jakarta`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

SHOWN = "%d/%m/%Y %H:%M"


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(instant: datetime, zone: str) -> datetime:
    """The same instant on the wall clock of `zone` (aware, so it still compares as an instant).
    A naive value is taken as UTC, the zone every instant here is recorded in."""
    aware = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
    return aware.astimezone(_zone(zone))


def local_date(instant: datetime, zone: str) -> date:
    """The calendar day in `zone` on which `instant` falls."""
    return local_time(instant, zone).date()


def shown_time(instant: datetime, zone: str) -> str:
    """Day and time as a message or page shows them, with the zone's abbreviation:
    `05/12/2026 22:54 WIB`."""
    local = local_time(instant, zone)
    return f"{local:{SHOWN}} {local:%Z}"
