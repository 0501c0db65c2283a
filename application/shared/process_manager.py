"""The process-manager policy: how every side effect decides what to run, when, and again.

Nothing talks to a router, WhatsApp, a webhook receiver or a gateway inside a command. A
process manager follows the log (or a read model derived from it) for rows still waiting for an
outcome and submits a job for each that is due. The rules are the same for every side effect and
live here; only the transport (a thread pool in this process, or dramatiq workers) and the SQL
that finds the rows are adapters.

- Due: a row that never failed is due at once; after n failures it waits `first_wait x 2^(n-1)`
  seconds, at most `max_wait`, plus up to `jitter` seconds at random so that many rows failing
  together do not retry together. The wait counts from the row's last change.
- Lost: a job submitted while its row has not changed since is lost once `max(backoff, grace)`
  seconds have passed (its worker or broker died) and is submitted again. Jobs are idempotent
  and record their own outcome, so a slow job that runs twice costs nothing.

Adding a side effect (e-mail, a Stripe call, an AI call):

1. An application method `perform(tenant_id, job_id)` that does the work once, idempotently,
   and records the outcome as events (a failure with its attempt number); a projection keeps a
   read model of what is still pending with `attempts` and `updated_at`.
2. In the area's adapters, the query on that read model that returns the pending rows, and a
   dispatcher that maps them to `Pending` rows and hands them to a `ProcessManager` with
   `submit_due` (adapters/messaging/dispatcher.py is the shape to copy).
3. In `adapters/bootstrap.py`: `SideEffect("email", mail.send, RetryPolicy(max_wait=600.0),
   (MailUnavailable,))`, its transport (`LocalPool(effect)` embedded, `Enqueue(jobs.send_email
   .send)` with Redis; both in adapters/shared/job_transport.py) and the dispatcher; a thin
   dramatiq actor in `adapters/jobs.py`. The projection daemon calls the dispatcher after each
   catch-up.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar
from uuid import UUID

Job = TypeVar("Job")
Job_contra = TypeVar("Job_contra", contravariant=True)
Store = TypeVar("Store")
Draw = Callable[[float, float], float]  # a random number between two bounds
Monotonic = Callable[[], float]
# Above this many remembered submissions, those too old to matter are forgotten.
REMEMBERED = 100_000


def backoff(
    failures: int,
    max_wait: float,
    *,
    first_wait: float = 2.0,
    jitter: float = 1.0,
    draw: Draw = random.uniform,
) -> float:
    """Seconds to wait after `failures` failures: none before the first, then `first_wait`
    doubling per failure up to `max_wait`, plus up to `jitter` seconds at random."""
    if failures <= 0:
        return 0.0
    return min(first_wait * 2.0 ** (failures - 1), max_wait) + draw(0.0, jitter)


@dataclass(frozen=True)
class RetryPolicy:
    """How one kind of side effect retries: its backoff (capped at `max_wait`) and how long a
    submitted job may go without an outcome before it counts as lost (`grace`)."""

    max_wait: float
    first_wait: float = 2.0
    jitter: float = 1.0
    grace: float = 60.0

    def backoff(self, failures: int) -> float:
        return backoff(failures, self.max_wait, first_wait=self.first_wait, jitter=self.jitter)

    def due(self, failures: int, changed_at: datetime, now: datetime) -> bool:
        """Whether a row last changed at `changed_at` after `failures` failures is due."""
        return (now - changed_at).total_seconds() >= self.backoff(failures)

    def lost(self, failures: int, submitted_for: float) -> bool:
        """Whether a job submitted `submitted_for` seconds ago, whose row has not changed since,
        was lost with its worker."""
        return submitted_for >= max(self.backoff(failures), self.grace)

    @property
    def forgettable_after(self) -> float:
        """Seconds after which a remembered submission no longer changes any decision."""
        return max(self.max_wait + self.jitter, self.grace)


@dataclass(frozen=True)
class Pending:
    """A row waiting for its side effect: the job's id, failures so far, and its last change."""

    tenant_id: UUID
    job_id: UUID
    attempts: int
    changed_at: datetime


@dataclass(frozen=True)
class _Submission:
    version: object
    at: float


class Submissions:
    """What a process manager submitted, and when. It lives in the process: one started afresh
    remembers nothing and submits every due row again, which is how lost jobs are found after a
    crash."""

    def __init__(self, policy: RetryPolicy, monotonic: Monotonic = time.monotonic) -> None:
        self._policy = policy
        self._monotonic = monotonic
        self._sent: dict[Hashable, _Submission] = {}

    def due(
        self,
        key: Hashable,
        version: object,
        failures: int,
        changed_at: datetime | None,
        now: datetime,
    ) -> bool:
        """Whether to submit `key` at `version`: never submitted (or changed since), and its
        backoff from `changed_at` is over (None: due now); or submitted and lost."""
        last = self._sent.get(key)
        if last is None or last.version != version:
            return changed_at is None or self._policy.due(failures, changed_at, now)
        return self._policy.lost(failures, self._monotonic() - last.at)

    def forget(self) -> None:
        self._sent.clear()

    def submitted(self, key: Hashable, version: object) -> None:
        now = self._monotonic()
        self._sent[key] = _Submission(version, now)
        if len(self._sent) > REMEMBERED:
            horizon = self._policy.forgettable_after
            self._sent = {k: s for k, s in self._sent.items() if now - s.at < horizon}


class Dispatch(Protocol[Job_contra]):
    """Where a side effect's jobs run: a small thread pool in this process (the embedded
    default) or dramatiq workers. A job records its own outcome as events, so the transport
    reports nothing back; the next pass of the process manager reads the outcome."""

    def submit(self, tenant_id: UUID, job: Job_contra) -> None:
        """Hand one job over; never blocks on the job itself."""

    def wait(self) -> None:
        """Wait for the jobs submitted here so far (nothing to wait for on a queue)."""

    def close(self) -> None:
        """Let jobs under way finish, then release the transport."""


@dataclass(frozen=True)
class SideEffect(Generic[Job]):
    """One kind of side effect: its name, the application call that performs one job and
    records its outcome, its retry policy, and the failures that call raises after recording
    them (expected, so the process manager's retry is all they need)."""

    name: str
    perform: Callable[[UUID, Job], object]
    policy: RetryPolicy
    expected: tuple[type[Exception], ...] = ()


class ProcessManager:
    """Submits each pending row whose job is due, one job per row: the loop every side effect
    with a read model of pending rows shares."""

    def __init__(
        self,
        policy: RetryPolicy,
        dispatch: Dispatch[UUID],
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self.policy = policy
        self._dispatch = dispatch
        self._submissions = Submissions(policy, monotonic)

    def submit_due(self, rows: Iterable[Pending], now: datetime) -> int:
        """Submit the rows that are due (the row's last change is its version); returns how
        many were submitted."""
        submitted = 0
        for row in rows:
            if self._submissions.due(row.job_id, row.changed_at, row.attempts, row.changed_at, now):
                # Remembered only once handed over: a job the broker refused is due again.
                self._dispatch.submit(row.tenant_id, row.job_id)
                self._submissions.submitted(row.job_id, row.changed_at)
                submitted += 1
        return submitted

    def forget_submissions(self) -> None:
        """The broker lost what it held (it restarted): every due row is submitted again."""
        self._submissions.forget()

    def wait(self) -> None:
        self._dispatch.wait()

    def close(self) -> None:
        self._dispatch.close()


class StoreSweep(Generic[Store]):
    """A process manager over every store: each sweep asks each store for its pending rows and
    submits those due. What a side effect adds is only how a store's pending rows are found."""

    def __init__(
        self,
        stores: Callable[[], Iterable[Store]],
        pending: Callable[[Store], Iterable[Pending]],
        policy: RetryPolicy,
        dispatch: Dispatch[UUID],
        now: Callable[[], datetime],
    ) -> None:
        self._stores = stores
        self._pending = pending
        self._now = now
        self._manager = ProcessManager(policy, dispatch)

    def dispatch(self) -> int:
        """Submit every pending row that is due, in every store; returns how many."""
        return sum(
            self._manager.submit_due(self._pending(store), self._now()) for store in self._stores()
        )

    def forget_submissions(self) -> None:
        """The broker lost what it held (it restarted): every due row is submitted again."""
        self._manager.forget_submissions()

    def wait(self) -> None:
        self._manager.wait()

    def close(self) -> None:
        self._manager.close()
