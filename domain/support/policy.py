"""A tenant's support policy: its business hours and, per priority, how soon a ticket must get
its first public reply and be resolved, both counted in business time.

One `SupportSettings` aggregate per tenant holds what the tenant changed; a tenant that never
changed anything has the defaults (Monday to Saturday 08:00-17:00, the targets below).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import InvalidValue
from domain.support.business_hours import BusinessHours, business_hours, clock_time

MAX_TARGET_MINUTES = 60 * 24 * 30  # a month of round-the-clock business time


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


@dataclass(frozen=True)
class Target:
    """Business minutes to the first public reply and to resolution."""

    first_response_minutes: int
    resolution_minutes: int

    def validated(self, priority: str) -> Target:
        for name, minutes in (
            ("firstResponseMinutes", self.first_response_minutes),
            ("resolutionMinutes", self.resolution_minutes),
        ):
            if isinstance(minutes, bool) or not 1 <= minutes <= MAX_TARGET_MINUTES:
                raise InvalidValue(
                    f"{name} of {priority} must be 1-{MAX_TARGET_MINUTES} minutes", field=name
                )
        if self.resolution_minutes < self.first_response_minutes:
            raise InvalidValue(
                f"the resolution target of {priority} cannot come before its first response",
                field="resolutionMinutes",
            )
        return self


# A business day is nine hours (08:00-17:00): urgent within the morning, high within a day,
# normal within three, low within a working week.
DEFAULT_TARGETS: Mapping[Priority, Target] = {
    Priority.URGENT: Target(30, 4 * 60),
    Priority.HIGH: Target(60, 9 * 60),
    Priority.NORMAL: Target(4 * 60, 27 * 60),
    Priority.LOW: Target(9 * 60, 45 * 60),
}


@dataclass(frozen=True)
class SupportPolicy:
    hours: BusinessHours = field(default_factory=BusinessHours)
    targets: Mapping[Priority, Target] = field(default_factory=lambda: dict(DEFAULT_TARGETS))

    def within_reach(self) -> SupportPolicy:
        """Refuse targets the hours cannot give within a year (one short day a week, say)."""
        longest = max(t.resolution_minutes for t in self.targets.values())
        year = self.hours.a_year()
        if timedelta(minutes=longest) > year:
            raise InvalidValue(
                f"these hours give {int(year.total_seconds()) // 60} business minutes a year, "
                f"less than the longest target ({longest} minutes)",
                field="targets",
            )
        return self

    def first_response(self, priority: Priority) -> timedelta:
        return timedelta(minutes=self.targets[priority].first_response_minutes)

    def resolution(self, priority: Priority) -> timedelta:
        return timedelta(minutes=self.targets[priority].resolution_minutes)


class SupportSettings(Aggregate):
    """One per tenant (its id derives from the tenant's): the hours and targets it set."""

    class Started(Aggregate.Created):
        tenant_id: UUID

    class HoursSet(Aggregate.Event):
        days: list[int]
        opens: str  # HH:MM, local time
        closes: str

    class TargetsSet(Aggregate.Event):
        first_response_minutes: dict[str, int]  # by priority
        resolution_minutes: dict[str, int]

    @staticmethod
    def id_for(tenant_id: UUID) -> UUID:
        return uuid5(tenant_id, "support-settings")

    @classmethod
    def start(cls, tenant_id: UUID) -> SupportSettings:
        return cls._create(cls.Started, id=cls.id_for(tenant_id), tenant_id=tenant_id)

    @event(Started)
    def __init__(self, tenant_id: UUID) -> None:
        self.tenant_id = tenant_id
        self.policy = SupportPolicy()

    def set_hours(self, days: list[int], opens: str, closes: str) -> None:
        hours = business_hours(days, opens, closes)
        SupportPolicy(hours, self.policy.targets).within_reach()
        self._hours_set(
            days=list(hours.days),
            opens=hours.opens.strftime("%H:%M"),
            closes=hours.closes.strftime("%H:%M"),
        )

    @event(HoursSet)
    def _hours_set(self, days: list[int], opens: str, closes: str) -> None:
        hours = BusinessHours(tuple(days), clock_time(opens, "opens"), clock_time(closes, "closes"))
        self.policy = SupportPolicy(hours, self.policy.targets)

    def set_targets(self, changed: Mapping[Priority, Target]) -> None:
        """Change the targets of the priorities given; the others keep theirs."""
        if not changed:
            raise InvalidValue("give the targets of at least one priority", field="targets")
        targets = {**self.policy.targets, **{p: t.validated(p.value) for p, t in changed.items()}}
        SupportPolicy(self.policy.hours, targets).within_reach()
        self._targets_set(
            first_response_minutes={p.value: t.first_response_minutes for p, t in targets.items()},
            resolution_minutes={p.value: t.resolution_minutes for p, t in targets.items()},
        )

    @event(TargetsSet)
    def _targets_set(
        self, first_response_minutes: dict[str, int], resolution_minutes: dict[str, int]
    ) -> None:
        targets = {
            Priority(name): Target(minutes, resolution_minutes[name])
            for name, minutes in first_response_minutes.items()
        }
        self.policy = SupportPolicy(self.policy.hours, targets)
