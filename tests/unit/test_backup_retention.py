"""Which backups the retention policy keeps, on fixed dates, and how backups are named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from adapters.audit.backup_storage import LocalBackups, Retention, backup_name, taken_at

NOW = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)  # a Tuesday


def _at(day: str, hour: int = 2) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def test_a_backup_is_named_for_its_moment_in_utc_and_read_back() -> None:
    moment = datetime(2026, 1, 5, 9, 30, 15, tzinfo=UTC)
    jakarta = moment.astimezone(ZoneInfo("Asia/Jakarta"))

    assert backup_name(jakarta) == "niaga-20260105T093015Z.tar"
    assert taken_at("niaga-20260105T093015Z.tar") == moment
    assert taken_at("niaga-2026.tar") is None
    assert taken_at("notes.txt") is None


def test_every_daily_backup_of_the_last_thirty_days_is_kept() -> None:
    daily = [NOW - timedelta(days=n) for n in range(30)]

    assert Retention().to_prune(daily, NOW) == []


def test_a_second_backup_on_the_same_day_prunes_the_earlier_one() -> None:
    taken = [_at("2026-03-30", 2), _at("2026-03-30", 14)]

    assert Retention().to_prune(taken, NOW) == [_at("2026-03-30", 2)]


def test_beyond_thirty_days_only_the_newest_of_each_iso_week_is_kept_for_twelve_weeks() -> None:
    # 2026-02-16 (Mon) .. 2026-02-22 (Sun) is ISO week 8; 2026-02-23 starts week 9.
    week_8 = [_at(f"2026-02-{day}") for day in range(16, 23)]
    older = [_at("2026-01-05"), _at("2026-01-04")]  # 12 weeks before NOW is 2026-01-06

    pruned = Retention().to_prune([*week_8, *older], NOW)

    assert pruned == [_at("2026-01-04"), _at("2026-01-05"), *week_8[:-1]]


def test_the_newest_backup_is_kept_however_old() -> None:
    only = [_at("2025-01-01"), _at("2024-12-01")]

    assert Retention().to_prune(only, NOW) == [_at("2024-12-01")]


def test_the_windows_follow_the_settings() -> None:
    taken = [NOW - timedelta(days=n) for n in range(10)]

    pruned = Retention(daily_days=3, weekly_weeks=0).to_prune(taken, NOW)

    assert pruned == sorted(taken[4:])  # the window includes its first moment


def test_a_local_location_lists_only_backups_and_pruning_deletes_them(tmp_path: Path) -> None:
    location = LocalBackups(tmp_path)
    source = tmp_path / "source"
    source.write_bytes(b"dump")
    for moment in (_at("2026-03-30"), _at("2025-06-01"), _at("2025-05-01")):
        location.put(backup_name(moment), source)

    assert location.names() == [
        "niaga-20250501T020000Z.tar",
        "niaga-20250601T020000Z.tar",
        "niaga-20260330T020000Z.tar",
    ]
    location.delete("niaga-20250501T020000Z.tar")
    assert len(location.names()) == 2
