"""Reads over the voucher and agent read models, authorised and scoped to the caller: an agent
sees only itself and its downline, and only their vouchers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound
from application.shared.event_store import EventStore
from application.shared.paging import filter_text
from application.shared.ports import Page, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import find
from application.vouchers.agents import AgentService
from application.vouchers.ports import (
    AgentView,
    CommissionRow,
    LedgerEntry,
    SalesRow,
    StockCount,
    VoucherFilter,
    VoucherProfileView,
    VoucherReadModels,
    VoucherView,
)
from domain.vouchers.voucher import VoucherSettings

MAX_PAGE = 500
PERIODS = frozenset({"day", "week", "month"})


def _first(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise ApplicationError(f"first must be 1-{MAX_PAGE}", field="first")
    return first


@dataclass(frozen=True)
class PrintableBatch:
    """A batch's vouchers with what their printed sheet shows: each one's package, the
    hotspot login address its QR code opens (None until the voucher desk is configured), and
    the seller's name."""

    vouchers: list[VoucherView]
    profiles: dict[UUID, VoucherProfileView]
    login_url: str | None
    seller_name: str


class VoucherQueries:
    """Voucher and agent reads: each checks a permission, then reads the caller's tenant as
    far as the caller's agent scope reaches."""

    def __init__(
        self, stores: Stores, read_models: VoucherReadModels, agents: AgentService
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._agents = agents

    def profiles(self, principal: Principal) -> list[VoucherProfileView]:
        authorize(principal, Permission.READ_VOUCHERS)
        return self._read_models.profiles(self._store(principal), principal.tenant_id)

    def vouchers(
        self, principal: Principal, where: VoucherFilter, first: int = 50, after: str | None = None
    ) -> Page[VoucherView]:
        authorize(principal, Permission.READ_VOUCHERS)
        filter_text(where.search, "search")
        scope = self._agents.scope(principal)
        if scope is not None and where.agent_id is not None and where.agent_id not in scope:
            scope = []
        return self._read_models.vouchers(
            self._store(principal),
            principal.tenant_id,
            replace(where, agent_scope=scope),
            _first(first),
            after,
        )

    def batch(self, principal: Principal, batch_id: UUID) -> list[VoucherView]:
        """Every voucher of a batch, for printing; an agent prints only its own batches."""
        authorize(principal, Permission.READ_VOUCHERS)
        scope = self._agents.scope(principal)
        found = self._read_models.batch_vouchers(
            self._store(principal), principal.tenant_id, batch_id
        )
        if not found or (scope is not None and any(v.agent_id not in scope for v in found)):
            raise NotFound(f"no voucher batch {batch_id}", field="id")
        return found

    def printable_batch(self, principal: Principal, batch_id: UUID) -> PrintableBatch:
        """A batch as its printed sheet needs it; an agent prints only its own batches."""
        vouchers = self.batch(principal, batch_id)
        store = self._store(principal)
        settings = find(store, VoucherSettings, VoucherSettings.id_for(principal.tenant_id))
        return PrintableBatch(
            vouchers,
            {p.id: p for p in self.profiles(principal)},
            settings.login_url if settings else None,
            tenant_of(self._stores, principal.tenant_id).name,
        )

    def by_ids(self, principal: Principal, ids: list[UUID]) -> list[VoucherView]:
        authorize(principal, Permission.READ_VOUCHERS)
        scope = self._agents.scope(principal)
        found = self._read_models.by_ids(self._store(principal), principal.tenant_id, ids)
        return [v for v in found if scope is None or v.agent_id in scope]

    def agent(self, principal: Principal, agent_id: UUID) -> AgentView:
        found = [a for a in self.agents(principal) if a.id == agent_id]
        if not found:
            raise NotFound(f"no agent {agent_id}", field="agentId")
        return found[0]

    def stock(self, principal: Principal) -> list[StockCount]:
        authorize(principal, Permission.READ_VOUCHERS)
        return self._read_models.stock(
            self._store(principal), principal.tenant_id, self._agents.scope(principal)
        )

    def agents(self, principal: Principal) -> list[AgentView]:
        authorize(principal, Permission.READ_AGENTS)
        return self._read_models.agents(
            self._store(principal), principal.tenant_id, self._agents.scope(principal)
        )

    def ledger(
        self, principal: Principal, agent_id: UUID, first: int = 50, after: str | None = None
    ) -> Page[LedgerEntry]:
        authorize(principal, Permission.READ_AGENTS)
        self.agent(principal, agent_id)  # an unknown or out-of-scope agent is NotFound
        return self._read_models.ledger(
            self._store(principal), principal.tenant_id, agent_id, _first(first), after
        )

    def sales(self, principal: Principal, period: str, since: date, until: date) -> list[SalesRow]:
        authorize(principal, Permission.READ_VOUCHERS)
        if period not in PERIODS:
            raise ApplicationError("period must be day, week or month", field="period")
        if until < since or (until - since).days > 800:
            raise ApplicationError(
                "until must be on or after since, within 800 days", field="until"
            )
        return self._read_models.sales(
            self._store(principal),
            principal.tenant_id,
            period,
            since,
            until,
            self._agents.scope(principal),
            self._timezone(principal),
        )

    def commissions(
        self, principal: Principal, month_from: date, month_to: date
    ) -> list[CommissionRow]:
        authorize(principal, Permission.READ_AGENTS)
        if month_to < month_from:
            raise ApplicationError("the last month must not come before the first", field="to")
        return self._read_models.commissions(
            self._store(principal),
            principal.tenant_id,
            month_from.replace(day=1),
            month_to.replace(day=1),
            self._agents.scope(principal),
            self._timezone(principal),
        )

    def _timezone(self, principal: Principal) -> str:
        """Reports count days and months as the tenant's own calendar does."""
        return tenant_of(self._stores, principal.tenant_id).timezone

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)
