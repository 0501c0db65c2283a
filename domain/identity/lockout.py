"""How long an account stays locked after failed sign-ins in a row: none for the first four,
one minute after the fifth, then twice as long after each further failure, at most an hour."""

from __future__ import annotations

from datetime import datetime, timedelta

FREE_FAILURES = 4
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)
_DOUBLINGS = 6  # 2^6 minutes is past the longest lock already


def lock_after(failures: int) -> timedelta:
    """The lock that follows `failures` failed sign-ins in a row."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES - 1, _DOUBLINGS)
    lock: timedelta = FIRST_LOCK * 2**doublings
    return min(lock, LONGEST_LOCK)


def locked_until(failures: int, last_failure: datetime | None) -> datetime | None:
    """Until when sign-in is refused, or None when it is not locked at all."""
    lock = lock_after(failures)
    if not lock or last_failure is None:
        return None
    return last_failure + lock
