"""What a router should hold for a subscription, and the record of pushing it there.

The desired PPP secret is derived from the subscription alone, so a job can always recompute it:
jobs and reconciliation write only the difference between this and what the router has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.billing import Subscription, SubscriptionState
from domain.platform import IsolirPolicy
from domain.shared.errors import InvalidValue
from domain.shared.payloads import typed_fields
from domain.shared.text import printable

TAG_PREFIX = "niaga:"
SUBSCRIPTION, VOUCHER = "subscription", "voucher"
"""What a provisioning record pushes: a subscription's PPP secret, or a hotspot user."""
_DURATION = re.compile(r"^(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?$|^\d+:\d{2}:\d{2}$")


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

    def validated(self) -> HotspotUser:
        if not self.name or len(self.name) > 64 or self.name != self.name.strip():
            raise InvalidValue("a hotspot user needs a name of 1-64 characters", field="name")
        if not self.profile:
            raise InvalidValue("a hotspot user needs a profile", field="profile")
        if self.limit_uptime is not None and not (
            self.limit_uptime and _DURATION.match(self.limit_uptime)
        ):
            raise InvalidValue(
                f"limit-uptime {self.limit_uptime!r} is not a RouterOS duration such as 3h or 1d",
                field="limit_uptime",
            )
        if self.limit_bytes_total is not None and (
            isinstance(self.limit_bytes_total, bool) or self.limit_bytes_total <= 0
        ):
            raise InvalidValue(
                "limit-bytes-total must be a positive byte count", field="limit_bytes_total"
            )
        return self


def duration_seconds(duration: str | None) -> int | None:
    """A RouterOS duration in seconds: routers print them their own way (90m as 1h30m)."""
    if duration is None:
        return None
    if ":" in duration:
        hours, minutes, seconds = (int(part) for part in duration.split(":"))
        return hours * 3600 + minutes * 60 + seconds
    units = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([wdhms])", duration))


def hotspot_differences(have: HotspotUser, want: HotspotUser) -> list[str]:
    """The fields in which the router's hotspot user differs from the wanted one."""
    fields = [
        f
        for f in ("profile", "password", "limit_bytes_total", "disabled", "comment")
        if getattr(have, f) != getattr(want, f)
    ]
    if duration_seconds(have.limit_uptime) != duration_seconds(want.limit_uptime):
        fields.insert(1, "limit_uptime")
    return fields


def tag_of(subscription_id: UUID) -> str:
    """The comment that marks a router item as ours, so reconciliation knows what it may touch."""
    return f"{TAG_PREFIX}{subscription_id}"


def desired_secret(
    subscription: Subscription, password: str, isolir: IsolirPolicy | None = None
) -> PppSecret | None:
    """The PPP secret the router should have; None when it should have none."""
    isolir = isolir or IsolirPolicy()
    state = subscription.state
    if state in {SubscriptionState.PENDING, SubscriptionState.TERMINATED}:
        return None
    restricted = state is SubscriptionState.SOFT_LIMITED and isolir.mode == "profile"
    profile = isolir.profile if restricted else subscription.terms.router_profile
    return PppSecret(
        name=subscription.username,
        password=password,
        profile=profile,
        disabled=state is SubscriptionState.SUSPENDED,
        comment=tag_of(subscription.id),
    )


def isolir_list_of(subscription: Subscription, isolir: IsolirPolicy | None) -> str | None:
    """The address list the subscriber's address must be on, or None for none."""
    isolir = isolir or IsolirPolicy()
    if subscription.state is SubscriptionState.SOFT_LIMITED and isolir.mode == "address_list":
        return isolir.address_list
    return None


class Provisioning(Aggregate):
    """The outcome of pushing one target's state to its router, attempt by attempt.

    A target is a subscription (its PPP secret) or, with `kind` "voucher", a hotspot user whose
    desired state is recorded here by `want_hotspot_user`. `subscription_id` in the events is the
    target's id whatever its kind (the name predates hotspot users)."""

    class Started(Aggregate.Created):
        tenant_id: UUID
        subscription_id: UUID
        kind: str = SUBSCRIPTION

    class HotspotUserWanted(Aggregate.Event):
        """What the router should hold for a hotspot user; `user` None means no user at all.
        The password in `user` is sealed with the platform key."""

        class_version = 2  # version 1 held `user` as a plain JSON object
        tenant_id: UUID
        subscription_id: UUID
        router_id: UUID
        router: str
        user: HotspotUser | None
        version: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            typed_fields(state, user=HotspotUser | None)

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

    class RetryRequested(Aggregate.Event):
        """Someone asked for a failed push (a refused one, say) to be tried again now."""

        subscription_id: UUID

    @staticmethod
    def id_for(subscription_id: UUID) -> UUID:
        return uuid5(subscription_id, "provisioning")

    @classmethod
    def start(
        cls, tenant_id: UUID, subscription_id: UUID, kind: str = SUBSCRIPTION
    ) -> Provisioning:
        if kind not in (SUBSCRIPTION, VOUCHER):
            raise InvalidValue(f"unknown provisioning kind {kind!r}", field="kind")
        return cls._create(
            cls.Started,
            id=cls.id_for(subscription_id),
            tenant_id=tenant_id,
            subscription_id=subscription_id,
            kind=kind,
        )

    @event(Started)
    def __init__(self, tenant_id: UUID, subscription_id: UUID, kind: str = SUBSCRIPTION) -> None:
        self.tenant_id = tenant_id
        self.subscription_id = subscription_id
        self.kind = kind
        self.synced_version = 0
        self.attempts = 0
        self.last_error: str | None = None
        self.router_id: UUID | None = None
        self.router: str | None = None
        self.wanted_user: HotspotUser | None = None
        self.wanted_version = 0
        self.hotspot_name: str | None = None
        self.will_retry = True  # false while a refusal waits for a change or a manual retry
        self.failed_version = 0

    @property
    def target_id(self) -> UUID:
        return self.subscription_id

    def want_hotspot_user(
        self, router_id: UUID, router: str, user: HotspotUser | None, version: int
    ) -> bool:
        """Record a newer desired state; False when `version` is not newer than the last one."""
        if self.kind != VOUCHER:
            raise InvalidValue("only a voucher's record holds a hotspot user", field="kind")
        if version <= self.wanted_version:
            return False
        self._hotspot_user_wanted(
            tenant_id=self.tenant_id,
            subscription_id=self.subscription_id,
            router_id=router_id,
            router=router,
            user=user,
            version=version,
        )
        return True

    @event(HotspotUserWanted)
    def _hotspot_user_wanted(
        self,
        tenant_id: UUID,
        subscription_id: UUID,
        router_id: UUID,
        router: str,
        user: HotspotUser | None,
        version: int,
    ) -> None:
        self.router_id, self.router = router_id, router
        self.wanted_user, self.wanted_version = user, version
        if user is not None:
            self.hotspot_name = user.name

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
        self.will_retry = True

    def fail(
        self, router: str, version: int, message: str, will_retry: bool, repeats: int = 0
    ) -> None:
        """Record a failed attempt; `repeats` earlier identical failures, not recorded one by
        one, are counted in its attempt number."""
        self._failed(
            subscription_id=self.subscription_id,
            router=router,
            version=version,
            message=printable(message, 500),
            attempt=self.attempts + 1 + repeats,
            will_retry=will_retry,
        )

    def repeats_failure(self, version: int, will_retry: bool) -> bool:
        """Whether a retryable failure at `version` repeats the one last recorded (the target
        has not synced since), so that recording it again would say nothing new."""
        return (
            will_retry and self.will_retry and self.attempts > 0 and self.failed_version == version
        )

    def request_retry(self) -> None:
        if self.attempts == 0:
            raise InvalidValue("nothing to retry: the last push did not fail", field="target_id")
        self._retry_requested(subscription_id=self.subscription_id)

    @event(RetryRequested)
    def _retry_requested(self, subscription_id: UUID) -> None:
        self.will_retry = True
        self.attempts = 0  # the retry is due at once, and its attempts are counted afresh

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
        self.will_retry = will_retry
        self.failed_version = version
