"""Back off per router: a router that is down is probed with one job at a time while the rest of
its backlog waits as one unit, so a dead router costs one connection attempt per probe instead
of one per waiting target, and never holds up other routers' jobs.

A router counts as down once one of its rows failed and could be retried (the router did not
answer) after the moment it was last let through (never, when the dispatcher starts). One row of
its backlog is then submitted as a probe, through the process manager like any other (so the
row's own backoff applies); rows that never failed are tried first, and each failed probe moves
on to the next row, so a row that fails for reasons of its own (a subscriber without an address)
cannot keep a healthy router shut. The probe succeeded when its row synced, or the router
answered with a refusal; it failed when its row recorded another failure, or showed no outcome
within `window` seconds (a repeated failure records nothing). Probes back off as `policy` says.
What the gate knows lives in the process, like the process manager's submissions: a dispatcher
started afresh probes each router that has failures before letting its backlog through.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.routers.provisioning import ProvisioningView
from application.shared.process_manager import Monotonic, Pending, RetryPolicy

log = logging.getLogger(__name__)
RouterKey = tuple[UUID, str]  # a tenant's router, by name


@dataclass(frozen=True)
class Backlog:
    """One router's rows waiting for a push, never-failed first, then the oldest change; with
    the newest of them that failed and may be retried."""

    tenant_id: UUID
    router: str
    rows: list[Pending]
    last_failure: datetime | None

    @property
    def key(self) -> RouterKey:
        return (self.tenant_id, self.router)


@dataclass
class _Health:
    released_at: datetime | None = None  # since when the router's jobs were let through
    last_failure: datetime | None = None
    failed_probes: int = 0
    next_probe: float = 0.0  # monotonic time
    probe: Pending | None = None
    probed_at: float = 0.0

    @property
    def down(self) -> bool:
        return self.last_failure is not None and (
            self.released_at is None or self.last_failure > self.released_at
        )


class RouterGate:
    """Decides, router by router, which waiting rows the dispatcher may offer for submission."""

    def __init__(
        self, policy: RetryPolicy, window: float, monotonic: Monotonic = time.monotonic
    ) -> None:
        self._policy = policy
        self._window = window
        self._monotonic = monotonic
        self._health: dict[RouterKey, _Health] = {}

    def holds(self, key: RouterKey) -> bool:
        """Whether the router is down, so new work for it joins its backlog."""
        health = self._health.get(key)
        return health is not None and health.down

    def probes(self) -> dict[RouterKey, UUID]:
        """The target of each probe under way, to look its row up."""
        return {key: h.probe.job_id for key, h in self._health.items() if h.probe is not None}

    def observe(self, key: RouterKey, row: ProvisioningView | None, now: datetime) -> None:
        """Take in the row of the probe under way for `key` as the read model shows it now."""
        health = self._health[key]
        probe = health.probe
        if probe is None:
            return
        if row is None or row.status == "synced" or not row.will_retry:
            log.info("router %s answers again: its backlog goes through", key[1])
            # Compared with the failures' own times, so the same clock dates both.
            self._health[key] = _Health(released_at=now if row is None else row.updated_at)
        elif row.updated_at != probe.changed_at or (
            self._monotonic() - health.probed_at >= self._window
        ):
            self._failed_probe(key, health)

    def offer(self, backlog: Backlog) -> list[Pending]:
        """The rows to offer now: all of them while the router is up; while it is down, the
        candidates for its next probe (in order) when one is due, else none."""
        health = self._health.setdefault(backlog.key, _Health())
        was_down = health.down
        health.last_failure = backlog.last_failure
        if not health.down:
            return backlog.rows
        if not was_down:
            log.warning(
                "router %s of tenant %s is down: %d waiting rows hold, probing it",
                backlog.router,
                backlog.tenant_id,
                len(backlog.rows),
            )
        if health.probe is not None or self._monotonic() < health.next_probe or not backlog.rows:
            return []
        start = health.failed_probes % len(backlog.rows)
        return backlog.rows[start:] + backlog.rows[:start]

    def probed(self, key: RouterKey, row: Pending) -> None:
        """`row` was submitted as the probe of a router that is down."""
        health = self._health[key]
        health.probe, health.probed_at = row, self._monotonic()

    def _failed_probe(self, key: RouterKey, health: _Health) -> None:
        health.failed_probes += 1
        health.probe = None
        health.next_probe = self._monotonic() + self._policy.backoff(health.failed_probes)
        log.info("router %s still down after %d probes", key[1], health.failed_probes)


def round_robin(queues: list[list[Pending]], take: Callable[[Pending], object]) -> None:
    """Hand `take` the first row of each queue, then the second of each, and so on: a long
    backlog never gets ahead of another router's first row."""
    for place in range(max((len(queue) for queue in queues), default=0)):
        for queue in queues:
            if place < len(queue):
                take(queue[place])
