"""Follows media_files: a deleted file whose object is still in storage gets a removal job, as
the shared process-manager policy says (at once when new, with backoff after failures, again
when a job was lost). What is still to remove is derived from the log, so nothing is left
behind when a process dies; removing an object twice is harmless."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from adapters.agency.read_models import PostgresMediaReadModels
from adapters.shared.stores import PostgresEventStore, PostgresStores
from application.agency.media import MediaLibrary
from application.agency.ports import StorageUnavailable
from application.shared.process_manager import (
    Dispatch,
    Pending,
    RetryPolicy,
    SideEffect,
    StoreSweep,
)

# Doubling up to ten minutes: a bucket that refuses deletes is not helped by asking more often.
RETRIES = RetryPolicy(max_wait=600.0)
PAGE = 500


def removal_effect(library: MediaLibrary) -> SideEffect[UUID]:
    """Remove one deleted file's object; a refusal is recorded and retried."""
    return SideEffect("media-removal", library.remove_object, RETRIES, (StorageUnavailable,))


class MediaRemovalDispatcher(StoreSweep[PostgresEventStore]):
    def __init__(
        self, stores: PostgresStores, read_models: PostgresMediaReadModels, remove: Dispatch[UUID]
    ) -> None:
        def pending(store: PostgresEventStore) -> list[Pending]:
            rows = read_models.pending_removals(store, PAGE)
            return [Pending(r.tenant_id, r.file_id, r.attempts, r.updated_at) for r in rows]

        super().__init__(stores.open_stores, pending, RETRIES, remove, lambda: datetime.now(UTC))
