"""The daily cycle: bill what is due and run dunning, for every tenant, on its own today.

Both steps are idempotent, so the scheduler simply repeats the cycle every interval; a missed
or doubled run costs nothing. Jobs can go through dramatiq (one per tenant) or run in-process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from adapters.bootstrap import Niaga
from application.billing.billing_run import BillingRunReport
from application.billing.dunning import DunningReport
from application.repairs.repairs import TimerReport
from application.shared.context import Actor, ActorKind, Principal
from application.vouchers.vouchers import UsageReport
from domain.shared.errors import DomainError
from domain.shared.roles import Role

log = logging.getLogger(__name__)
SCHEDULER = Actor(ActorKind.SYSTEM, "scheduler")


@dataclass(frozen=True)
class DailyCycle:
    tenant_id: UUID
    billing: BillingRunReport
    dunning: DunningReport
    repairs: TimerReport | None = None


def system_principal(tenant_id: UUID) -> Principal:
    return Principal(tenant_id, Role.OWNER, SCHEDULER)


def run_daily_cycle(niaga: Niaga, tenant_id: UUID, on: date | None = None) -> DailyCycle:
    principal = system_principal(tenant_id)
    day = on or niaga.today(tenant_id)
    billing = niaga.billing_run.run(principal, day, repeat_ok=True)
    dunning = niaga.dunning.run(principal, day)
    _reconcile_routers(niaga, tenant_id)
    repairs = run_repair_timers(niaga, tenant_id)
    poll_hotspot_usage(niaga, tenant_id)
    expire_vouchers(niaga, tenant_id)
    log.info(
        "tenant %s on %s: %d invoices, %d reminders",
        tenant_id,
        day,
        billing.invoices,
        dunning.reminders,
    )
    return DailyCycle(tenant_id, billing, dunning, repairs)


def run_repair_timers(niaga: Niaga, tenant_id: UUID) -> TimerReport:
    """The repair shop's timers as of the container's clock: SLA breaches, escalation of
    unanswered quotes, pick-up reminders. Idempotent, so every scheduler pass runs them."""
    report = niaga.repairs.run_timers(system_principal(tenant_id))
    if report.sla_breaches or report.escalated_quotes or report.pickup_reminders:
        log.info(
            "tenant %s repairs: %d SLA breaches, %d quotes escalated, %d pick-up reminders",
            tenant_id,
            len(report.sla_breaches),
            len(report.escalated_quotes),
            report.pickup_reminders,
        )
    return report


def _reconcile_routers(niaga: Niaga, tenant_id: UUID) -> None:
    """Repair drift on every router, one at a time: one that fails does not stop the others."""
    store = niaga.stores.for_tenant(tenant_id)
    for router in niaga.router_read_models.routers(store, tenant_id):
        if router.removed:
            continue
        try:
            repaired = niaga.provisioning.reconcile(tenant_id, router.name)
        except DomainError as error:
            log.warning("reconciling %s failed: %s", router.name, error.message)
            continue
        for line in repaired:
            log.info("reconciled %s: %s", router.name, line)


def poll_hotspot_usage(niaga: Niaga, tenant_id: UUID) -> UsageReport:
    """Read every router's hotspot counters: first logins start vouchers' validity, consumed
    quotas use them up. A router that fails does not stop the others; the next cycle reads
    it again (the counters only grow, so nothing is missed)."""
    principal = system_principal(tenant_id)
    store = niaga.stores.for_tenant(tenant_id)
    report = UsageReport([], [])
    for router in niaga.router_read_models.routers(store, tenant_id):
        if router.removed:
            continue
        try:
            usages = niaga.provisioning.hotspot_usage(tenant_id, router.name)
            found = niaga.vouchers.service.record_usage(principal, usages)
        except DomainError as error:
            log.warning("reading hotspot usage on %s failed: %s", router.name, error.message)
            continue
        report.first_logins.extend(found.first_logins)
        report.used_up.extend(found.used_up)
    if report.first_logins or report.used_up:
        log.info(
            "tenant %s: %d vouchers logged in, %d used up",
            tenant_id,
            len(report.first_logins),
            len(report.used_up),
        )
    return report


def expire_vouchers(niaga: Niaga, tenant_id: UUID) -> int:
    """Expire the tenant's vouchers whose validity has passed by the container's clock."""
    expired = niaga.vouchers.service.expire_due(system_principal(tenant_id))
    if expired:
        log.info("tenant %s: %d vouchers expired", tenant_id, expired)
    return expired


def run_scheduler(
    niaga: Niaga,
    stop: threading.Event,
    interval: float = 3600.0,
    dispatch: Callable[[UUID], None] | None = None,
) -> None:
    """Every `interval` seconds, run (or dispatch) the daily cycle of every tenant."""
    while not stop.is_set():
        for tenant in niaga.read_models.tenants():
            try:
                if dispatch:
                    dispatch(tenant.id)
                else:
                    run_daily_cycle(niaga, tenant.id)
            except Exception:
                log.exception("daily cycle of tenant %s failed; it runs again next time", tenant.id)
        stop.wait(interval)
