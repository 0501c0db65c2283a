"""Where backups are kept (a local directory or an S3-compatible bucket) and which are pruned.

A backup is one file, `niaga-YYYYMMDDTHHMMSSZ.tar`, named for the moment its snapshot was taken,
so listing the location is enough to apply the retention policy: no index to keep in step.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

_PREFIX, _SUFFIX, _STAMP = "niaga-", ".tar", "%Y%m%dT%H%M%SZ"


def backup_name(taken_at: datetime) -> str:
    return f"{_PREFIX}{taken_at.astimezone(UTC):{_STAMP}}{_SUFFIX}"


def taken_at(name: str) -> datetime | None:
    """When the backup named `name` was taken; None for a file that is not a backup."""
    if not (name.startswith(_PREFIX) and name.endswith(_SUFFIX)):
        return None
    try:
        stamp = datetime.strptime(name[len(_PREFIX) : -len(_SUFFIX)], _STAMP)
    except ValueError:
        return None
    return stamp.replace(tzinfo=UTC)


class BackupLocation(Protocol):
    """A place that keeps whole backup files by name."""

    def put(self, name: str, source: Path) -> None: ...
    def fetch(self, name: str, target: Path) -> None: ...
    def names(self) -> list[str]: ...
    def delete(self, name: str) -> None: ...


class LocalBackups:
    """Backups in a directory; a backup appears under its name only once it is complete."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def put(self, name: str, source: Path) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = self.directory / f".{name}.partial"
        shutil.copyfile(source, partial)
        os.replace(partial, self.directory / name)

    def fetch(self, name: str, target: Path) -> None:
        found = self.directory / name
        if not found.is_file():
            raise KeyError(name)
        shutil.copyfile(found, target)

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.name for p in self.directory.iterdir() if taken_at(p.name))

    def delete(self, name: str) -> None:
        (self.directory / name).unlink(missing_ok=True)


class S3Backups:
    """Backups as objects under a prefix of an S3-compatible bucket, through boto3 (whose
    multipart upload and download handle archives of any size)."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix

    def put(self, name: str, source: Path) -> None:
        self._client.upload_file(str(source), self._bucket, self._prefix + name)

    def fetch(self, name: str, target: Path) -> None:
        if name not in self.names():
            raise KeyError(name)
        self._client.download_file(self._bucket, self._prefix + name, str(target))

    def names(self) -> list[str]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=self._prefix
        )
        keys = (o["Key"] for page in pages for o in page.get("Contents", []))
        return sorted(n for n in (k[len(self._prefix) :] for k in keys) if taken_at(n))

    def delete(self, name: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=self._prefix + name)


@dataclass(frozen=True)
class Retention:
    """Daily backups are kept `daily_days`, weekly ones `weekly_weeks`: the newest backup of
    each UTC day, and of each ISO week, inside those windows. The newest backup of all is
    always kept, however old: pruning never leaves a location empty."""

    daily_days: int = 30
    weekly_weeks: int = 12

    def to_prune(self, taken: Iterable[datetime], now: datetime) -> list[datetime]:
        moments = sorted(set(taken), reverse=True)
        keep = set(moments[:1])
        keep |= _newest_per(moments, now - timedelta(days=self.daily_days), _day)
        keep |= _newest_per(moments, now - timedelta(weeks=self.weekly_weeks), _iso_week)
        return sorted(set(moments) - keep)


def _newest_per(
    moments: list[datetime], since: datetime, period: Callable[[datetime], object]
) -> set[datetime]:
    """`moments` newest first: the first one seen of each period is its newest."""
    newest: dict[object, datetime] = {}
    for moment in moments:
        if moment >= since:
            newest.setdefault(period(moment), moment)
    return set(newest.values())


def _day(moment: datetime) -> object:
    return moment.astimezone(UTC).date()


def _iso_week(moment: datetime) -> object:
    return moment.astimezone(UTC).isocalendar()[:2]
