"""Retries callbacks kept as pending_recheck (the gateway's status API was down when they came),
with a doubling wait per callback (the shared process-manager policy), so nothing a gateway
reported is lost."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from adapters.payments.gateway_read_models import PostgresGatewayReadModels
from adapters.shared.stores import PostgresStores
from application.payments.gateway_callbacks import GatewayCallbacks
from application.payments.ports import CallbackView
from application.shared.process_manager import RetryPolicy
from domain.payments.gateway import Verdict

log = logging.getLogger(__name__)
MAX_WAIT = 3600.0


def recheck_policy(interval: float) -> RetryPolicy:
    """The first re-check waits `interval`, each further one twice as long, at most an hour;
    no jitter, as the sweep runs once per interval anyway."""
    return RetryPolicy(max_wait=MAX_WAIT, first_wait=interval, jitter=0.0)


class CallbackRechecker:
    """Sweeps the callbacks kept as pending_recheck and re-checks those whose wait is over."""

    def __init__(
        self,
        stores: PostgresStores,
        read_models: PostgresGatewayReadModels,
        callbacks: GatewayCallbacks,
        interval: float,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._callbacks = callbacks
        self._interval = interval
        self._policy = recheck_policy(interval)
        self._last = float("-inf")

    def sweep_when_due(self) -> int:
        """Sweep at most once per interval (it runs after every projection catch-up)."""
        if time.monotonic() - self._last < self._interval:
            return 0
        self._last = time.monotonic()
        return self.sweep()

    def sweep(self, everything: bool = False) -> int:
        """Re-check every callback whose wait is over (all with `everything`); returns how many
        were resolved."""
        resolved = 0
        for store in self._stores.open_stores():
            for view in self._read_models.pending_rechecks(store, 500):
                if everything or self._due(view):
                    resolved += self._recheck(view)
        return resolved

    def _due(self, view: CallbackView) -> bool:
        # The status check that found the gateway down when the callback came is the first
        # failure; `attempts` counts the re-checks that failed since.
        return self._policy.due(view.attempts + 1, view.updated_at, datetime.now(UTC))

    def _recheck(self, view: CallbackView) -> int:
        if view.tenant_id is None:
            return 0
        try:
            answer = self._callbacks.recheck(view.tenant_id, view.id)
        except Exception:
            log.exception("re-checking callback %s failed", view.id)
            return 0
        if answer is None or answer.verdict is Verdict.PENDING_RECHECK:
            return 0
        log.info("callback %s re-checked: %s (%s)", view.id, answer.verdict, answer.reason)
        return 1
