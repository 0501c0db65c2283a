"""How long-running parts outlive outages: growing pauses between attempts while PostgreSQL or
Redis is away, giving up (so that a supervisor restarts the process) only after a long outage;
and, in one process (the embedded default), threads that are started again when they die.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from adapters.shared.heartbeats import Heartbeats

log = logging.getLogger(__name__)
MAX_PAUSE = 30.0  # seconds between attempts while a dependency is away
# A part still failing after this long stops with an error: its supervisor (docker's restart
# policy, systemd) starts it afresh, and its health check says so meanwhile.
GIVE_UP_AFTER = 300.0
Monotonic = Callable[[], float]
Part = Callable[[threading.Event], None]


class PartFailed(RuntimeError):
    """A part could not recover; the process running it should exit non-zero."""

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(f"{part} gave up: {reason}")
        self.part = part


class Recovery:
    """Counts a part's consecutive failures: each asks for a longer pause (0.5 s doubling up to
    `max_pause`), and failures lasting longer than `give_up_after` raise `PartFailed`."""

    def __init__(
        self,
        part: str,
        give_up_after: float = GIVE_UP_AFTER,
        *,
        max_pause: float = MAX_PAUSE,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self.part = part
        self._give_up_after = give_up_after
        self._max_pause = max_pause
        self._monotonic = monotonic
        self.failures = 0
        self._failing_since: float | None = None

    def failed(self, error: BaseException) -> float:
        """Seconds to pause before the next attempt (or `PartFailed` once it is hopeless)."""
        now = self._monotonic()
        if self._failing_since is None:
            self._failing_since = now
        self.failures += 1
        if now - self._failing_since > self._give_up_after:
            raise PartFailed(self.part, f"failing for {now - self._failing_since:.0f} s: {error}")
        return min(self._max_pause, 0.5 * 2.0 ** min(self.failures, 16))

    def succeeded(self) -> None:
        self.failures = 0
        self._failing_since = None


class Supervisor:
    """Runs parts of this process on threads of their own. A part that raises (or gives up) is
    started again after a growing pause; a watcher also restarts a thread found dead, and beats
    for `beat_as` (the process itself is alive) every few seconds."""

    def __init__(
        self,
        heartbeats: Heartbeats,
        stop: threading.Event,
        *,
        beat_as: str | None = None,
        check_every: float = 5.0,
    ) -> None:
        self._heartbeats = heartbeats
        self._stop = stop
        self._beat_as = beat_as
        self._check_every = check_every
        self._parts: dict[str, Part] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._watcher: threading.Thread | None = None

    def start(self, name: str, part: Part) -> None:
        """Run `part(stop)` on a thread named `name` until the supervisor stops."""
        self._heartbeats.expect(name)
        self._parts[name] = part
        self._spawn(name)

    def watch(self) -> None:
        """Start the watcher thread (after the parts)."""
        if self._beat_as:
            self._heartbeats.expect(self._beat_as)
        self._watcher = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._watcher.start()

    def join(self, timeout: float) -> None:
        """Wait (after `stop` was set) for the parts to finish their current cycle."""
        for thread in [*self._threads.values(), *filter(None, [self._watcher])]:
            thread.join(timeout=timeout)

    def _spawn(self, name: str) -> None:
        thread = threading.Thread(target=self._keep_running, args=(name,), name=name, daemon=True)
        self._threads[name] = thread
        thread.start()

    def _keep_running(self, name: str) -> None:
        recovery = Recovery(name, float("inf"))
        while not self._stop.is_set():
            try:
                self._parts[name](self._stop)
                if self._stop.is_set():
                    return
                reason: BaseException = RuntimeError("returned while not stopped")
            except BaseException as error:
                reason = error
            pause = recovery.failed(reason)
            log.error("%s stopped (%s); starting it again in %.1f s", name, reason, pause)
            self._stop.wait(pause)

    def _watch(self) -> None:
        while not self._stop.wait(self._check_every):
            for name, thread in list(self._threads.items()):
                if not thread.is_alive() and not self._stop.is_set():
                    log.error("thread of %s died; starting it again", name)
                    self._spawn(name)
            if self._beat_as:
                self._heartbeats.beat(self._beat_as)
