"""Follows the message log: turns queued WhatsApp messages into send jobs (at once when new,
with exponential backoff and jitter after failures) and lets campaigns queue what their
guardrails allow. Everything it acts on is re-derived from the event log, so nothing is lost
if a process dies; a send job is idempotent, so sending twice is harmless."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from uuid import UUID

from adapters.bootstrap import Niaga
from adapters.messaging.read_models import PostgresWhatsAppReadModels
from adapters.shared.stores import PostgresStores
from application.messaging.campaigns import CampaignRunner, Now
from application.messaging.messaging import WhatsAppService
from application.messaging.ports import PendingMessage, ProviderUnavailable

log = logging.getLogger(__name__)
MAX_BACKOFF = 600.0
Submit = Callable[[UUID, UUID], None]


def backoff(attempts: int) -> float:
    """Seconds to wait after `attempts` failures: doubling up to ten minutes, with jitter."""
    if attempts == 0:
        return 0.0
    return min(2.0**attempts, MAX_BACKOFF) + random.uniform(0, 1)


class WhatsAppDispatcher:
    def __init__(
        self,
        stores: PostgresStores,
        read_models: PostgresWhatsAppReadModels,
        messages: WhatsAppService,
        campaigns: CampaignRunner,
        submit: Submit | None = None,
        workers: int = 4,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._messages = messages
        self._campaigns = campaigns
        self._pool = (
            ThreadPoolExecutor(workers, thread_name_prefix="whatsapp") if submit is None else None
        )
        self._submit = submit or self._run_here
        self._sent: dict[UUID, tuple[datetime, float]] = {}

    def dispatch(self) -> int:
        """Let campaigns queue what is due, then submit every message that is due; returns how
        many were submitted."""
        submitted = 0
        for store in self._stores.open_stores():
            try:
                self._campaigns.tick(store)
            except Exception:
                log.exception("campaign runner failed in %s", store.ref.name)
            for row in self._read_models.pending(store, 500):
                if self._due(row):
                    self._sent[row.id] = (row.updated_at, time.monotonic())
                    self._submit(row.tenant_id, row.id)
                    submitted += 1
        return submitted

    def close(self) -> None:
        if self._pool:
            self._pool.shutdown(wait=True)

    def _due(self, row: PendingMessage) -> bool:
        last = self._sent.get(row.id)
        if last is None or last[0] != row.updated_at:
            age = (datetime.now(UTC) - row.updated_at).total_seconds()
            return age >= backoff(row.attempts)
        # Submitted and nothing recorded since: the job may be lost with its worker.
        return time.monotonic() - last[1] >= max(backoff(row.attempts), 60.0)

    def _run_here(self, tenant_id: UUID, message_id: UUID) -> None:
        if self._pool is None:
            raise RuntimeError("jobs are submitted elsewhere; there is no local pool")
        self._pool.submit(self._send, tenant_id, message_id)

    def _send(self, tenant_id: UUID, message_id: UUID) -> None:
        try:
            self._messages.send(tenant_id, message_id)
        except ProviderUnavailable as error:
            log.info("WhatsApp message %s will be retried: %s", message_id, error.message)
        except Exception:
            log.exception("WhatsApp message %s failed", message_id)


def whatsapp_dispatcher(
    niaga: Niaga, submit: Submit | None = None, now: Now | None = None
) -> WhatsAppDispatcher:
    runner = CampaignRunner(
        niaga.stores,
        niaga.whatsapp.read_models,
        niaga.projections,
        now or (lambda: datetime.now(UTC)),
    )
    return WhatsAppDispatcher(
        niaga.stores, niaga.whatsapp.read_models, niaga.whatsapp.messages, runner, submit
    )
