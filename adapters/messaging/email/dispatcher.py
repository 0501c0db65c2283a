"""Follows `email_log`: turns queued e-mails into send jobs, as the shared process-manager
policy says (at once when new, with backoff after failures, again when a job was lost).
Everything it acts on is re-derived from the event log, so nothing is lost if a process dies;
a send job is idempotent, so submitting it twice sends once."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from adapters.messaging.email.read_models import PostgresEmailReadModels
from adapters.shared.stores import PostgresEventStore, PostgresStores
from application.messaging.email import EmailService
from application.messaging.email_ports import MailUnavailable, PendingEmail
from application.shared.process_manager import (
    Dispatch,
    Pending,
    RetryPolicy,
    SideEffect,
    StoreSweep,
)

# Doubling up to ten minutes, as for WhatsApp: a mail server that greylists (451) or is down
# for maintenance is back within minutes.
RETRIES = RetryPolicy(max_wait=600.0)
PAGE = 500


def email_effect(emails: EmailService) -> SideEffect[UUID]:
    """Send one queued e-mail; a server that did not take it is recorded and retried."""
    return SideEffect("email", emails.send, RETRIES, (MailUnavailable,))


class EmailDispatcher(StoreSweep[PostgresEventStore]):
    """Sweeps `email_log` for queued and retrying e-mails."""

    def __init__(
        self, stores: PostgresStores, read_models: PostgresEmailReadModels, send: Dispatch[UUID]
    ) -> None:
        def pending(store: PostgresEventStore) -> list[Pending]:
            return [_pending(row) for row in read_models.pending(store, PAGE)]

        super().__init__(stores.open_stores, pending, RETRIES, send, lambda: datetime.now(UTC))


def _pending(row: PendingEmail) -> Pending:
    return Pending(row.tenant_id, row.id, row.attempts, row.updated_at)
