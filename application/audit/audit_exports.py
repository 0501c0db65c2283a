"""Exports of a period for auditors: the audit log or the events themselves, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from application.audit.time_travel import require_offset
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.ports import Stores
from domain.shared.errors import InvalidValue


class ExportKind(StrEnum):
    AUDIT = "audit"  # the audit log: who changed which fields, old -> new
    EVENTS = "events"  # every event with its envelope and fields


AUDIT_COLUMNS = (
    "position",
    "occurred_at",
    "tenant_id",
    "actor",
    "command",
    "action",
    "aggregate_type",
    "aggregate_id",
    "version",
    "changes",
    "correlation_id",
    "causation_id",
)
EVENT_COLUMNS = (
    "position",
    "occurred_at",
    "tenant_id",
    "actor",
    "command",
    "event",
    "aggregate_type",
    "aggregate_id",
    "version",
    "data",
    "correlation_id",
    "causation_id",
)
COLUMNS = {ExportKind.AUDIT: AUDIT_COLUMNS, ExportKind.EVENTS: EVENT_COLUMNS}


class ExportSource(Protocol):
    """Port: rows of one store for a period, in log order, a page at a time."""

    def rows(
        self,
        store: EventStore,
        kind: ExportKind,
        tenant_id: UUID | None,
        start: datetime,
        end: datetime,
    ) -> Iterator[dict[str, Any]]:
        """Rows with start <= time < end, of one tenant (None: every tenant in the store)."""


class AuditExports:
    """Authorised, tenant-scoped exports of a period."""

    def __init__(self, stores: Stores, source: ExportSource) -> None:
        self._stores = stores
        self._source = source

    def export(
        self, principal: Principal, kind: ExportKind, start: datetime, end: datetime
    ) -> Iterator[dict[str, Any]]:
        """Checks everything before the first row, so a refusal never arrives mid-stream."""
        authorize(principal, Permission.READ_AUDIT)
        check_period(start, end)
        store = self._stores.for_tenant(principal.tenant_id)
        return self._source.rows(store, kind, principal.tenant_id, start, end)


def check_period(start: datetime, end: datetime) -> None:
    require_offset(start, "from")
    require_offset(end, "to")
    if end <= start:
        raise InvalidValue("to must be later than from", field="to")
