"""Vouchers on routers: each voucher's hotspot user pushed to its profile's router.

A voucher gets its hotspot user as soon as it is generated, so printed stock works the moment it
is handed out (as MikhMon users expect: the code on the paper is already a user on the router);
it loses it when it expires, is used up or is revoked. A first login changes nothing on the
router: the validity runs in Niaga and its expiry removes the user.

The log follower (adapters/provisioning_dispatcher.py) hands over the vouchers a page of events
touched: their desired users are recorded (no router call, so a router that is down never holds
up the log), then pushed per router as one job through the batch API, so a batch of a thousand
vouchers costs one connection and one transaction of outcomes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from application.routers import HotspotTarget, Outcome, ProvisioningService, RouterUnreachable
from application.shared.errors import NotFound
from application.shared.event_store import EventStore
from domain.vouchers.voucher import Voucher, VoucherProfile, hotspot_user_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HotspotBatch:
    """Vouchers of one tenant whose new state one router still has to get."""

    tenant_id: UUID
    router_id: UUID
    target_ids: list[UUID]


class VoucherProvisioning:
    def __init__(self, provisioning: ProvisioningService) -> None:
        self._provisioning = provisioning

    def want(self, store: EventStore, voucher_ids: Iterable[UUID]) -> list[HotspotBatch]:
        """Record what the routers should hold for these vouchers (of any tenant of `store`):
        no router is called. Returns, per tenant and router, the vouchers to push."""
        vouchers = [
            v for v in store.get_many(sorted(set(voucher_ids))).values() if isinstance(v, Voucher)
        ]
        profiles = store.get_many(sorted({v.profile_id for v in vouchers}))
        wanted: dict[tuple[UUID, UUID], list[HotspotTarget]] = {}
        for voucher in vouchers:
            profile = profiles.get(voucher.profile_id)
            if not isinstance(profile, VoucherProfile):
                continue  # a voucher is never saved without its profile; nothing to push
            target = HotspotTarget(voucher.id, hotspot_user_of(voucher, profile), voucher.version)
            wanted.setdefault((voucher.tenant_id, profile.router_id), []).append(target)
        batches = []
        for (tenant_id, router_id), targets in wanted.items():
            try:
                due = self._provisioning.want_hotspot_users(tenant_id, router_id, targets)
            except NotFound as error:  # the profile's router was removed: nowhere to push
                log.warning("vouchers on router %s not provisioned: %s", router_id, error.message)
                continue
            if due:
                batches.append(HotspotBatch(tenant_id, router_id, due))
        return batches

    def push(self, batch: HotspotBatch) -> list[Outcome]:
        """Push a batch over one connection. A router that does not answer has every
        voucher's failure recorded, and the dispatcher retries them with backoff."""
        try:
            return self._provisioning.push_hotspot_users(
                batch.tenant_id, batch.router_id, batch.target_ids
            )
        except RouterUnreachable as error:
            log.info("vouchers on router %s will be retried: %s", batch.router_id, error.message)
            return [Outcome(t, False, [], error.message) for t in batch.target_ids]
        except NotFound as error:
            log.warning("vouchers on router %s not provisioned: %s", batch.router_id, error.message)
            return [Outcome(t, False, [], error.message) for t in batch.target_ids]
