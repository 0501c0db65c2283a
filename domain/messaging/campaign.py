"""Broadcast campaigns ("WA blaster") and the guardrails that keep a sending number from being
banned: a random 30-60 s gap between messages, safe hours in the tenant's time, optional weekend
skip, and a daily cap after which sending stops until the next day.

The pace is kept per tenant (one sending number) and per tenant-local day, in an aggregate of its
own, so the cap and the gaps hold across every campaign the tenant runs at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import DomainError, InvalidValue
from domain.shared.payloads import typed_fields
from domain.shared.values import require_text

MAX_DAILY_CAP = 150


@dataclass(frozen=True)
class Guardrails:
    min_gap_seconds: int = 30
    max_gap_seconds: int = 60
    window_start: str = "09:00"
    window_end: str = "18:00"
    skip_weekends: bool = False
    daily_cap: int = 120

    def __post_init__(self) -> None:
        if not 30 <= self.min_gap_seconds <= self.max_gap_seconds <= 600:
            raise InvalidValue("gaps must satisfy 30 <= min <= max <= 600 seconds", field="gap")
        if not 1 <= self.daily_cap <= MAX_DAILY_CAP:
            raise InvalidValue(f"daily cap must be 1-{MAX_DAILY_CAP}", field="dailyCap")
        if not self.opens < self.closes:
            raise InvalidValue("the sending window must open before it closes", field="window")

    @property
    def opens(self) -> time:
        return _clock_time(self.window_start, "windowStart")

    @property
    def closes(self) -> time:
        return _clock_time(self.window_end, "windowEnd")

    def sending_day(self, day: date) -> bool:
        return not (self.skip_weekends and day.weekday() >= 5)

    def next_opening(self, local_now: datetime) -> datetime:
        """The first moment at or after `local_now` that lies inside the window on a sending day."""
        day = local_now.date()
        if self.sending_day(day) and local_now.time() < self.opens:
            return datetime.combine(day, self.opens, local_now.tzinfo)
        if self.sending_day(day) and local_now.time() < self.closes:
            return local_now
        day += timedelta(days=1)
        while not self.sending_day(day):
            day += timedelta(days=1)
        return datetime.combine(day, self.opens, local_now.tzinfo)


@dataclass(frozen=True)
class Audience:
    """Who a campaign reaches: every filter given must hold (an empty one reaches all active
    subscribers)."""

    plan: str | None = None  # a plan's id or name
    states: tuple[str, ...] = ("active",)
    area: str | None = None  # the router (site) a subscription is served from
    last_payment_before: date | None = None
    last_payment_after: date | None = None
    tags: tuple[str, ...] = ()  # any of these


def _clock_time(raw: str, field: str) -> time:
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise InvalidValue(f"{raw!r} is not a time of day like 09:00", field=field) from None


class CampaignState(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    STOPPED = "stopped"


class CampaignRefused(DomainError):
    code = "CAMPAIGN_REFUSED"


class Campaign(Aggregate):
    class Created(Aggregate.Created):
        tenant_id: UUID
        name: str
        template: str
        class_version = 2  # version 1 held `audience` and `guardrails` as plain JSON objects
        variables: dict[str, str]
        audience: Audience
        guardrails: Guardrails

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            typed_fields(state, audience=Audience, guardrails=Guardrails)

    class Scheduled(Aggregate.Event):
        start_at: datetime
        recipients: list[UUID]

    class Completed(Aggregate.Event):
        pass

    class Stopped(Aggregate.Event):
        reason: str

    @classmethod
    def create(
        cls,
        tenant_id: UUID,
        name: str,
        template: str,
        variables: dict[str, str],
        audience: Audience,
        guardrails: Guardrails,
    ) -> Campaign:
        return cls(
            tenant_id=tenant_id,
            name=require_text(name, "name", 120),
            template=template,
            variables=variables,
            audience=audience,
            guardrails=guardrails,
        )

    @event(Created)
    def __init__(
        self,
        tenant_id: UUID,
        name: str,
        template: str,
        variables: dict[str, str],
        audience: Audience,
        guardrails: Guardrails,
    ) -> None:
        self.tenant_id, self.name, self.template = tenant_id, name, template
        self.variables, self.audience, self.guardrails = variables, audience, guardrails
        self.state = CampaignState.DRAFT
        self.start_at: datetime | None = None
        self.recipients: list[UUID] = []

    @property
    def rails(self) -> Guardrails:
        return self.guardrails

    def message_id_for(self, customer_id: UUID) -> UUID:
        return uuid5(self.id, f"campaign-message:{customer_id}")

    def schedule(self, start_at: datetime, recipients: list[UUID]) -> None:
        if self.state is not CampaignState.DRAFT:
            raise CampaignRefused(f"campaign is {self.state.value}; only a draft can be scheduled")
        if start_at.tzinfo is None:
            raise InvalidValue("the start time needs a time zone", field="startAt")
        if not recipients:
            raise CampaignRefused("the audience is empty: no customer matches the filters")
        self._scheduled(start_at=start_at, recipients=recipients)

    @event(Scheduled)
    def _scheduled(self, start_at: datetime, recipients: list[UUID]) -> None:
        self.state, self.start_at, self.recipients = CampaignState.SCHEDULED, start_at, recipients

    def complete(self) -> None:
        if self.state is CampaignState.SCHEDULED:
            self._completed()

    @event(Completed)
    def _completed(self) -> None:
        self.state = CampaignState.COMPLETED

    def stop(self, reason: str) -> None:
        if self.state in {CampaignState.COMPLETED, CampaignState.STOPPED}:
            raise CampaignRefused(f"campaign is already {self.state.value}")
        self._stopped(reason=require_text(reason, "reason", 200))

    @event(Stopped)
    def _stopped(self, reason: str) -> None:
        self.state = CampaignState.STOPPED


class BroadcastDay(Aggregate):
    """What one tenant's number has broadcast on one tenant-local day: how many, and when the
    next message may go at the earliest (the last one plus a random gap)."""

    class Opened(Aggregate.Created):
        tenant_id: UUID
        day: date

    class Paced(Aggregate.Event):
        campaign_id: UUID
        message_id: UUID
        at: datetime
        next_at: datetime

    class CapReached(Aggregate.Event):
        count: int

    @staticmethod
    def id_for(tenant_id: UUID, day: date) -> UUID:
        return uuid5(tenant_id, f"broadcast-day:{day.isoformat()}")

    @classmethod
    def open(cls, tenant_id: UUID, day: date) -> BroadcastDay:
        return cls._create(cls.Opened, id=cls.id_for(tenant_id, day), tenant_id=tenant_id, day=day)

    @event(Opened)
    def __init__(self, tenant_id: UUID, day: date) -> None:
        self.tenant_id, self.day = tenant_id, day
        self.count = 0
        self.next_at: datetime | None = None
        self.capped = False

    def wait_until(self, now: datetime, rails: Guardrails) -> datetime | None:
        """None if a message may go at `now` (a timezone-aware time in the tenant's zone);
        otherwise the earliest moment worth asking again."""
        if self.count >= rails.daily_cap:
            return rails.next_opening(
                datetime.combine(self.day + timedelta(days=1), time(0), now.tzinfo)
            )
        opening = rails.next_opening(now)
        if opening != now:
            return opening
        if self.next_at is not None and now < self.next_at:
            return self.next_at
        return None

    def pace(
        self,
        campaign_id: UUID,
        message_id: UUID,
        now: datetime,
        gap_seconds: float,
        rails: Guardrails,
    ) -> None:
        if self.wait_until(now, rails) is not None:
            raise CampaignRefused("the guardrails do not allow a message now")
        if not rails.min_gap_seconds <= gap_seconds <= rails.max_gap_seconds:
            raise InvalidValue("the gap lies outside the guardrails", field="gap")
        self._paced(
            campaign_id=campaign_id,
            message_id=message_id,
            at=now,
            next_at=now + timedelta(seconds=gap_seconds),
        )
        if self.count >= rails.daily_cap:
            self._cap_reached(count=self.count)

    @event(Paced)
    def _paced(self, campaign_id: UUID, message_id: UUID, at: datetime, next_at: datetime) -> None:
        self.count += 1
        self.next_at = next_at

    @event(CapReached)
    def _cap_reached(self, count: int) -> None:
        self.capped = True
