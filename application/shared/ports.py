"""Ports: what the application needs from persistence, described without naming it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from application.shared.event_store import EventStore, Saved

T = TypeVar("T")


class Placement(StrEnum):
    """Where a tenant's events live: its tier."""

    SHARED = "shared"  # the platform's store, rows carry tenant_id
    OWN_SCHEMA = "schema"  # a schema of its own
    OWN_DATABASE = "database"  # a database of its own, on a server the settings name


@dataclass(frozen=True)
class Placed:
    """Where a tenant's data was placed."""

    region: str
    server: str
    store: str


class Stores(Protocol):
    """The tenant directory and the event stores it points to."""

    def platform(self) -> EventStore:
        """The store holding the platform's own aggregates (tenants) and small tenants' events."""

    def for_tenant(self, tenant_id: UUID) -> EventStore:
        """The store of one tenant. Raises UnknownTenant if the directory does not list it."""

    def place(
        self,
        tenant_id: UUID,
        placement: Placement,
        *,
        region: str | None = None,
        server: str | None = None,
    ) -> Placed:
        """Choose, prepare (migrate) and record a store for a new tenant; return its name."""


class ReadModelSync(Protocol):
    def wait(self, store: EventStore, upto: Saved | int, timeout: float = 2.0) -> bool:
        """Block until the store's read models have processed `upto`; False on time-out.

        After a save, only the read models of the saved topics are waited for; a bare position
        waits for all of them."""


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]  # an opaque cursor for each item, to resume after it
    has_next_page: bool
    # Counts the items the list's filters match over all pages. That can cost far more than
    # the page (a scan of every matching row), so it runs only when `total_count` is read, and
    # at most once.
    count: Callable[[], int] = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "count", cache(self.count))

    @property
    def total_count(self) -> int:
        return self.count()

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


@dataclass(frozen=True)
class CustomerView:
    id: UUID
    tenant_id: UUID
    name: str
    phone: str | None
    email: str | None
    nik: str | None
    address: str | None
    forgotten: bool
    registered_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    position: int
    tenant_id: UUID | None
    actor: str
    command: str
    action: str
    aggregate_type: str
    aggregate_id: UUID
    version: int
    changes: dict[str, dict[str, object]]
    occurred_at: datetime
    correlation_id: str
    causation_id: str


@dataclass(frozen=True)
class TenantView:
    id: UUID
    name: str
    store: str
    pkp: bool
    invoice_prefix: str
    timezone: str
    registered_at: datetime
    region: str = ""
    tier: str = "shared"
    server: str = "main"
    writes: str = "open"
    lock_reason: str = ""


@dataclass(frozen=True)
class ApiKeyRecord:
    key_id: str
    tenant_id: UUID
    role: str
    label: str
    secret_hash: str
    revoked: bool
    created_at: datetime
    tenant_writes: str = "open"  # TenantWrites of the key's tenant when the key was read
    custom_role: str | None = None  # the name of the key's custom role, if it holds one
    permissions: tuple[str, ...] | None = None  # that custom role's (empty if it is gone)


class ReadModels(Protocol):
    """Queries over read models; every one is scoped to a tenant."""

    def customers(
        self, store: EventStore, tenant_id: UUID, search: str | None, first: int, after: str | None
    ) -> Page[CustomerView]: ...

    def customer(
        self, store: EventStore, tenant_id: UUID, customer_id: UUID
    ) -> CustomerView | None: ...

    def audit_log(
        self,
        store: EventStore,
        tenant_id: UUID,
        aggregate_id: UUID | None,
        first: int,
        after: str | None,
    ) -> Page[AuditEntry]: ...

    def tenants(self) -> list[TenantView]: ...

    def api_key(self, key_id: str) -> ApiKeyRecord | None: ...

    def api_keys(self, tenant_id: UUID) -> list[ApiKeyRecord]: ...
