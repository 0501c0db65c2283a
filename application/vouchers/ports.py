"""What the voucher and agent use-cases read: read-model views and the port that serves them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.vouchers.voucher_codes import CodeSpec


@dataclass(frozen=True)
class VoucherProfileView:
    id: UUID
    name: str
    router_id: UUID
    hotspot_profile: str
    rate_limit: str | None
    validity_seconds: int
    time_quota_seconds: int | None
    data_quota_bytes: int | None
    shared_users: int
    cost_price: int
    selling_price: int
    agent_prices: list[int]
    commission_kind: str
    commission_values: list[int]
    updated_at: datetime


@dataclass(frozen=True)
class VoucherView:
    id: UUID
    username: str
    password: str
    profile_id: UUID
    profile_name: str
    batch_id: UUID
    agent_id: UUID | None
    status: str
    price: int | None
    generated_at: datetime
    sold_at: datetime | None
    activated_at: datetime | None
    expires_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True)
class StockCount:
    profile_id: UUID
    profile_name: str
    agent_id: UUID | None
    status: str
    count: int


@dataclass(frozen=True)
class AgentView:
    id: UUID
    name: str
    phone: str
    parent_id: UUID | None
    level: int
    balance: int
    credit_limit: int
    enrolled_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class LedgerEntry:
    agent_id: UUID
    version: int
    kind: str
    amount: int  # signed: what the movement did to the balance
    balance_before: int
    balance_after: int
    detail: dict[str, Any]
    occurred_at: datetime


@dataclass(frozen=True)
class SalesRow:
    period: date
    agent_id: UUID | None
    profile_id: UUID
    profile_name: str
    vouchers: int
    revenue: int


@dataclass(frozen=True)
class CommissionRow:
    agent_id: UUID
    month: date
    from_agent_id: UUID
    profile_id: UUID
    vouchers: int
    amount: int


@dataclass(frozen=True)
class VoucherFilter:
    status: str | None = None
    profile_id: UUID | None = None
    agent_id: UUID | None = None
    batch_id: UUID | None = None
    search: str | None = None
    # None: every agent's vouchers (and unsold stock); a list: only these agents'.
    agent_scope: list[UUID] | None = field(default=None)


class VoucherReadModels(Protocol):
    def profiles(self, store: EventStore, tenant_id: UUID) -> list[VoucherProfileView]: ...

    def vouchers(
        self,
        store: EventStore,
        tenant_id: UUID,
        where: VoucherFilter,
        first: int,
        after: str | None,
    ) -> Page[VoucherView]: ...

    def codes_in_space(self, store: EventStore, tenant_id: UUID, spec: CodeSpec) -> int:
        """How many of the tenant's voucher codes have the shape of `spec` (its prefix, then
        `length` characters of its set), whichever batch drew them and whatever their status."""
        ...

    def batch_vouchers(
        self, store: EventStore, tenant_id: UUID, batch_id: UUID
    ) -> list[VoucherView]: ...

    def by_ids(self, store: EventStore, tenant_id: UUID, ids: list[UUID]) -> list[VoucherView]: ...

    def stock(
        self, store: EventStore, tenant_id: UUID, agent_scope: list[UUID] | None
    ) -> list[StockCount]: ...

    def due_to_expire(
        self, store: EventStore, tenant_id: UUID, now: datetime, limit: int
    ) -> list[UUID]: ...

    def agents(
        self, store: EventStore, tenant_id: UUID, agent_scope: list[UUID] | None
    ) -> list[AgentView]: ...

    def downline(self, store: EventStore, tenant_id: UUID, agent_id: UUID) -> list[UUID]:
        """The agent and every agent below it."""
        ...

    def ledger(
        self, store: EventStore, tenant_id: UUID, agent_id: UUID, first: int, after: str | None
    ) -> Page[LedgerEntry]: ...

    def sales(
        self,
        store: EventStore,
        tenant_id: UUID,
        period: str,
        since: date,
        until: date,
        agent_scope: list[UUID] | None,
        timezone: str = "UTC",
    ) -> list[SalesRow]:
        """Sold vouchers per calendar day, week or month in `timezone`."""
        ...

    def commissions(
        self,
        store: EventStore,
        tenant_id: UUID,
        month_from: date,
        month_to: date,
        agent_scope: list[UUID] | None,
        timezone: str = "UTC",
    ) -> list[CommissionRow]: ...
