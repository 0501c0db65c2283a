"""Reminders and dunning: what a day brings for every unpaid invoice.

Days are counted from the due date, or from the last payment if a partial payment came after it
(a partial payment re-anchors the schedule). Reminders go out at the tenant's offsets; past the
grace period the subscription is soft-limited (isolir), later suspended, later terminated, each
announced a day before. Every reminder is requested once: its id derives from invoice, anchor and
reason, so running a day twice asks for nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from application.billing.ports import BillingReadModels
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver, find
from domain.billing.invoice import Invoice, InvoiceStatus
from domain.billing.subscription import Subscription, SubscriptionState
from domain.messaging.notification import NotificationRequest
from domain.platform.tenant import BillingPolicy
from domain.shared.money import format_rupiah

OPEN = {InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID}


@dataclass
class DunningReport:
    on: date
    reminders: int = 0
    soft_limited: list[str] = field(default_factory=list)
    suspended: list[str] = field(default_factory=list)
    terminated: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Schedule:
    """Day numbers (days past the anchor) at which each step happens."""

    soft_limit: int
    suspend: int
    terminate: int

    @classmethod
    def of(cls, policy: BillingPolicy) -> Schedule:
        soft = policy.grace_days + 1
        suspend = soft + policy.suspend_after_days
        return cls(soft, suspend, suspend + policy.terminate_after_days)


class Dunning:
    def __init__(self, stores: Stores, read_models: BillingReadModels, sync: ReadModelSync) -> None:
        self._stores = stores
        self._read_models = read_models
        self._saver = Saver(sync)

    def run(self, principal: Principal, on: date) -> DunningReport:
        authorize(principal, Permission.RUN_BILLING)
        store = self._stores.for_tenant(principal.tenant_id)
        policy = tenant_of(self._stores, principal.tenant_id).billing_policy
        earliest_offset = min((*policy.reminder_offsets, 0))
        report = DunningReport(on)
        position = 0
        candidates = self._read_models.overdue(
            store, principal.tenant_id, on + timedelta(days=1 - earliest_offset)
        )
        for view in candidates:
            invoice = find(store, Invoice, view.id)
            if invoice is None or invoice.status not in OPEN or invoice.due_on is None:
                continue
            changed = self._dun(store, invoice, on, policy, report)
            if changed:
                saved = self._saver.save(store, principal, "RunDunning", *changed, wait=False)
                position = saved.position  # the wait below is for every read model
        if position:
            self._saver.wait(store, position)
        return report

    def _dun(
        self,
        store: EventStore,
        invoice: Invoice,
        on: date,
        policy: BillingPolicy,
        report: DunningReport,
    ) -> list[object]:
        due = invoice.due_on or on
        anchor = max(due, invoice.last_paid_on or due)
        day = (on - anchor).days
        schedule = Schedule.of(policy)
        changed: list[object] = []
        reminder = _reminder_offset(policy.reminder_offsets, day)
        if reminder is not None:
            template = "reminder_before_due" if reminder < 0 else "reminder_overdue"
            changed += _request(store, invoice, template, f"reminder:{anchor}:{reminder}", on)
        if day == schedule.soft_limit - 1:
            changed += _request(
                store, invoice, "before_soft_limit", f"before-soft:{anchor}", on + timedelta(days=1)
            )
        if day == schedule.suspend - 1:
            changed += _request(
                store,
                invoice,
                "before_suspension",
                f"before-suspend:{anchor}",
                on + timedelta(days=1),
            )
        subscription = (
            find(store, Subscription, invoice.subscription_id) if invoice.subscription_id else None
        )
        if subscription is not None:
            changed += self._escalate(store, subscription, invoice, day, schedule, on, report)
        report.reminders += sum(isinstance(c, NotificationRequest) for c in changed)
        return changed

    def _escalate(
        self,
        store: EventStore,
        subscription: Subscription,
        invoice: Invoice,
        day: int,
        schedule: Schedule,
        on: date,
        report: DunningReport,
    ) -> list[object]:
        reason = f"tagihan {invoice.number} belum dibayar"
        state = subscription.state
        if day >= schedule.terminate and state is not SubscriptionState.TERMINATED:
            subscription.terminate(on, reason)
            report.terminated.append(str(subscription.id))
            return [subscription]
        if day >= schedule.suspend and state in {
            SubscriptionState.ACTIVE,
            SubscriptionState.SOFT_LIMITED,
        }:
            subscription.suspend(on, reason)
            report.suspended.append(str(subscription.id))
            return [
                subscription,
                *_request(store, invoice, "suspended", f"suspended:{subscription.version}", on),
            ]
        if day >= schedule.soft_limit and state is SubscriptionState.ACTIVE:
            subscription.soft_limit(on, reason)
            report.soft_limited.append(str(subscription.id))
            return [
                subscription,
                *_request(store, invoice, "soft_limited", f"soft:{subscription.version}", on),
            ]
        return []


def _reminder_offset(offsets: tuple[int, ...], day: int) -> int | None:
    """The latest reminder offset reached by `day`, if it is the current step (so a missed day
    still sends the step it missed, and no earlier one)."""
    reached = [o for o in sorted(offsets) if o <= day]
    return reached[-1] if reached else None


def _request(
    store: EventStore, invoice: Invoice, template: str, reason: str, on: date
) -> list[NotificationRequest]:
    if find(store, NotificationRequest, NotificationRequest.id_for(invoice.id, reason)):
        return []
    variables = {
        "nomor": invoice.number or "",
        "tagihan": format_rupiah(invoice.balance_due),
        "jatuh_tempo": f"{invoice.due_on:%d/%m/%Y}",
        "tanggal": f"{on:%d/%m/%Y}",
    }
    return [
        NotificationRequest.request(
            invoice.tenant_id, invoice.customer_id, template, variables, invoice.id, reason
        )
    ]
