"""Voucher use-cases: profiles, the voucher desk's settings, selling stock, first logins,
revoking, and the expiry the scheduler enforces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from application.routers import HotspotUsage
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.errors import NotFound
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, find, load, require
from application.vouchers.agents import AgentService
from application.vouchers.ports import VoucherReadModels
from application.vouchers.voucher_batches import find_profile
from domain.routers.router import Router
from domain.shared.errors import InvalidValue
from domain.shared.text import check_line
from domain.shared.values import normalise_phone
from domain.vouchers.voucher import (
    ProfileTerms,
    Voucher,
    VoucherAlreadySold,
    VoucherProfile,
    VoucherSettings,
    VoucherStatus,
)

EXPIRY_BATCH = 500
MAX_SALE = 1000


@dataclass(frozen=True)
class UsageReport:
    """What one reading of a router's counters changed."""

    first_logins: list[str]
    used_up: list[str]


@dataclass(frozen=True)
class CreateVoucherProfile:
    name: str
    router_id: UUID
    terms: ProfileTerms


class VoucherService:
    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        clock: Clock,
        agents: AgentService,
        read_models: VoucherReadModels,
    ) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock
        self._agents = agents
        self._read_models = read_models

    def configure(self, principal: Principal, login_url: str, admin_phones: list[str]) -> None:
        """Set the hotspot login address (printed as QR codes) and the admins' WhatsApp numbers."""
        authorize(principal, Permission.MANAGE_VOUCHERS)
        store = self._store(principal)
        phones = sorted({normalise_phone(p) for p in admin_phones})
        settings = self.settings(principal.tenant_id)
        if settings is None:
            settings = VoucherSettings.configure(principal.tenant_id, login_url, phones)
        else:
            settings.change(login_url, phones)
        self._saver.save(store, principal, "ConfigureVouchers", settings)

    def settings_for(self, principal: Principal) -> VoucherSettings | None:
        authorize(principal, Permission.MANAGE_VOUCHERS)
        return self.settings(principal.tenant_id)

    def settings(self, tenant_id: UUID) -> VoucherSettings | None:
        store = self._stores.for_tenant(tenant_id)
        return find(store, VoucherSettings, VoucherSettings.id_for(tenant_id))

    def create_profile(self, principal: Principal, command: CreateVoucherProfile) -> UUID:
        authorize(principal, Permission.MANAGE_VOUCHERS)
        store = self._store(principal)
        require(store, Router, command.router_id, principal.tenant_id, "router", "router_id")
        profile = VoucherProfile.create(
            principal.tenant_id, command.name, command.router_id, command.terms
        )
        taken = InvalidValue(f"a voucher profile named {profile.name} exists", field="name")
        if find(store, VoucherProfile, profile.id):
            raise taken
        self._saver.save(store, principal, "CreateVoucherProfile", profile, conflict=taken)
        return profile.id

    def update_profile(
        self, principal: Principal, profile_id: UUID, changes: dict[str, object]
    ) -> None:
        """Change a profile's terms; fields left out (None) keep their value."""
        authorize(principal, Permission.MANAGE_VOUCHERS)
        store = self._store(principal)
        profile = load(store, VoucherProfile, profile_id, principal.tenant_id, "voucher profile")
        profile.update(profile.terms.changed(**changes))
        self._saver.save(store, principal, "UpdateVoucherProfile", profile)

    def profile(self, tenant_id: UUID, name_or_id: str) -> VoucherProfile:
        return find_profile(self._stores.for_tenant(tenant_id), tenant_id, name_or_id)

    def sell(self, principal: Principal, voucher_ids: list[UUID], price: int | None = None) -> int:
        """Record the sale of stock vouchers (e.g. for cash at the counter), all or none; a
        voucher sold before refuses the whole sale. Returns the total price."""
        authorize(principal, Permission.SELL_VOUCHERS)
        if not 1 <= len(voucher_ids) <= MAX_SALE or len(set(voucher_ids)) != len(voucher_ids):
            raise InvalidValue(f"sell 1-{MAX_SALE} distinct vouchers at once", field="ids")
        store = self._store(principal)
        now = self._clock.now()
        vouchers = [self._voucher(store, principal.tenant_id, v) for v in voucher_ids]
        total = 0
        for voucher in vouchers:
            unit = price if price is not None else self._selling_price(store, voucher)
            voucher.sell(unit, now)
            total += unit
        conflict = VoucherAlreadySold("one of the vouchers was sold meanwhile", field="ids")
        self._saver.save(store, principal, "SellVouchers", *vouchers, conflict=conflict)
        return total

    def record_first_login(
        self, principal: Principal, username: str, at: datetime | None = None
    ) -> Voucher:
        """The router reports a voucher's first login: its validity starts counting."""
        authorize(principal, Permission.SELL_VOUCHERS)
        store = self._store(principal)
        voucher = self._by_username(store, principal.tenant_id, username)
        profile = load(
            store, VoucherProfile, voucher.profile_id, principal.tenant_id, "voucher profile"
        )
        voucher.record_first_login(at or self._clock.now(), profile.terms.validity_seconds)
        self._saver.save(store, principal, "RecordFirstLogin", voucher)
        return voucher

    def record_usage(self, principal: Principal, usages: Sequence[HotspotUsage]) -> UsageReport:
        """What a router counted for its hotspot users (the source of first logins): a voucher
        not started yet with any uptime or traffic has logged in, and its validity starts at
        the reading's time less its uptime; an active voucher whose time or data quota is
        consumed is used up. Users that are not vouchers are ignored; all changes are saved
        together."""
        authorize(principal, Permission.SELL_VOUCHERS)
        store = self._store(principal)
        now = self._clock.now()
        by_id = {Voucher.id_for(principal.tenant_id, u.name): u for u in usages}
        found = store.get_many(list(by_id))
        vouchers = [
            v
            for v in found.values()
            if isinstance(v, Voucher) and v.tenant_id == principal.tenant_id
        ]
        profiles = store.get_many(sorted({v.profile_id for v in vouchers}))
        report = UsageReport([], [])
        changed = []
        for voucher in vouchers:
            profile = profiles.get(voucher.profile_id)
            if isinstance(profile, VoucherProfile) and _apply_usage(
                voucher, profile, by_id[voucher.id], now, report
            ):
                changed.append(voucher)
        if changed:
            self._saver.save(store, principal, "RecordHotspotUsage", *changed)
        return report

    def record_used_up(self, principal: Principal, username: str) -> Voucher:
        """The router reports the voucher's time or data quota ran out."""
        authorize(principal, Permission.SELL_VOUCHERS)
        store = self._store(principal)
        voucher = self._by_username(store, principal.tenant_id, username)
        voucher.use_up(self._clock.now())
        self._saver.save(store, principal, "RecordVoucherUsedUp", voucher)
        return voucher

    def revoke(
        self, principal: Principal, voucher_id: UUID, reason: str, refund: bool = False
    ) -> None:
        """Revoke a voucher; with `refund`, an agent that bought it and never saw it used gets
        its price back in the same transaction."""
        authorize(principal, Permission.MANAGE_VOUCHERS)
        store = self._store(principal)
        voucher = self._voucher(store, principal.tenant_id, voucher_id)
        refundable = voucher.agent_id is not None and voucher.status.value == "sold"
        voucher.revoke(reason, self._clock.now())
        changed: list[object] = [voucher]
        if refund:
            if not refundable or voucher.agent_id is None or not voucher.price:
                raise InvalidValue(
                    "only a voucher an agent bought and nobody used can be refunded",
                    field="refund",
                )
            agent = self._agents.load(store, principal.tenant_id, voucher.agent_id)
            agent.refund(voucher.price, voucher.id, reason)
            changed.append(agent)
        self._saver.save(store, principal, "RevokeVoucher", *changed)

    def expire_due(self, principal: Principal, now: datetime | None = None) -> int:
        """Expire every active voucher whose validity has passed by `now` (the clock's now by
        default); returns how many. The scheduler calls this every cycle."""
        authorize(principal, Permission.MANAGE_VOUCHERS)
        store = self._store(principal)
        moment = now or self._clock.now()
        expired = 0
        while due := self._read_models.due_to_expire(
            store, principal.tenant_id, moment, EXPIRY_BATCH
        ):
            found = store.get_many(due)
            vouchers = [v for v in found.values() if isinstance(v, Voucher) and v.expire(moment)]
            if not vouchers:
                break  # the read model is behind the store; the next cycle finds them
            self._saver.save(store, principal, "ExpireVouchers", *vouchers)
            expired += len(vouchers)
        return expired

    def _voucher(self, store: EventStore, tenant_id: UUID, voucher_id: UUID) -> Voucher:
        return load(store, Voucher, voucher_id, tenant_id, "voucher")

    def _by_username(self, store: EventStore, tenant_id: UUID, username: str) -> Voucher:
        wanted = check_line((username or "").strip(), "username")
        voucher = find(store, Voucher, Voucher.id_for(tenant_id, wanted))
        if voucher is None or voucher.tenant_id != tenant_id:
            raise NotFound(f"no voucher {username!r}", field="username")
        return voucher

    def _selling_price(self, store: EventStore, voucher: Voucher) -> int:
        profile = load(store, VoucherProfile, voucher.profile_id, voucher.tenant_id, "profile")
        return profile.terms.selling_price

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)


def _apply_usage(
    voucher: Voucher,
    profile: VoucherProfile,
    usage: HotspotUsage,
    now: datetime,
    report: UsageReport,
) -> bool:
    """Apply one reading to a voucher; True when it changed."""
    changed = False
    started = usage.uptime_seconds > 0 or usage.bytes_total > 0
    if started and voucher.status in {VoucherStatus.GENERATED, VoucherStatus.SOLD}:
        # The counters say how long it has been online: it logged in at least that long ago.
        at = now - timedelta(seconds=usage.uptime_seconds)
        voucher.record_first_login(at, profile.terms.validity_seconds)
        report.first_logins.append(voucher.username)
        changed = True
    if voucher.status is VoucherStatus.ACTIVE and _quota_consumed(profile, usage):
        voucher.use_up(now)
        report.used_up.append(voucher.username)
        changed = True
    return changed


def _quota_consumed(profile: VoucherProfile, usage: HotspotUsage) -> bool:
    time_quota, data_quota = profile.terms.time_quota_seconds, profile.terms.data_quota_bytes
    return (time_quota is not None and usage.uptime_seconds >= time_quota) or (
        data_quota is not None and usage.bytes_total >= data_quota
    )
