"""Usage the platform bills by: each report of it to Stripe, and the daily count of a tenant's
active subscribers (the one usage no single event records)."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.platform.plans import Meter
from domain.shared.errors import InvalidValue

_IDS = UUID("5e3a1c7b-2d4f-4a86-b0e9-7c1d2f3a4b5c")
MAX_IDENTIFIER = 100  # Stripe's limit on a meter event's identifier


def identifier_for(meter: Meter, source_id: UUID, version: int) -> str:
    """The meter event's identifier: the meter and the identity of the event that recorded the
    usage (its aggregate and version, which a move to another store keeps). Stripe takes one
    identifier once, so a report sent again after a lost answer never counts twice."""
    return f"niaga:{meter.value}:{source_id}:{version}"


def report_id(identifier: str) -> UUID:
    """The id of the report job (and of its outcome's aggregate) for an identifier."""
    return uuid5(_IDS, identifier)


class MeterReport(Aggregate):
    """The outcome of reporting one usage to Stripe: reported, failed (retried by the process
    manager), or refused for good (no platform subscription, or too old for Stripe)."""

    class Started(Aggregate.Created):
        tenant_id: UUID
        meter: str
        identifier: str
        value: int

    class Reported(Aggregate.Event):
        attempt: int

    class Failed(Aggregate.Event):
        attempt: int
        error: str

    class Refused(Aggregate.Event):
        reason: str

    @classmethod
    def start(cls, tenant_id: UUID, meter: Meter, identifier: str, value: int) -> MeterReport:
        if not identifier or len(identifier) > MAX_IDENTIFIER:
            raise InvalidValue("a meter identifier is 1-100 characters", field="identifier")
        if value < 0:
            raise InvalidValue("usage cannot be negative", field="value")
        return cls._create(
            cls.Started,
            id=report_id(identifier),
            tenant_id=tenant_id,
            meter=meter.value,
            identifier=identifier,
            value=value,
        )

    @event(Started)
    def __init__(self, tenant_id: UUID, meter: str, identifier: str, value: int) -> None:
        self.tenant_id = tenant_id
        self.meter = Meter(meter)
        self.identifier = identifier
        self.value = value
        self.attempts = 0
        self.finished = False

    def reported(self) -> None:
        self._reported(attempt=self.attempts + 1)

    @event(Reported)
    def _reported(self, attempt: int) -> None:
        self.attempts, self.finished = attempt, True

    def failed(self, error: str) -> None:
        self._failed(attempt=self.attempts + 1, error=error[:500])

    @event(Failed)
    def _failed(self, attempt: int, error: str) -> None:
        self.attempts = attempt

    def refuse(self, reason: str) -> None:
        self._refused(reason=reason[:500])

    @event(Refused)
    def _refused(self, reason: str) -> None:
        self.finished = True


class ActiveSubscriberCount(Aggregate):
    """How many subscribers a tenant had active (or soft-limited: still served) on one day,
    counted once from the billing read models, in the tenant's store."""

    class Counted(Aggregate.Created):
        tenant_id: UUID
        day: date
        count: int

    @staticmethod
    def id_for(tenant_id: UUID, day: date) -> UUID:
        return uuid5(_IDS, f"active-subscribers:{tenant_id}:{day.isoformat()}")

    @classmethod
    def record(cls, tenant_id: UUID, day: date, count: int) -> ActiveSubscriberCount:
        return cls._create(
            cls.Counted, id=cls.id_for(tenant_id, day), tenant_id=tenant_id, day=day, count=count
        )

    @event(Counted)
    def __init__(self, tenant_id: UUID, day: date, count: int) -> None:
        self.tenant_id, self.day, self.count = tenant_id, day, count
