"""An API key for the language model: the platform's (any tenant may use it) or a tenant's own.

The key itself is stored sealed only. A key the provider rate-limits cools down for one model
until the time the provider named; a key the provider refuses as invalid is disabled for good."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.shared.text import check_line, printable

MAX_LABEL = 80
MAX_FAULT_MESSAGE = 300


class KeyScope(StrEnum):
    PLATFORM = "platform"  # kept in the platform store, used for every tenant
    TENANT = "tenant"  # kept in the tenant's store, used for that tenant first


class KeyStatus(StrEnum):
    ACTIVE = "active"
    COOLING = "cooling"  # rate-limited or failing on some model until a time
    DISABLED = "disabled"


class DisabledBecause(StrEnum):
    INVALID = "invalid_key"  # the provider refused the key (400 API_KEY_INVALID, 401, 403)
    BY_STAFF = "by_staff"


@dataclass(frozen=True)
class KeyFault:
    """What the provider answered when a call with the key failed."""

    http_status: int  # 0 when no answer came (refused connection, time-out)
    status: str  # the provider's word: RESOURCE_EXHAUSTED, API_KEY_INVALID, ...
    message: str
    model: str

    @classmethod
    def of(cls, http_status: int, status: str, message: str, model: str) -> KeyFault:
        """Text from outside made storable and short: it is evidence, never refused."""
        return cls(
            http_status,
            printable(status, 64),
            printable(message, MAX_FAULT_MESSAGE),
            printable(model, 100),
        )

    def shown(self) -> str:
        return f"{self.http_status} {self.status} on {self.model}: {self.message}"


def label_of(raw: str) -> str:
    return check_line((raw or "").strip() or "key", "label", max_length=MAX_LABEL)


class AiKey(Aggregate):
    """One API key. `tenant_id` is None for a platform key."""

    class Added(Aggregate.Created):
        tenant_id: UUID | None
        label: str
        key_sealed: str

    class CooledDown(Aggregate.Event):
        model: str
        until: datetime
        fault: KeyFault

    class Disabled(Aggregate.Event):
        reason: str
        fault: KeyFault | None

    @classmethod
    def add(cls, tenant_id: UUID | None, label: str, key_sealed: str) -> AiKey:
        return cls._create(
            cls.Added,
            id=uuid4(),
            tenant_id=tenant_id,
            label=label_of(label),
            key_sealed=key_sealed,
        )

    @event(Added)
    def __init__(self, tenant_id: UUID | None, label: str, key_sealed: str) -> None:
        self.tenant_id = tenant_id
        self.label = label
        self.key_sealed = key_sealed
        self.cooling: dict[str, datetime] = {}
        self.disabled: DisabledBecause | None = None
        self.last_fault: KeyFault | None = None

    @property
    def scope(self) -> KeyScope:
        return KeyScope.PLATFORM if self.tenant_id is None else KeyScope.TENANT

    def usable_for(self, model: str, now: datetime) -> bool:
        return self.disabled is None and self.cooling.get(model, now) <= now

    def status(self, now: datetime) -> KeyStatus:
        if self.disabled is not None:
            return KeyStatus.DISABLED
        if any(until > now for until in self.cooling.values()):
            return KeyStatus.COOLING
        return KeyStatus.ACTIVE

    def cool_down(self, model: str, until: datetime, fault: KeyFault) -> bool:
        """Rest the key on `model` until `until`; False (nothing recorded) when it already rests
        that long or is disabled."""
        resting = self.cooling.get(model)
        if self.disabled is not None or (resting is not None and resting >= until):
            return False
        self._cooled_down(model=model, until=until, fault=fault)
        return True

    @event(CooledDown)
    def _cooled_down(self, model: str, until: datetime, fault: KeyFault) -> None:
        self.cooling = {**self.cooling, model: until}
        self.last_fault = fault

    def disable(self, reason: DisabledBecause, fault: KeyFault | None = None) -> bool:
        """False (nothing recorded) when the key is disabled already."""
        if self.disabled is not None:
            return False
        self._disabled(reason=reason.value, fault=fault)
        return True

    @event(Disabled)
    def _disabled(self, reason: str, fault: KeyFault | None) -> None:
        self.disabled = DisabledBecause(reason)
        self.last_fault = fault or self.last_fault
