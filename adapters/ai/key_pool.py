"""The keys a call may use, in order: the tenant's own first, then the platform's; a key resting
on a model (rate-limited, failing) is skipped for that model until its time, and a refused key
for good. What happens to a key is recorded (`KeyEvents`) so other processes learn it too.

The keys are read from the stores at most every `refresh_seconds` per tenant, and at once after
a key was added or disabled in this process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from application.ai.ports import KeyEvents, OpenKey
from application.shared.clock import Clock
from domain.ai.key import KeyFault

_NEVER = datetime.min.replace(tzinfo=UTC)


class KeyPool:
    def __init__(
        self,
        ring: Callable[[UUID], list[OpenKey]],
        generation: Callable[[], int],
        events: KeyEvents,
        clock: Clock,
        refresh_seconds: float,
    ) -> None:
        self._ring = ring
        self._generation = generation
        self._events = events
        self._clock = clock
        self._refresh_seconds = refresh_seconds
        self._rings: dict[UUID, tuple[float, int, list[OpenKey]]] = {}
        self._resting: dict[tuple[UUID, str], datetime] = {}
        self._refused: set[UUID] = set()
        self._lock = threading.Lock()

    def keys(self, tenant_id: UUID) -> list[OpenKey]:
        """Every key the tenant may use (resting ones included), its own first."""
        now, generation = time.monotonic(), self._generation()
        with self._lock:
            cached = self._rings.get(tenant_id)
        if cached and cached[1] == generation and now - cached[0] < self._refresh_seconds:
            keys = cached[2]
        else:
            keys = self._ring(tenant_id)
            with self._lock:
                self._rings[tenant_id] = (now, generation, keys)
        return [k for k in keys if k.id not in self._refused]

    def usable(self, tenant_id: UUID, model: str) -> list[OpenKey]:
        """The keys that may be asked for `model` now, in order."""
        now = self._clock.now()
        return [k for k in self.keys(tenant_id) if self.resting_until(k, model) <= now]

    def resting_until(self, key: OpenKey, model: str) -> datetime:
        """Until when the key rests on `model` (a time already past when it does not)."""
        recorded = key.cooling.get(model, _NEVER)
        with self._lock:
            here = self._resting.get((key.id, model), recorded)
        return max(recorded, here)

    def rest(self, key: OpenKey, model: str, seconds: float, fault: KeyFault) -> None:
        """The key rests on `model` for `seconds` here at once, and in the log for the others."""
        until = self._clock.now() + timedelta(seconds=seconds)
        with self._lock:
            self._resting[(key.id, model)] = until
        self._events.cooled(key, model, until, fault)

    def refuse(self, key: OpenKey, fault: KeyFault) -> None:
        """The provider refused the key: never used again, disabled, and staff told."""
        with self._lock:
            self._refused.add(key.id)
        self._events.rejected(key, fault)
