"""Hotspot vouchers: the profiles they are sold under, the batches they are made in, and each
voucher's life from generated to sold, active, and expired or used up (or revoked).

A voucher's id derives from its tenant and username, so the event store itself keeps codes
unique: two batches drawing the same code at the same moment collide on insert and one retries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.routers import HotspotUser, tag_of
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.money import positive_amount
from domain.shared.payloads import typed_fields
from domain.shared.values import require_text
from domain.vouchers.voucher_codes import CodeSpec, check_quantity, routeros_duration

MAX_SHARED_USERS = 100
MAX_LEVELS = 5


class VoucherStateError(DomainError):
    code = "VOUCHER_STATE"


class VoucherAlreadySold(VoucherStateError):
    code = "VOUCHER_ALREADY_SOLD"


class CommissionKind(StrEnum):
    NONE = "none"
    LEVEL_MARGIN = "level_margin"  # each upline keeps the gap between its price and its child's
    FIXED = "fixed"  # a fixed amount per voucher for each upline depth
    MARGIN_PERCENT = "margin_percent"  # a percentage of (buyer's price - cost) per upline depth


def _optional_positive(value: int | None, field: str) -> int | None:
    return None if value is None else positive_amount(value, field)


def _price(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(f"{field} must be a whole amount of zero or more", field=field)
    return value


@dataclass(frozen=True)
class ProfileTerms:
    """What a voucher of a profile gives and costs. Durations in seconds, prices in rupiah."""

    hotspot_profile: str
    rate_limit: str | None
    validity_seconds: int
    time_quota_seconds: int | None
    data_quota_bytes: int | None
    shared_users: int
    cost_price: int
    selling_price: int
    agent_prices: tuple[int, ...]
    commission_kind: CommissionKind
    commission_values: tuple[int, ...]

    @classmethod
    def of(
        cls,
        hotspot_profile: str,
        *,
        validity_seconds: int,
        cost_price: int,
        selling_price: int,
        rate_limit: str | None = None,
        time_quota_seconds: int | None = None,
        data_quota_bytes: int | None = None,
        shared_users: int = 1,
        agent_prices: list[int] | tuple[int, ...] = (),
        commission_kind: str = CommissionKind.NONE,
        commission_values: list[int] | tuple[int, ...] = (),
    ) -> ProfileTerms:
        """Validated terms; each refusal names the field to fix."""
        if isinstance(shared_users, bool) or not 1 <= shared_users <= MAX_SHARED_USERS:
            raise InvalidValue(f"shared users must be 1-{MAX_SHARED_USERS}", field="sharedUsers")
        if len(agent_prices) > MAX_LEVELS:
            raise InvalidValue(f"at most {MAX_LEVELS} agent levels", field="agentPrices")
        try:
            kind = CommissionKind(commission_kind)
        except ValueError:
            known = ", ".join(k.value for k in CommissionKind)
            raise InvalidValue(
                f"commission kind must be one of {known}", field="commissionKind"
            ) from None
        values = tuple(_price(v, "commissionValues") for v in commission_values)
        if kind is CommissionKind.MARGIN_PERCENT and any(v > 100 for v in values):
            raise InvalidValue("commission percentages must be 0-100", field="commissionValues")
        if len(values) > MAX_LEVELS:
            raise InvalidValue(f"at most {MAX_LEVELS} commission levels", field="commissionValues")
        return cls(
            hotspot_profile=require_text(hotspot_profile, "hotspotProfile", 64),
            rate_limit=(rate_limit or "").strip() or None,
            validity_seconds=positive_amount(validity_seconds, "validity"),
            time_quota_seconds=_optional_positive(time_quota_seconds, "timeQuota"),
            data_quota_bytes=_optional_positive(data_quota_bytes, "dataQuota"),
            shared_users=shared_users,
            cost_price=_price(cost_price, "costPrice"),
            selling_price=_price(selling_price, "sellingPrice"),
            agent_prices=tuple(_price(p, "agentPrices") for p in agent_prices),
            commission_kind=kind,
            commission_values=values,
        )

    def changed(self, **changes: Any) -> ProfileTerms:
        """These terms with some fields replaced (None keeps a field), validated again."""
        current = asdict(self)
        unknown = set(changes) - set(current)
        if unknown:
            raise InvalidValue(f"unknown voucher profile fields: {sorted(unknown)}")
        merged = {**current, **{k: v for k, v in changes.items() if v is not None}}
        hotspot_profile = merged.pop("hotspot_profile")
        return ProfileTerms.of(hotspot_profile, **merged)

    def price_for_level(self, level: int) -> int:
        """What an agent of `level` (1 = directly under the owner) pays per voucher."""
        if not self.agent_prices:
            return self.selling_price
        return self.agent_prices[min(max(level, 1), len(self.agent_prices)) - 1]

    def commissions(self, buyer_level: int, upline: int) -> list[int]:
        """What each of `upline` ancestors (parent first) earns per voucher an agent of
        `buyer_level` buys; never negative, and together never more than the buyer's margin."""
        paid = self.price_for_level(buyer_level)
        margin = max(paid - self.cost_price, 0)
        earned = [self._commission(buyer_level, depth, margin) for depth in range(1, upline + 1)]
        return _capped([max(a, 0) for a in earned], margin)

    def _commission(self, buyer_level: int, depth: int, margin: int) -> int:
        kind, values = self.commission_kind, self.commission_values
        if kind is CommissionKind.LEVEL_MARGIN:
            level = buyer_level - depth  # the ancestor's own level
            return self.price_for_level(level + 1) - self.price_for_level(level)
        value = values[depth - 1] if depth <= len(values) else 0
        if kind is CommissionKind.FIXED:
            return value
        if kind is CommissionKind.MARGIN_PERCENT:
            return margin * value // 100
        return 0


class VoucherProfile(Aggregate):
    """A package customers buy by name (`BELI 3JAM`): its router, its terms and prices.

    `agent_prices[i]` is what an agent of level i+1 pays per voucher; deeper levels pay the last
    listed price, and with none listed agents pay the selling price. Its id derives from the
    tenant and its name, so the name finds it and names stay unique.
    """

    class Created(Aggregate.Created):
        class_version = 2  # version 1 held `terms` as a plain JSON object
        tenant_id: UUID
        name: str
        router_id: UUID
        terms: ProfileTerms

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            typed_fields(state, terms=ProfileTerms)

    class Updated(Aggregate.Event):
        class_version = 2  # version 1 held `terms` as a plain JSON object
        terms: ProfileTerms

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            typed_fields(state, terms=ProfileTerms)

    @staticmethod
    def id_for(tenant_id: UUID, name: str) -> UUID:
        return uuid5(tenant_id, f"voucher-profile:{name.strip().lower()}")

    @classmethod
    def create(
        cls, tenant_id: UUID, name: str, router_id: UUID, terms: ProfileTerms
    ) -> VoucherProfile:
        clean_name = require_text(name, "name", 32)
        if any(c.isspace() for c in clean_name):
            raise InvalidValue(
                "a voucher profile name is one word (customers type it)", field="name"
            )
        return cls._create(
            cls.Created,
            id=cls.id_for(tenant_id, clean_name),
            tenant_id=tenant_id,
            name=clean_name,
            router_id=router_id,
            terms=terms,
        )

    @event(Created)
    def __init__(self, tenant_id: UUID, name: str, router_id: UUID, terms: ProfileTerms) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.router_id = router_id
        self.terms = terms

    def update(self, terms: ProfileTerms) -> None:
        """New terms for vouchers sold from now on; vouchers already sold keep theirs."""
        if terms != self.terms:
            self._updated(terms=terms)

    @event(Updated)
    def _updated(self, terms: ProfileTerms) -> None:
        self.terms = terms


def _capped(earned: list[int], margin: int) -> list[int]:
    """Commissions paid out of a margin cannot exceed it: the nearest ancestors come first."""
    left, capped = margin, []
    for amount in earned:
        take = min(amount, left)
        capped.append(take)
        left -= take
    return capped


class VoucherBatch(Aggregate):
    """One generation: how many vouchers of which profile, how their codes look, for whom."""

    class Generated(Aggregate.Created):
        tenant_id: UUID
        profile_id: UUID
        quantity: int
        mode: str
        length: int
        charset: str
        prefix: str
        agent_id: UUID | None

    @classmethod
    def generate(
        cls,
        tenant_id: UUID,
        profile_id: UUID,
        quantity: int,
        spec: CodeSpec,
        agent_id: UUID | None = None,
        batch_id: UUID | None = None,
    ) -> VoucherBatch:
        return cls._create(
            cls.Generated,
            id=batch_id or uuid4(),
            tenant_id=tenant_id,
            profile_id=profile_id,
            quantity=check_quantity(quantity, spec),
            mode=spec.mode.value,
            length=spec.length,
            charset=spec.charset,
            prefix=spec.prefix,
            agent_id=agent_id,
        )

    @event(Generated)
    def __init__(
        self,
        tenant_id: UUID,
        profile_id: UUID,
        quantity: int,
        mode: str,
        length: int,
        charset: str,
        prefix: str,
        agent_id: UUID | None,
    ) -> None:
        self.tenant_id = tenant_id
        self.profile_id = profile_id
        self.quantity = quantity
        self.spec = CodeSpec.of(mode, length, charset, prefix)
        self.agent_id = agent_id


class VoucherStatus(StrEnum):
    GENERATED = "generated"
    SOLD = "sold"
    ACTIVE = "active"
    EXPIRED = "expired"
    USED_UP = "used_up"
    REVOKED = "revoked"


ENDED = frozenset({VoucherStatus.EXPIRED, VoucherStatus.USED_UP, VoucherStatus.REVOKED})


class Voucher(Aggregate):
    """One hotspot login. Validity is calendar time counted from the first login."""

    class Generated(Aggregate.Created):
        tenant_id: UUID
        batch_id: UUID
        profile_id: UUID
        username: str
        password: str

    class Sold(Aggregate.Event):
        agent_id: UUID | None
        price: int  # what the buyer paid Niaga's tenant for it
        sold_at: datetime

    class FirstLogin(Aggregate.Event):
        at: datetime
        expires_at: datetime

    class Expired(Aggregate.Event):
        at: datetime

    class UsedUp(Aggregate.Event):
        at: datetime

    class Revoked(Aggregate.Event):
        reason: str
        at: datetime

    @staticmethod
    def id_for(tenant_id: UUID, username: str) -> UUID:
        return uuid5(tenant_id, f"voucher:{username}")

    @classmethod
    def generate(
        cls,
        tenant_id: UUID,
        batch_id: UUID,
        profile_id: UUID,
        username: str,
        password: str,
    ) -> Voucher:
        return cls._create(
            cls.Generated,
            id=cls.id_for(tenant_id, username),
            tenant_id=tenant_id,
            batch_id=batch_id,
            profile_id=profile_id,
            username=username,
            password=password,
        )

    @event(Generated)
    def __init__(
        self, tenant_id: UUID, batch_id: UUID, profile_id: UUID, username: str, password: str
    ) -> None:
        self.tenant_id = tenant_id
        self.batch_id = batch_id
        self.profile_id = profile_id
        self.username = username
        self.password = password
        self.status = VoucherStatus.GENERATED
        self.agent_id: UUID | None = None
        self.price: int | None = None
        self.expires_at: datetime | None = None

    def sell(self, price: int, at: datetime, agent_id: UUID | None = None) -> None:
        if self.status is not VoucherStatus.GENERATED:
            raise VoucherAlreadySold(
                f"voucher {self.username} cannot be sold: it is {self.status.value}", field="id"
            )
        self._sold(agent_id=agent_id, price=_price(price, "price"), sold_at=at)

    @event(Sold)
    def _sold(self, agent_id: UUID | None, price: int, sold_at: datetime) -> None:
        self.status = VoucherStatus.SOLD
        self.agent_id = agent_id
        self.price = price

    def record_first_login(self, at: datetime, validity_seconds: int) -> None:
        """The router saw its first login: validity starts now. A voucher handed out without a
        recorded sale (printed stock sold for cash) can log in too."""
        if self.status is VoucherStatus.ACTIVE:
            return  # routers report logins more than once
        if self.status not in {VoucherStatus.GENERATED, VoucherStatus.SOLD}:
            raise VoucherStateError(
                f"voucher {self.username} is {self.status.value} and cannot log in", field="id"
            )
        self._first_login(at=at, expires_at=at + timedelta(seconds=validity_seconds))

    @event(FirstLogin)
    def _first_login(self, at: datetime, expires_at: datetime) -> None:
        self.status = VoucherStatus.ACTIVE
        self.expires_at = expires_at

    def is_due_to_expire(self, now: datetime) -> bool:
        return (
            self.status is VoucherStatus.ACTIVE
            and self.expires_at is not None
            and now >= self.expires_at
        )

    def expire(self, now: datetime) -> bool:
        """Expire if its validity has passed by `now`; True when it did."""
        if not self.is_due_to_expire(now):
            return False
        self._expired(at=now)
        return True

    @event(Expired)
    def _expired(self, at: datetime) -> None:
        self.status = VoucherStatus.EXPIRED

    def use_up(self, at: datetime) -> None:
        """Its time or data quota ran out on the router."""
        if self.status is not VoucherStatus.ACTIVE:
            raise VoucherStateError(
                f"voucher {self.username} is {self.status.value}, not active", field="id"
            )
        self._used_up(at=at)

    @event(UsedUp)
    def _used_up(self, at: datetime) -> None:
        self.status = VoucherStatus.USED_UP

    def revoke(self, reason: str, at: datetime) -> None:
        if self.status in ENDED:
            raise VoucherStateError(
                f"voucher {self.username} is already {self.status.value}", field="id"
            )
        self._revoked(reason=require_text(reason, "reason", 200), at=at)

    @event(Revoked)
    def _revoked(self, reason: str, at: datetime) -> None:
        self.status = VoucherStatus.REVOKED


def hotspot_user_of(voucher: Voucher, profile: VoucherProfile) -> HotspotUser | None:
    """The hotspot user the router should hold for a voucher; None once it has ended."""
    if voucher.status in ENDED:
        return None
    return HotspotUser(
        name=voucher.username,
        password=voucher.password,
        profile=profile.terms.hotspot_profile,
        limit_uptime=routeros_duration(profile.terms.time_quota_seconds),
        limit_bytes_total=profile.terms.data_quota_bytes,
        disabled=False,
        comment=tag_of(voucher.id),
    )


class VoucherSettings(Aggregate):
    """A tenant's voucher desk: the hotspot login address printed as a QR code, and the
    WhatsApp numbers of admins allowed to generate vouchers without a balance."""

    class Configured(Aggregate.Created):
        tenant_id: UUID
        login_url: str
        admin_phones: list[str]

    class Changed(Aggregate.Event):
        login_url: str
        admin_phones: list[str]

    @staticmethod
    def id_for(tenant_id: UUID) -> UUID:
        return uuid5(tenant_id, "voucher-settings")

    @classmethod
    def configure(cls, tenant_id: UUID, login_url: str, admin_phones: list[str]) -> VoucherSettings:
        return cls._create(
            cls.Configured,
            id=cls.id_for(tenant_id),
            tenant_id=tenant_id,
            login_url=_login_url(login_url),
            admin_phones=admin_phones,
        )

    @event(Configured)
    def __init__(self, tenant_id: UUID, login_url: str, admin_phones: list[str]) -> None:
        self.tenant_id = tenant_id
        self.login_url = login_url
        self.admin_phones = admin_phones

    def change(self, login_url: str, admin_phones: list[str]) -> None:
        self._changed(login_url=_login_url(login_url), admin_phones=admin_phones)

    @event(Changed)
    def _changed(self, login_url: str, admin_phones: list[str]) -> None:
        self.login_url = login_url
        self.admin_phones = admin_phones


def _login_url(raw: str) -> str:
    url = require_text(raw, "loginUrl", 200)
    if not url.startswith(("http://", "https://")) or any(c.isspace() for c in url):
        raise InvalidValue(f"login URL must be an http(s) address, got {raw!r}", field="loginUrl")
    return url
