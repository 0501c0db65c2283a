"""What the counter reads: its promotions and the daily sales report, each read authorised,
scoped to the caller's tenant and validated."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from application.repairs.counter_ports import CounterReadModels, DailySales, PromotionView
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore
from application.shared.paging import MAX_PAGE
from application.shared.ports import Page, Stores
from application.shared.tenancy import tenant_of

# A quarter and a bit: the longest period a shop compares day by day.
MAX_REPORT_DAYS = 93


def report_period(start: date, end: date) -> tuple[date, date]:
    """`start` to `end` inclusive, refused naming `to` when it runs backwards or is too long."""
    if end < start:
        raise ApplicationError(
            f"to ({end.isoformat()}) is before from ({start.isoformat()})", field="to"
        )
    if (end - start).days + 1 > MAX_REPORT_DAYS:
        raise ApplicationError(
            f"a report covers at most {MAX_REPORT_DAYS} days; from {start.isoformat()} "
            f"to {end.isoformat()} is {(end - start).days + 1}",
            field="to",
        )
    return start, end


class CounterQueries:
    """Counter reads: each checks a permission, then reads the caller's tenant."""

    def __init__(self, stores: Stores, read_models: CounterReadModels, clock: Clock) -> None:
        self._stores = stores
        self._read_models = read_models
        self._clock = clock

    def promotions(
        self,
        principal: Principal,
        *,
        active: bool | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Page[PromotionView]:
        """Newest first; `active` keeps the running ones (or, false, the ended ones)."""
        authorize(principal, Permission.READ_PROMOTIONS)
        if not 1 <= first <= MAX_PAGE:
            raise ApplicationError(f"first must be 1-{MAX_PAGE}", field="first")
        return self._read_models.promotions(
            self._store(principal),
            principal.tenant_id,
            active=active,
            today=self._today(principal),
            first=first,
            after=after,
        )

    def promotion(self, principal: Principal, promotion_id: UUID) -> PromotionView | None:
        authorize(principal, Permission.READ_PROMOTIONS)
        return self._read_models.promotion(
            self._store(principal), principal.tenant_id, promotion_id, self._today(principal)
        )

    def daily_sales(self, principal: Principal, start: date, end: date) -> list[DailySales]:
        """Counter sales per day (the shop's local dates), payment method and cashier."""
        authorize(principal, Permission.READ_REPORTS)
        start, end = report_period(start, end)
        return self._read_models.daily_sales(
            self._store(principal), principal.tenant_id, start, end
        )

    def _today(self, principal: Principal) -> date:
        return self._clock.today(tenant_of(self._stores, principal.tenant_id).timezone)

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)
