"""What AI costs each tenant, and the monthly budgets that stop it.

Costs come from the `ai_costs` read model, built from the events that carry an `AiUsage`
(projections/ai/metered.py). A budget is set by the platform operator (`niaga ai budget`) and
kept in the platform store; once the month's recorded cost reaches it, `AiService` refuses the
tenant's calls with `budget` and every feature answers with its deterministic part.

Days and months are WIB (`domain/ai/budget.py`), and "this month" is read from the system clock:
the event log's timestamps, from which the read model dates each call, are written by it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.ai.cost_ports import AiCostReadModels, AiCostRow, PlatformRevenue
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Actor, Principal, recording
from application.shared.ports import ReadModels, ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import find
from domain.ai.budget import MICRO, AiBudget, cost_day, month_after, month_of, parse_month

BUDGET_REFRESH_SECONDS = 30.0  # how stale another process's budget change may be read here


@dataclass(frozen=True)
class AiCostMonth:
    """A tenant's AI month: its rows per day, feature and model, and its budget."""

    tenant_id: UUID
    month: date
    rows: list[AiCostRow]
    budget_idr: int | None

    @property
    def calls(self) -> int:
        return sum(r.calls for r in self.rows)

    @property
    def input_tokens(self) -> int:
        return sum(r.input_tokens for r in self.rows)

    @property
    def output_tokens(self) -> int:
        return sum(r.output_tokens for r in self.rows)

    @property
    def cost_micro_idr(self) -> int:
        return sum(r.cost_micro_idr for r in self.rows)

    @property
    def failures(self) -> int:
        return sum(sum(r.failures.values()) for r in self.rows)

    @property
    def budget_reached(self) -> bool:
        return self.budget_idr is not None and self.cost_micro_idr >= self.budget_idr * MICRO


@dataclass(frozen=True)
class TenantAiCost:
    """One line of the operator's view: a tenant's AI month beside what it paid the platform."""

    tenant_id: UUID
    name: str
    cost: AiCostMonth
    revenue_idr: int | None  # None: the platform does not record it

    @property
    def margin_micro_idr(self) -> int | None:
        """Revenue less AI cost, in millionths of a rupiah; None when revenue is unknown."""
        if self.revenue_idr is None:
            return None
        return self.revenue_idr * MICRO - self.cost.cost_micro_idr


class AiBudgets:
    """Sets and reads budgets; tells `AiService` whether a tenant's month is spent."""

    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        read_models: AiCostReadModels,
        clock: Clock,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stores = stores
        self._sync = sync
        self._read_models = read_models
        self._clock = clock
        self._monotonic = monotonic
        self._cache: dict[UUID, tuple[int | None, float]] = {}

    def set(self, tenant_id: UUID, monthly_idr: int | None, actor: Actor) -> int | None:
        """The operator's command (`niaga ai budget`): rupiah a month, None for no limit."""
        tenant_of(self._stores, tenant_id)  # refuses a tenant the platform does not have
        store = self._stores.platform()
        budget = find(store, AiBudget, AiBudget.id_for(tenant_id)) or AiBudget.start(tenant_id)
        budget.change(monthly_idr)
        if budget.pending_events:
            with recording("SetAiBudget", actor=actor, tenant_id=tenant_id):
                saved = store.save_and_locate(budget)
            self._sync.wait(store, saved)
        self._cache.pop(tenant_id, None)
        return budget.monthly_idr

    def budget(self, tenant_id: UUID) -> int | None:
        """The tenant's monthly budget in rupiah, read at most every BUDGET_REFRESH_SECONDS."""
        now = self._monotonic()
        cached = self._cache.get(tenant_id)
        if cached is not None and now - cached[1] < BUDGET_REFRESH_SECONDS:
            return cached[0]
        budget = self._read_models.budget(self._stores.platform(), tenant_id)
        self._cache[tenant_id] = (budget, now)
        return budget

    def exhausted(self, tenant_id: UUID) -> bool:
        """Whether the month's recorded cost has reached the budget. Without a budget nothing
        is read but the (cached) budget; with one, one indexed sum."""
        budget = self.budget(tenant_id)
        if budget is None:
            return False
        first = self.this_month()
        spent = self._read_models.cost(
            self._stores.for_tenant(tenant_id), tenant_id, first, month_after(first)
        )
        return spent >= budget * MICRO

    def this_month(self) -> date:
        return month_of(cost_day(self._clock.now()))


class AiCostQueries:
    """AI cost for the tenant (`aiCosts`) and for the operator (`niaga ai costs`)."""

    def __init__(
        self,
        stores: Stores,
        read_models: AiCostReadModels,
        tenants: ReadModels,
        budgets: AiBudgets,
        revenue: PlatformRevenue,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._tenants = tenants
        self._budgets = budgets
        self._revenue = revenue

    def month(self, principal: Principal, month: str | None = None) -> AiCostMonth:
        """The caller's tenant's AI month (this month unless named, as YYYY-MM)."""
        authorize(principal, Permission.READ_REPORTS)
        first = self._first_day(month)
        budget = self._read_models.budget(self._stores.platform(), principal.tenant_id)
        return self._month(principal.tenant_id, first, budget)

    def platform(self, month: str | None = None) -> list[TenantAiCost]:
        """Every tenant's AI month, the top spender first, for the operator."""
        first = self._first_day(month)
        budgets = self._read_models.budgets(self._stores.platform())
        lines = [
            TenantAiCost(
                tenant.id,
                tenant.name,
                self._month(tenant.id, first, budgets.get(tenant.id)),
                self._revenue.month(tenant.id, first),
            )
            for tenant in self._tenants.tenants()
        ]
        return sorted(lines, key=lambda line: (-line.cost.cost_micro_idr, line.name))

    def _month(self, tenant_id: UUID, first: date, budget: int | None) -> AiCostMonth:
        store = self._stores.for_tenant(tenant_id)
        rows = self._read_models.rows(store, tenant_id, first, month_after(first))
        return AiCostMonth(tenant_id, first, rows, budget)

    def _first_day(self, month: str | None) -> date:
        return self._budgets.this_month() if month is None else parse_month(month)
