"""Retries callbacks kept as pending_recheck (the gateway's status API was down when they came),
with a doubling wait per callback, so nothing a gateway reported is lost."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from adapters.bootstrap import Niaga
from adapters.payments.gateway_read_models import PostgresGatewayReadModels
from adapters.shared.stores import PostgresStores
from application.payments.gateway_callbacks import GatewayCallbacks
from application.payments.ports import CallbackView
from domain.payments.gateway import Verdict

log = logging.getLogger(__name__)
MAX_WAIT = 3600.0


class CallbackRechecker:
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
        wait = min(self._interval * 2.0**view.attempts, MAX_WAIT)
        return (datetime.now(UTC) - view.updated_at).total_seconds() >= wait

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


def callback_rechecker(niaga: Niaga) -> CallbackRechecker:
    return CallbackRechecker(
        niaga.stores,
        niaga.gateway_read_models,
        niaga.gateway_callbacks,
        niaga.settings.niaga_recheck_interval_seconds,
    )
