"""The process-manager policy every side effect shares: when a row is due, how long it backs off
(with jitter, under its cap), and when a submitted job counts as lost and is submitted again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from application.shared.process_manager import (
    Pending,
    ProcessManager,
    RetryPolicy,
    Submissions,
    backoff,
)

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TENANT = uuid4()


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


class Recorded:
    """A transport that only remembers what was submitted to it."""

    def __init__(self) -> None:
        self.jobs: list[tuple[UUID, UUID]] = []

    def submit(self, tenant_id: UUID, job: UUID) -> None:
        self.jobs.append((tenant_id, job))

    def wait(self) -> None:
        return None

    def close(self) -> None:
        return None


def no_jitter(low: float, high: float) -> float:
    return low


def most_jitter(low: float, high: float) -> float:
    return high


def test_a_row_that_never_failed_waits_for_nothing() -> None:
    assert backoff(0, 300.0, draw=most_jitter) == 0.0


def test_the_wait_doubles_with_each_failure() -> None:
    waits = [backoff(n, 300.0, draw=no_jitter) for n in range(1, 6)]
    assert waits == [2.0, 4.0, 8.0, 16.0, 32.0]


def test_the_wait_stops_growing_at_the_side_effects_cap() -> None:
    assert backoff(8, 300.0, draw=no_jitter) == 256.0
    assert backoff(9, 300.0, draw=no_jitter) == 300.0
    assert backoff(40, 600.0, draw=no_jitter) == 600.0


def test_the_first_wait_is_a_parameter_of_the_policy() -> None:
    assert backoff(1, 3600.0, first_wait=300.0, draw=no_jitter) == 300.0
    assert backoff(3, 3600.0, first_wait=300.0, draw=no_jitter) == 1200.0
    assert backoff(5, 3600.0, first_wait=300.0, draw=no_jitter) == 3600.0


@pytest.mark.parametrize("failures", [1, 4, 8, 9, 30])
def test_jitter_adds_at_most_its_bound_above_the_capped_wait(failures: int) -> None:
    floor = min(2.0**failures, 300.0)
    waits = [backoff(failures, 300.0, jitter=1.0) for _ in range(200)]
    assert all(floor <= wait <= floor + 1.0 for wait in waits)
    assert len(set(waits)) > 1  # retries of rows that failed together spread out


def test_a_policy_without_jitter_always_waits_the_same() -> None:
    policy = RetryPolicy(max_wait=3600.0, first_wait=60.0, jitter=0.0)
    assert {policy.backoff(2) for _ in range(20)} == {120.0}


def test_a_failed_row_is_due_once_its_backoff_since_its_last_change_is_over() -> None:
    policy = RetryPolicy(max_wait=300.0, jitter=0.0)
    assert policy.due(0, NOW, NOW)
    assert not policy.due(3, NOW - timedelta(seconds=7), NOW)
    assert policy.due(3, NOW - timedelta(seconds=8), NOW)


def test_a_submitted_job_counts_as_lost_after_the_grace_period_or_its_backoff() -> None:
    policy = RetryPolicy(max_wait=300.0, jitter=0.0, grace=60.0)
    assert not policy.lost(0, 59.0)
    assert policy.lost(0, 60.0)
    assert not policy.lost(7, 127.0)  # its backoff (128 s) is longer than the grace period
    assert policy.lost(7, 128.0)


def test_a_row_submitted_and_unchanged_is_not_submitted_again_within_the_grace_period() -> None:
    ticks = Ticks()
    submissions = Submissions(RetryPolicy(max_wait=300.0, grace=60.0), ticks)
    key = uuid4()
    assert submissions.due(key, NOW, 0, NOW, NOW)
    submissions.submitted(key, NOW)
    ticks.at += 59.0
    assert not submissions.due(key, NOW, 0, NOW, NOW + timedelta(seconds=59))


def test_a_row_still_unchanged_after_the_grace_period_is_lost_and_due_again() -> None:
    ticks = Ticks()
    submissions = Submissions(RetryPolicy(max_wait=300.0, grace=60.0), ticks)
    key = uuid4()
    submissions.submitted(key, NOW)
    ticks.at += 60.0
    assert submissions.due(key, NOW, 0, NOW, NOW + timedelta(seconds=60))


def test_a_row_that_changed_since_it_was_submitted_follows_its_backoff_again() -> None:
    ticks = Ticks()
    submissions = Submissions(RetryPolicy(max_wait=300.0, jitter=0.0), ticks)
    key = uuid4()
    submissions.submitted(key, NOW)
    failed_at = NOW + timedelta(seconds=1)  # the job recorded its first failure
    assert not submissions.due(key, failed_at, 1, failed_at, failed_at + timedelta(seconds=1))
    assert submissions.due(key, failed_at, 1, failed_at, failed_at + timedelta(seconds=2))


def test_a_row_whose_schedule_is_kept_elsewhere_is_due_as_soon_as_it_is_new() -> None:
    submissions = Submissions(RetryPolicy(max_wait=0.0, jitter=0.0, grace=300.0), Ticks())
    key = uuid4()
    assert submissions.due(key, NOW, 0, None, NOW)
    submissions.submitted(key, NOW)
    later = NOW + timedelta(minutes=1)
    assert not submissions.due(key, NOW, 0, None, later)
    assert submissions.due(key, later, 0, None, later)  # due again at a new time: a retry


def test_the_process_manager_submits_each_due_row_once_until_its_job_is_lost() -> None:
    ticks, transport = Ticks(), Recorded()
    manager = ProcessManager(RetryPolicy(max_wait=300.0, jitter=0.0, grace=60.0), transport, ticks)
    fresh, failed = uuid4(), uuid4()
    rows = [
        Pending(TENANT, fresh, 0, NOW),
        Pending(TENANT, failed, 2, NOW - timedelta(seconds=1)),  # waits 4 s
    ]
    assert manager.submit_due(rows, NOW) == 1
    assert manager.submit_due(rows, NOW) == 0
    assert manager.submit_due(rows, NOW + timedelta(seconds=3)) == 1
    assert transport.jobs == [(TENANT, fresh), (TENANT, failed)]
    ticks.at += 60.0  # neither job recorded an outcome: both were lost
    assert manager.submit_due(rows, NOW + timedelta(seconds=63)) == 2


def test_a_process_manager_started_afresh_submits_every_due_row_again() -> None:
    rows = [Pending(TENANT, uuid4(), 0, NOW)]
    first, second = Recorded(), Recorded()
    assert ProcessManager(RetryPolicy(max_wait=300.0), first).submit_due(rows, NOW) == 1
    assert ProcessManager(RetryPolicy(max_wait=300.0), second).submit_due(rows, NOW) == 1
    assert first.jobs == second.jobs
