"""Follows the message log: turns queued WhatsApp messages into send jobs, as the shared
process-manager policy says (at once when new, with backoff after failures, again when a job was
lost), and lets campaigns queue what their guardrails allow. Everything it acts on is re-derived
from the event log, so nothing is lost if a process dies; a send job is idempotent, so sending
twice is harmless."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from uuid import UUID

from adapters.messaging.read_models import PostgresWhatsAppReadModels
from adapters.shared.stores import PostgresStores
from application.messaging.campaigns import CampaignRunner
from application.messaging.messaging import WhatsAppService
from application.messaging.ports import PendingMessage, ProviderUnavailable
from application.shared.process_manager import (
    Dispatch,
    Pending,
    ProcessManager,
    RetryPolicy,
    SideEffect,
)

log = logging.getLogger(__name__)
# Doubling up to ten minutes: providers throttle, and a burst of retries would not help.
RETRIES = RetryPolicy(max_wait=600.0)


def send_effect(messages: WhatsAppService) -> SideEffect[UUID]:
    """Send one queued message; a provider that did not take it is recorded and retried."""
    return SideEffect("whatsapp", messages.send, RETRIES, (ProviderUnavailable,))


class WhatsAppDispatcher:
    """Ticks the campaigns, then sweeps `message_log` for queued and retrying messages."""

    def __init__(
        self,
        stores: PostgresStores,
        read_models: PostgresWhatsAppReadModels,
        campaigns: CampaignRunner,
        send: Dispatch[UUID],
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._campaigns = campaigns
        self._manager = ProcessManager(RETRIES, send)

    def dispatch(self) -> int:
        """Let campaigns queue what is due, then submit every message that is due; returns how
        many were submitted."""
        submitted = 0
        for store in self._stores.open_stores():
            try:
                self._campaigns.tick(store)
            except Exception:
                log.exception("campaign runner failed in %s", store.ref.name)
            rows = [_pending(row) for row in self._read_models.pending(store, 500)]
            submitted += self._manager.submit_due(rows, datetime.now(UTC))
        return submitted

    def forget_submissions(self) -> None:
        """The broker lost what it held (it restarted): every due message is submitted again."""
        self._manager.forget_submissions()

    def close(self) -> None:
        self._manager.close()


def _pending(row: PendingMessage) -> Pending:
    return Pending(row.tenant_id, row.id, row.attempts, row.updated_at)
