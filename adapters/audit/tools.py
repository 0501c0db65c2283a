"""The operator's side of auditing: which stores to check, the chain and replay checks over them,
and exports across stores (the CLI's `niaga audit ...`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.audit import chain_verification
from adapters.audit.chain_verification import ChainReport
from adapters.audit.chain_verification import Progress as ChainProgress
from adapters.audit.exports import PostgresExportSource
from adapters.audit.replay import Progress as ReplayProgress
from adapters.audit.replay import ProjectionReport, ReplayVerifier
from adapters.shared.projection_service import ProjectionService
from adapters.shared.stores import PostgresEventStore, PostgresStores
from application.audit.audit_exports import ExportKind, check_period
from application.shared.errors import ApplicationError


class UnknownStore(ApplicationError):
    code = "UNKNOWN_STORE"


class AuditTools:
    def __init__(
        self, stores: PostgresStores, projections: ProjectionService, source: PostgresExportSource
    ) -> None:
        self._stores = stores
        self._projections = projections
        self._replay = ReplayVerifier(stores, projections)
        self._source = source

    def select(
        self, store: str | None = None, tenant: UUID | None = None
    ) -> list[PostgresEventStore]:
        """The stores named (or the store of a tenant); every store when neither is given."""
        if tenant is not None:
            return [self._stores.open(self._stores.ref_for(tenant))]
        stores = list(self._stores.open_stores())
        if store is None:
            return stores
        chosen = [s for s in stores if s.ref.name == store]
        if not chosen:
            known = ", ".join(s.ref.name for s in stores)
            raise UnknownStore(f"no store named {store!r}; known: {known}", field="store")
        return chosen

    def verify_chain(
        self,
        store: PostgresEventStore,
        progress: ChainProgress | None = None,
        anchors: dict[int, bytes] | None = None,
    ) -> ChainReport:
        with self._stores.database_for(store).connection() as conn:
            return chain_verification.verify(
                conn, store.ref.schema, store.ref.name, progress, anchors
            )

    def verify_read_models(
        self,
        store: PostgresEventStore,
        tenant: UUID | None = None,
        progress: ReplayProgress | None = None,
    ) -> list[ProjectionReport]:
        return self._replay.verify(store, tenant, progress)

    def export(
        self,
        kind: ExportKind,
        start: datetime,
        end: datetime,
        tenant: UUID | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Rows of every store (or one tenant's) for the period, store after store.

        The audit log is caught up first, so it holds every event recorded before the export.
        """
        check_period(start, end)
        stores = self.select(tenant=tenant)
        for store in stores:
            if kind is ExportKind.AUDIT:
                self._projections.catch_up(store)
        return self._rows(stores, kind, tenant, start, end)

    def _rows(
        self,
        stores: list[PostgresEventStore],
        kind: ExportKind,
        tenant: UUID | None,
        start: datetime,
        end: datetime,
    ) -> Iterator[dict[str, Any]]:
        for store in stores:
            yield from self._source.rows(store, kind, tenant, start, end)
