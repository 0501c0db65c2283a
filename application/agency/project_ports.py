"""What projects read: the project list (its read model) and the tenant's team, whose people
are a project's members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.agency.project import ProjectStatus


class MilestoneStatus(StrEnum):
    """Pending until reached; invoiced when reached; paid when billing says its invoice is."""

    PENDING = "pending"
    INVOICED = "invoiced"
    PAID = "paid"


@dataclass(frozen=True)
class MilestoneView:
    id: UUID
    title: str
    amount: int
    due_on: date | None
    status: MilestoneStatus
    reached_on: date | None
    invoice_id: UUID | None
    invoice_number: str | None
    paid_on: date | None


@dataclass(frozen=True)
class ProgressView:
    """Shares of the milestones' amounts, in whole percent rounded down."""

    total: int
    reached: int
    paid: int

    @property
    def reached_percent(self) -> int:
        return self.reached * 100 // self.total if self.total else 0

    @property
    def paid_percent(self) -> int:
        return self.paid * 100 // self.total if self.total else 0


@dataclass(frozen=True)
class ProjectView:
    id: UUID
    customer_id: UUID
    customer_name: str
    quotation_id: UUID | None
    name: str
    description: str
    staging_url: str | None
    status: ProjectStatus
    milestones: list[MilestoneView]
    member_ids: list[UUID]
    progress: ProgressView
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ProjectFilter:
    """Which projects a list shows: of one status, of one client, whose name contains
    `search`."""

    status: ProjectStatus | None = None
    customer_id: UUID | None = None
    search: str | None = None


class ProjectReadModels(Protocol):
    def projects(
        self,
        store: EventStore,
        tenant_id: UUID,
        which: ProjectFilter,
        first: int,
        after: str | None,
    ) -> Page[ProjectView]:
        """Newest first, in keyset pages."""
        ...

    def project(
        self, store: EventStore, tenant_id: UUID, project_id: UUID
    ) -> ProjectView | None: ...


class TeamMembers(Protocol):
    def __call__(self, tenant_id: UUID) -> frozenset[UUID]:
        """The ids of the people who belong to the tenant's business now."""
        ...
