"""Backing off per router: a router that is down is probed with one row at a time while its
backlog waits, and lets its backlog through once a probe shows it answers again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from application.routers.provisioning import ProvisioningView
from application.routers.router_gate import Backlog, RouterGate, round_robin
from application.shared.process_manager import Pending, RetryPolicy

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TENANT = uuid4()
POLICY = RetryPolicy(max_wait=60.0, jitter=0.0)


class Ticks:
    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


def _rows(count: int, attempts: int = 1) -> list[Pending]:
    return [Pending(TENANT, uuid4(), attempts, T0) for _ in range(count)]


def _view(row: Pending, status: str, at: datetime, will_retry: bool = True) -> ProvisioningView:
    return ProvisioningView(
        row.job_id, TENANT, "core-1", "budi", status, 1, "down", at, will_retry=will_retry
    )


def test_a_router_without_failures_lets_its_whole_backlog_through() -> None:
    gate = RouterGate(POLICY, 15.0, Ticks())
    rows = _rows(3, attempts=0)
    assert gate.offer(Backlog(TENANT, "core-1", rows, None)) == rows
    assert not gate.holds((TENANT, "core-1"))


def test_a_router_that_failed_is_probed_one_row_at_a_time_then_backs_off() -> None:
    ticks, rows = Ticks(), _rows(3)
    gate = RouterGate(POLICY, 15.0, ticks)
    backlog = Backlog(TENANT, "core-1", rows, T0)
    assert gate.offer(backlog) == rows  # candidates for the probe, in order
    assert gate.holds(backlog.key)
    gate.probed(backlog.key, rows[0])
    assert gate.offer(backlog) == []  # one probe at a time

    ticks.at += 5  # the probe's row shows nothing yet: still under way
    gate.observe(backlog.key, _view(rows[0], "failed", T0), T0)
    assert gate.probes() == {backlog.key: rows[0].job_id}
    ticks.at += 15  # no outcome within the window: a repeated failure records nothing
    gate.observe(backlog.key, _view(rows[0], "failed", T0), T0)
    assert gate.probes() == {}
    assert gate.offer(backlog) == []  # backing off: 2 s
    ticks.at += 2
    assert gate.offer(backlog) == [rows[1], rows[2], rows[0]]  # the next row probes next


def test_a_probe_that_synced_or_was_refused_lets_the_backlog_through() -> None:
    for status, will_retry in (("synced", True), ("failed", False)):
        rows = _rows(2)
        gate = RouterGate(POLICY, 15.0, Ticks())
        backlog = Backlog(TENANT, "core-1", rows, T0)
        gate.offer(backlog)
        gate.probed(backlog.key, rows[0])
        answered = T0 + timedelta(seconds=30)
        gate.observe(backlog.key, _view(rows[0], status, answered, will_retry), answered)
        assert gate.offer(replace(backlog, rows=rows[1:])) == rows[1:]
        assert not gate.holds(backlog.key)
        # A failure after that marks it down again.
        later = answered + timedelta(seconds=1)
        assert gate.offer(replace(backlog, last_failure=later)) == rows
        assert gate.holds(backlog.key)


def test_rows_are_taken_in_turns_across_routers() -> None:
    long, short = _rows(3), _rows(1)
    taken: list[Pending] = []
    round_robin([long, short], taken.append)
    assert taken == [long[0], short[0], long[1], long[2]]
