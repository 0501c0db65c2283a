"""What a router should hold for a subscription, and the record of pushing it there.

The desired PPP secret is derived from the subscription alone, so a job can always recompute it:
jobs and reconciliation write only the difference between this and what the router has.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.subscription import Subscription, SubscriptionState

TAG_PREFIX = "niaga:"
DEFAULT_ISOLIR_PROFILE = "isolir"


@dataclass(frozen=True)
class PppSecret:
    name: str
    password: str
    profile: str
    disabled: bool
    comment: str


@dataclass(frozen=True)
class HotspotUser:
    """A hotspot login on a router (`/ip/hotspot/user`), e.g. for a voucher.

    `limit_uptime` is a RouterOS duration ("3h", "1d"); `None` limits mean unlimited."""

    name: str
    password: str
    profile: str
    limit_uptime: str | None
    limit_bytes_total: int | None
    disabled: bool
    comment: str


def tag_of(subscription_id: UUID) -> str:
    """The comment that marks a router item as ours, so reconciliation knows what it may touch."""
    return f"{TAG_PREFIX}{subscription_id}"


def desired_secret(
    subscription: Subscription, password: str, isolir_profile: str = DEFAULT_ISOLIR_PROFILE
) -> PppSecret | None:
    """The PPP secret the router should have; None when it should have none."""
    state = subscription.state
    if state in {SubscriptionState.PENDING, SubscriptionState.TERMINATED}:
        return None
    profile = (
        isolir_profile
        if state is SubscriptionState.SOFT_LIMITED
        else subscription.terms.router_profile
    )
    return PppSecret(
        name=subscription.username,
        password=password,
        profile=profile,
        disabled=state is SubscriptionState.SUSPENDED,
        comment=tag_of(subscription.id),
    )


class Provisioning(Aggregate):
    """The outcome of pushing one subscription's state to its router, attempt by attempt."""

    class Started(Aggregate.Created):
        tenant_id: UUID
        subscription_id: UUID

    class Provisioned(Aggregate.Event):
        subscription_id: UUID
        router: str
        version: int  # the subscription version now on the router
        changes: list[str]

    class Failed(Aggregate.Event):
        subscription_id: UUID
        router: str
        version: int
        message: str
        attempt: int
        will_retry: bool

    @staticmethod
    def id_for(subscription_id: UUID) -> UUID:
        return uuid5(subscription_id, "provisioning")

    @classmethod
    def start(cls, tenant_id: UUID, subscription_id: UUID) -> Provisioning:
        return cls._create(
            cls.Started,
            id=cls.id_for(subscription_id),
            tenant_id=tenant_id,
            subscription_id=subscription_id,
        )

    @event(Started)
    def __init__(self, tenant_id: UUID, subscription_id: UUID) -> None:
        self.tenant_id = tenant_id
        self.subscription_id = subscription_id
        self.synced_version = 0
        self.attempts = 0
        self.last_error: str | None = None

    def succeed(self, router: str, version: int, changes: list[str]) -> None:
        self._provisioned(
            subscription_id=self.subscription_id, router=router, version=version, changes=changes
        )

    @event(Provisioned)
    def _provisioned(
        self, subscription_id: UUID, router: str, version: int, changes: list[str]
    ) -> None:
        self.synced_version = max(self.synced_version, version)
        self.attempts = 0
        self.last_error = None

    def fail(self, router: str, version: int, message: str, will_retry: bool) -> None:
        self._failed(
            subscription_id=self.subscription_id,
            router=router,
            version=version,
            message=message[:500],
            attempt=self.attempts + 1,
            will_retry=will_retry,
        )

    @event(Failed)
    def _failed(
        self,
        subscription_id: UUID,
        router: str,
        version: int,
        message: str,
        attempt: int,
        will_retry: bool,
    ) -> None:
        self.attempts = attempt
        self.last_error = message
