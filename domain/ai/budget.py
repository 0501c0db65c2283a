"""What AI may cost a tenant in a month, set by the platform operator, and the calendar AI costs
are counted on.

Costs are counted per day and month of Western Indonesian time (WIB, `Asia/Jakarta`) for every
tenant alike, so that the operator's months add up across tenants; a tenant in WITA or WIT
sees its AI month turn an hour or two after its own midnight.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import InvalidValue
from domain.shared.local_time import local_date

COST_ZONE = "Asia/Jakarta"
MAX_MONTHLY_IDR = 1_000_000_000_000
MICRO = 1_000_000  # cost is kept in millionths of a rupiah
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def cost_day(instant: datetime) -> date:
    """The day an AI call made at `instant` is counted on."""
    return local_date(instant, COST_ZONE)


def month_of(day: date) -> date:
    return day.replace(day=1)


def parse_month(raw: str, field: str = "month") -> date:
    """The first day of a `YYYY-MM` month."""
    match = _MONTH.fullmatch((raw or "").strip())
    if match is None or int(match[1]) < 1 or match.groups() == ("9999", "12"):
        raise InvalidValue(f"{field} must be a month as YYYY-MM, got {raw!r}", field=field)
    return date(int(match[1]), int(match[2]), 1)


def month_after(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def monthly_budget(raw: int | None) -> int | None:
    """Rupiah a month; None is no limit."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_MONTHLY_IDR:
        raise InvalidValue(
            f"the monthly AI budget must be 0 to {MAX_MONTHLY_IDR} rupiah, or none",
            field="monthly_idr",
        )
    return raw


class AiBudget(Aggregate):
    """One per tenant that has one, in the platform store: only the operator sets it."""

    class Started(Aggregate.Created):
        tenant_id: UUID

    class Changed(Aggregate.Event):
        monthly_idr: int | None  # None: no limit

    @staticmethod
    def id_for(tenant_id: UUID) -> UUID:
        return uuid5(tenant_id, "ai-budget")

    @classmethod
    def start(cls, tenant_id: UUID) -> AiBudget:
        return cls._create(cls.Started, id=cls.id_for(tenant_id), tenant_id=tenant_id)

    @event(Started)
    def __init__(self, tenant_id: UUID) -> None:
        self.tenant_id = tenant_id
        self.monthly_idr: int | None = None

    def change(self, monthly_idr: int | None) -> bool:
        """False (nothing recorded) when the budget is already this."""
        budget = monthly_budget(monthly_idr)
        if budget == self.monthly_idr:
            return False
        self._changed(monthly_idr=budget)
        return True

    @event(Changed)
    def _changed(self, monthly_idr: int | None) -> None:
        self.monthly_idr = monthly_idr
