"""Follows `email_log`: turns queued e-mails into send jobs, as the shared process-manager
policy says (at once when new, with backoff after failures, again when a job was lost).
Everything it acts on is re-derived from the event log, so nothing is lost if a process dies;
a send job is idempotent, so submitting it twice sends once."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from adapters.messaging.email.read_models import PostgresEmailReadModels
from adapters.shared.stores import PostgresStores
from application.messaging.email import EmailService
from application.messaging.email_ports import MailUnavailable, PendingEmail
from application.shared.process_manager import (
    Dispatch,
    Pending,
    ProcessManager,
    RetryPolicy,
    SideEffect,
)

# Doubling up to ten minutes, as for WhatsApp: a mail server that greylists (451) or is down
# for maintenance is back within minutes.
RETRIES = RetryPolicy(max_wait=600.0)


def email_effect(emails: EmailService) -> SideEffect[UUID]:
    """Send one queued e-mail; a server that did not take it is recorded and retried."""
    return SideEffect("email", emails.send, RETRIES, (MailUnavailable,))


class EmailDispatcher:
    """Sweeps `email_log` for queued and retrying e-mails."""

    def __init__(
        self, stores: PostgresStores, read_models: PostgresEmailReadModels, send: Dispatch[UUID]
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._manager = ProcessManager(RETRIES, send)

    def dispatch(self) -> int:
        """Submit every e-mail that is due; returns how many were submitted."""
        submitted = 0
        for store in self._stores.open_stores():
            rows = [_pending(row) for row in self._read_models.pending(store, 500)]
            submitted += self._manager.submit_due(rows, datetime.now(UTC))
        return submitted

    def forget_submissions(self) -> None:
        """The broker lost what it held (it restarted): every due e-mail is submitted again."""
        self._manager.forget_submissions()

    def close(self) -> None:
        self._manager.close()


def _pending(row: PendingEmail) -> Pending:
    return Pending(row.tenant_id, row.id, row.attempts, row.updated_at)
