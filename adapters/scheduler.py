"""The daily cycle: bill what is due and run dunning, for every tenant, on its own today; then
repair router drift, run the repair shop's timers, read hotspot usage and expire vouchers; and
from 05:00 in the tenant's zone, compile yesterday's CEO digest if it is not there yet.

Every step is idempotent, so the scheduler simply repeats the cycle every interval; a missed
or doubled run costs nothing. Jobs can go through dramatiq (one per tenant) or run in-process.
It composes several areas, so it sits beside the wiring, which hands it the services it uses.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from adapters.audit.backup import Backups, DailyBackup
from adapters.customers.read_models import PostgresReadModels
from adapters.routers.read_models import PostgresRouterReadModels
from adapters.shared.stores import PostgresStores
from adapters.shared.supervision import GIVE_UP_AFTER, Recovery
from application.ai.digest import CeoDigests
from application.billing.billing_run import BillingRun, BillingRunReport
from application.billing.dunning import Dunning, DunningReport
from application.platform.moves import TenantMoves
from application.repairs.repairs import RepairService, TimerReport
from application.routers.provisioning import ProvisioningService
from application.shared.context import Actor, ActorKind, Principal
from application.shared.tenancy import TenantCalendar
from application.vouchers.vouchers import UsageReport, VoucherService
from domain.shared.errors import DomainError
from domain.shared.roles import Role
from domain.shared.tenant_writes import TenantWrites

log = logging.getLogger(__name__)
SCHEDULER = Actor(ActorKind.SYSTEM, "scheduler")
IDLE_BEAT = 5.0  # seconds between beats while the scheduler waits for its next pass


@dataclass(frozen=True)
class DailyCycle:
    tenant_id: UUID
    billing: BillingRunReport
    dunning: DunningReport
    repairs: TimerReport | None = None
    digest: UUID | None = None  # the CEO digest compiled in this cycle, if any


def system_principal(tenant_id: UUID) -> Principal:
    return Principal(tenant_id, Role.OWNER, SCHEDULER)


@dataclass(frozen=True)
class Scheduler:
    """Runs each tenant's daily cycle with the services it is given."""

    tenants: PostgresReadModels
    stores: PostgresStores
    router_views: PostgresRouterReadModels
    calendar: TenantCalendar
    billing_run: BillingRun
    dunning: Dunning
    repairs: RepairService
    provisioning: ProvisioningService
    vouchers: VoucherService
    backups: Backups | None = None
    digests: CeoDigests | None = None
    moves: TenantMoves | None = None

    def run_daily_cycle(self, tenant_id: UUID, on: date | None = None) -> DailyCycle:
        principal = system_principal(tenant_id)
        day = on or self.calendar.today(tenant_id)
        billing = self.billing_run.run(principal, day, repeat_ok=True)
        dunning = self.dunning.run(principal, day)
        self._reconcile_routers(tenant_id)
        repairs = self.run_repair_timers(tenant_id)
        self.poll_hotspot_usage(tenant_id)
        self.expire_vouchers(tenant_id)
        digest = self.compile_digest(tenant_id)
        log.info(
            "tenant %s on %s: %d invoices, %d reminders",
            tenant_id,
            day,
            billing.invoices,
            dunning.reminders,
        )
        return DailyCycle(tenant_id, billing, dunning, repairs, digest)

    def compile_digest(self, tenant_id: UUID) -> UUID | None:
        """Yesterday's CEO digest, once the tenant's clock is past 05:00 and it is not there
        yet (so every pass may ask: only the first one after 05:00 compiles it). It never waits
        for AI longer than the AI call's deadline, and AI failing still gives a digest."""
        if self.digests is None:
            return None
        digest = self.digests.compile_due(tenant_id)
        if digest is not None:
            log.info("tenant %s: CEO digest %s compiled", tenant_id, digest)
        return digest

    def run_repair_timers(self, tenant_id: UUID) -> TimerReport:
        """The repair shop's timers as of the container's clock: SLA breaches, escalation of
        unanswered quotes, pick-up reminders. Idempotent, so every scheduler pass runs them."""
        report = self.repairs.run_timers(system_principal(tenant_id))
        if report.sla_breaches or report.escalated_quotes or report.pickup_reminders:
            log.info(
                "tenant %s repairs: %d SLA breaches, %d quotes escalated, %d pick-up reminders",
                tenant_id,
                len(report.sla_breaches),
                len(report.escalated_quotes),
                report.pickup_reminders,
            )
        return report

    def poll_hotspot_usage(self, tenant_id: UUID) -> UsageReport:
        """Read every router's hotspot counters: first logins start vouchers' validity, consumed
        quotas use them up. A router that fails does not stop the others; the next cycle reads
        it again (the counters only grow, so nothing is missed)."""
        principal = system_principal(tenant_id)
        report = UsageReport([], [])
        for router in self._routers_in_service(tenant_id):
            try:
                usages = self.provisioning.hotspot_usage(tenant_id, router)
                found = self.vouchers.record_usage(principal, usages)
            except DomainError as error:
                log.warning("reading hotspot usage on %s failed: %s", router, error.message)
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

    def expire_vouchers(self, tenant_id: UUID) -> int:
        """Expire the tenant's vouchers whose validity has passed by the container's clock."""
        expired = self.vouchers.expire_due(system_principal(tenant_id))
        if expired:
            log.info("tenant %s: %d vouchers expired", tenant_id, expired)
        return expired

    def run(
        self,
        stop: threading.Event,
        interval: float = 3600.0,
        dispatch: Callable[[UUID], None] | None = None,
        beat: Callable[[], object] | None = None,
        give_up_after: float = GIVE_UP_AFTER,
    ) -> None:
        """Every `interval` seconds, run (or dispatch) the daily cycle of every tenant, and
        `beat` between tenants and while waiting.

        A tenant whose cycle failed is tried again after a growing pause, not an interval
        later. A pass in which nothing worked (the database or Redis away) counts as a failure
        of the scheduler: no beat, and after `give_up_after` seconds `PartFailed`, for its
        supervisor to start it afresh."""
        recovery = Recovery("scheduler", give_up_after)
        retries = Recovery("scheduler", float("inf"))  # pauses before tenants that failed
        cycle_at = retry_at = time.monotonic()
        pending: list[UUID] = []
        while not stop.is_set():
            now = time.monotonic()
            try:
                if now >= cycle_at:
                    pending = self.tenants_to_run()
                    cycle_at, retry_at = now + interval, now
                    self.back_up_daily()
                    self.remove_moved_copies()
                if pending and now >= retry_at:
                    pending = self._pass(pending, dispatch, beat)
                    retry_at = now + (
                        retries.failed(RuntimeError("tenants left")) if pending else 0.0
                    )
                if not pending:
                    retries.succeeded()
                recovery.succeeded()
                if beat:
                    beat()
            except Exception as error:
                pause = recovery.failed(error)
                log.warning("scheduler pass failed (%s); retrying in %.1f s", error, pause)
                cycle_at, retry_at = min(cycle_at, now + pause), now + pause
            wake_at = min(cycle_at, retry_at if pending else cycle_at)
            stop.wait(max(0.0, min(IDLE_BEAT, wake_at - time.monotonic())))

    def remove_moved_copies(self) -> None:
        """The old copies of moved tenants whose grace period is over (each pass: cheap when
        there are none); a failure is logged and tried again next pass."""
        if self.moves is None:
            return
        try:
            removed = self.moves.remove_old_copies()
        except Exception:
            log.exception("removing moved tenants' old copies failed; again next pass")
            return
        if removed:
            log.info("removed the old copies of %d moved tenants", len(removed))

    def back_up_daily(self) -> DailyBackup | None:
        """Once a day, a backup of every store (when NIAGA_BACKUP_DAILY is on), then the
        retention policy. It is not per tenant, so it runs here, never as a tenant's job; a
        failure is logged and the next cycle tries again."""
        if self.backups is None:
            return None
        try:
            report = self.backups.run_daily()
        except Exception:
            log.exception("the daily backup failed; it runs again next cycle")
            return None
        if report.taken or report.pruned:
            log.info("backup %s taken, %d pruned", report.taken or "not", len(report.pruned))
        return report

    def tenants_to_run(self) -> list[UUID]:
        """Every tenant whose commands may write: a soft-locked tenant's jobs pause until it is
        unlocked (nothing is billed, reminded or sent for it meanwhile), and a moving one's wait
        for the next pass."""
        return [t.id for t in self.tenants.tenants() if t.writes == TenantWrites.OPEN]

    def _pass(
        self,
        tenants: list[UUID],
        dispatch: Callable[[UUID], None] | None,
        beat: Callable[[], object] | None,
    ) -> list[UUID]:
        """Run (or dispatch) each tenant's cycle; return the tenants whose cycle failed, or
        raise the last failure if every one failed."""
        failed: list[UUID] = []
        error: Exception | None = None
        for tenant_id in tenants:
            try:
                if dispatch:
                    dispatch(tenant_id)
                else:
                    self.run_daily_cycle(tenant_id)
            except Exception as failure:
                log.exception("daily cycle of tenant %s failed; it is tried again", tenant_id)
                failed.append(tenant_id)
                error = failure
            if beat:
                beat()
        if error is not None and len(failed) == len(tenants):
            raise error
        return failed

    def _reconcile_routers(self, tenant_id: UUID) -> None:
        """Repair drift on every router, one at a time: one that fails does not stop the
        others."""
        for router in self._routers_in_service(tenant_id):
            try:
                repaired = self.provisioning.reconcile(tenant_id, router)
            except DomainError as error:
                log.warning("reconciling %s failed: %s", router, error.message)
                continue
            for line in repaired:
                log.info("reconciled %s: %s", router, line)

    def _routers_in_service(self, tenant_id: UUID) -> list[str]:
        store = self.stores.for_tenant(tenant_id)
        views = self.router_views.routers(store, tenant_id)
        return [router.name for router in views if not router.removed]
