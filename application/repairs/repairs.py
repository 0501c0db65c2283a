"""Repair-shop use-cases: take a device in, diagnose, quote, get the customer's answer, reserve
and consume parts, finish, hand back under warranty; plus the timers (SLA, quote escalation,
pick-up reminders) the scheduler runs.

The customer is told of every status change: each change asks for a NotificationRequest whose id
derives from the job and its version, so retrying a command asks for nothing new.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from application.billing import due_date, numbering_for
from application.repairs.ports import RepairReadModels
from application.repairs.stock_support import low_stock_alerts, retrying
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Actor, ActorKind, Principal
from application.shared.errors import ApplicationError, NotFound
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import TenantCalendar, tenant_of
from application.shared.unit_of_work import Saver, find, load, require
from domain.billing.invoice import Invoice, Line, new_line
from domain.customers.customer import Customer, CustomerPhone
from domain.messaging.notification import NotificationRequest
from domain.repairs.inventory import InsufficientStock, InventoryItem
from domain.repairs.repair_job import (
    AnsweredBy,
    LabourLine,
    PartLine,
    Priority,
    RepairJob,
    RepairPolicy,
    RepairSettings,
    RepairStatus,
    Technician,
    labour_line,
    part_line,
)
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.local_time import local_date, shown_time
from domain.shared.money import format_rupiah
from domain.shared.roles import Role
from domain.shared.values import normalise_phone

WHATSAPP = Actor(ActorKind.GATEWAY, "whatsapp")

_APPROVE = re.compile(r"^setuju$")
_REJECT = re.compile(r"^(tidak|tak|tdk|gak|nggak|ga)\s*setuju$")
_NOISE = re.compile(r"[^\w\s]")


def parse_quote_answer(text: str) -> bool | None:
    """True for "Setuju", False for "Tak Setuju" / "Tidak setuju", None for anything else;
    case, spacing and punctuation do not matter."""
    words = " ".join(_NOISE.sub(" ", text or "").lower().split())
    if _APPROVE.match(words):
        return True
    if _REJECT.match(words):
        return False
    return None


@dataclass(frozen=True)
class ReceiveJob:
    customer_id: UUID
    device_type: str
    brand: str
    model: str
    complaint: str
    serial: str | None = None
    accessories: list[str] = field(default_factory=list)
    photos: list[str] = field(default_factory=list)
    priority: str = "normal"
    technician_id: UUID | None = None


@dataclass(frozen=True)
class QuotePart:
    item_id: UUID
    quantity: int
    unit_price: int | None = None  # the item's price when left out


@dataclass(frozen=True)
class QuoteLabour:
    description: str
    amount: int


@dataclass
class TimerReport:
    at: datetime
    sla_breaches: list[UUID] = field(default_factory=list)
    escalated_quotes: list[UUID] = field(default_factory=list)
    pickup_reminders: int = 0


def parse_priority(raw: str) -> Priority:
    try:
        return Priority(raw)
    except ValueError:
        allowed = ", ".join(p.value for p in Priority)
        raise InvalidValue(f"priority must be one of {allowed}", field="priority") from None


def policy_of(store: EventStore, tenant_id: UUID) -> RepairPolicy:
    settings = find(store, RepairSettings, RepairSettings.id_for(tenant_id))
    return settings.policy if settings else RepairPolicy()


def notify(job: RepairJob, template: str, reason: str, **extra: str) -> NotificationRequest:
    variables = {"perangkat": job.device, "nomor_servis": str(job.id)[:8].upper(), **extra}
    return NotificationRequest.request(
        job.tenant_id, job.customer_id, template, variables, job.id, reason
    )


def shop_notice(job: RepairJob, template: str, reason: str, **extra: str) -> NotificationRequest:
    """A notice to the shop itself (its staff), addressed like low-stock alerts: no customer."""
    variables = {"perangkat": job.device, "nomor_servis": str(job.id)[:8].upper(), **extra}
    return NotificationRequest.request(job.tenant_id, None, template, variables, job.id, reason)


def status_notice(job: RepairJob, template: str, **extra: str) -> NotificationRequest:
    """The customer hears of this version of the job once."""
    return notify(job, template, f"{template}:{job.version}", **extra)


class RepairService:
    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        clock: Clock,
        read_models: RepairReadModels,
    ) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock
        self._calendar = TenantCalendar(stores, clock)
        self._read_models = read_models

    # settings and staff

    def set_policy(self, principal: Principal, policy: RepairPolicy) -> RepairPolicy:
        authorize(principal, Permission.MANAGE_REPAIR_SETTINGS)
        store = self._store(principal)
        settings = find(store, RepairSettings, RepairSettings.id_for(principal.tenant_id))
        settings = settings or RepairSettings.start(principal.tenant_id)
        settings.change(policy)
        self._saver.save(store, principal, "SetRepairPolicy", settings)
        return settings.policy

    def policy(self, principal: Principal) -> RepairPolicy:
        authorize(principal, Permission.READ_REPAIRS)
        return policy_of(self._store(principal), principal.tenant_id)

    def add_technician(self, principal: Principal, name: str) -> UUID:
        authorize(principal, Permission.MANAGE_REPAIR_SETTINGS)
        technician = Technician.add(principal.tenant_id, name)
        self._saver.save(self._store(principal), principal, "AddTechnician", technician)
        return technician.id

    def deactivate_technician(self, principal: Principal, technician_id: UUID) -> None:
        """No new work for them; jobs already assigned keep their technician."""
        authorize(principal, Permission.MANAGE_REPAIR_SETTINGS)
        store = self._store(principal)
        technician = load(store, Technician, technician_id, principal.tenant_id, "technician")
        technician.deactivate()
        self._saver.save(store, principal, "DeactivateTechnician", technician)

    # the job's life

    def receive(self, principal: Principal, command: ReceiveJob) -> UUID:
        authorize(principal, Permission.WRITE_REPAIRS)
        store = self._store(principal)
        require(
            store, Customer, command.customer_id, principal.tenant_id, "customer", "customer_id"
        )
        job = RepairJob.receive(
            principal.tenant_id,
            command.customer_id,
            device_type=command.device_type,
            brand=command.brand,
            model=command.model,
            complaint=command.complaint,
            serial=command.serial,
            accessories=command.accessories,
            photos=command.photos,
            priority=parse_priority(command.priority),
            received_at=self._clock.now(),
            policy=policy_of(store, principal.tenant_id),
        )
        if command.technician_id is not None:
            job.assign(*self._technician(store, principal, command.technician_id))
        selesai = self._calendar.shown(job.tenant_id, job.due_at)
        notice = status_notice(job, "repair_received", selesai=selesai)
        self._saver.save(store, principal, "ReceiveRepairJob", job, notice)
        return job.id

    def assign(self, principal: Principal, job_id: UUID, technician_id: UUID) -> None:
        authorize(principal, Permission.ASSIGN_REPAIRS)
        store = self._store(principal)
        job = self._job(store, principal, job_id)
        job.assign(*self._technician(store, principal, technician_id))
        self._saver.save(store, principal, "AssignTechnician", job)

    def change_priority(self, principal: Principal, job_id: UUID, priority: str) -> None:
        authorize(principal, Permission.ASSIGN_REPAIRS)
        store = self._store(principal)
        job = self._job(store, principal, job_id)
        job.change_priority(parse_priority(priority), policy_of(store, principal.tenant_id))
        self._saver.save(store, principal, "ChangeRepairPriority", job)

    def diagnose(self, principal: Principal, job_id: UUID, diagnosis: str) -> None:
        authorize(principal, Permission.WORK_ON_REPAIRS)
        store = self._store(principal)
        job = self._job(store, principal, job_id)
        job.diagnose(diagnosis, self._clock.now())
        notice = status_notice(job, "repair_diagnosed", diagnosa=diagnosis.strip()[:300])
        self._saver.save(store, principal, "DiagnoseRepairJob", job, notice)

    def quote(
        self,
        principal: Principal,
        job_id: UUID,
        parts: list[QuotePart],
        labour: list[QuoteLabour],
    ) -> int:
        """Quote parts (priced from stock unless a price is given) and labour; returns the
        total. The customer is asked to answer Setuju or Tidak Setuju."""
        authorize(principal, Permission.WORK_ON_REPAIRS)
        store = self._store(principal)
        job = self._job(store, principal, job_id)
        part_lines = [self._part_line(store, principal, p) for p in parts]
        labour_lines: list[LabourLine] = [labour_line(x.description, x.amount) for x in labour]
        job.quote(part_lines, labour_lines, self._clock.now())
        notice = status_notice(
            job, "repair_quoted", rincian=_quote_summary(job), total=format_rupiah(job.quote_total)
        )
        self._saver.save(store, principal, "QuoteRepairJob", job, notice)
        return job.quote_total

    def answer_quote(
        self,
        principal: Principal,
        job_id: UUID,
        approve: bool,
        reason: str | None = None,
        by: AnsweredBy = AnsweredBy.STAFF,
    ) -> None:
        """Record the customer's answer. Approving reserves the quoted parts; if stock is
        short the approval is refused and nothing changes."""
        authorize(principal, Permission.WRITE_REPAIRS)
        store = self._store(principal)

        def attempt() -> None:
            job = self._job(store, principal, job_id)
            now = self._clock.now()
            changed: list[object] = [job]
            if approve:
                job.approve(by, now)
                items = self._reserve(store, job)
                changed += [*items, *low_stock_alerts(items)]
                changed.append(status_notice(job, "repair_approved"))
            else:
                job.reject(by, now, reason)
                changed.append(status_notice(job, "repair_rejected"))
            self._saver.save(store, principal, "AnswerRepairQuote", *changed)

        retrying(attempt)

    def start(self, principal: Principal, job_id: UUID) -> None:
        authorize(principal, Permission.WORK_ON_REPAIRS)
        store = self._store(principal)
        job = self._job(store, principal, job_id)
        job.start(self._clock.now())
        notice = status_notice(job, "repair_in_progress")
        self._saver.save(store, principal, "StartRepair", job, notice)

    def complete(self, principal: Principal, job_id: UUID, notes: str | None = None) -> None:
        """Finish the work: the parts reserved for the job leave stock."""
        authorize(principal, Permission.WORK_ON_REPAIRS)
        store = self._store(principal)

        def attempt() -> None:
            job = self._job(store, principal, job_id)
            first_time = job.warranty_claims == 0
            job.complete(self._clock.now(), notes)
            items: list[InventoryItem] = self._consume(store, job) if first_time else []
            notice = status_notice(job, "repair_completed")
            alerts = low_stock_alerts(items)
            self._saver.save(store, principal, "CompleteRepair", job, *items, *alerts, notice)

        retrying(attempt)

    def deliver(self, principal: Principal, job_id: UUID) -> None:
        authorize(principal, Permission.WRITE_REPAIRS)
        store = self._store(principal)
        job = self._job(store, principal, job_id)
        policy = policy_of(store, principal.tenant_id)
        job.deliver(self._clock.now(), policy, self._calendar.zone(principal.tenant_id))
        notice = status_notice(job, "repair_delivered", garansi=f"{job.warranty_until:%d/%m/%Y}")
        self._saver.save(store, principal, "DeliverRepairJob", job, notice)

    def cancel(self, principal: Principal, job_id: UUID, reason: str) -> None:
        """Cancel the job: whatever it had reserved goes back to stock."""
        authorize(principal, Permission.WRITE_REPAIRS)
        store = self._store(principal)

        def attempt() -> None:
            job = self._job(store, principal, job_id)
            job.cancel(reason, self._clock.now())
            items = self._release(store, job)
            notice = status_notice(job, "repair_cancelled", alasan=reason.strip()[:200])
            self._saver.save(store, principal, "CancelRepairJob", job, *items, notice)

        retrying(attempt)

    def claim_warranty(self, principal: Principal, job_id: UUID, complaint: str) -> None:
        authorize(principal, Permission.WRITE_REPAIRS)
        store = self._store(principal)
        job = self._job(store, principal, job_id)
        policy = policy_of(store, principal.tenant_id)
        zone = self._calendar.zone(principal.tenant_id)
        job.claim_warranty(complaint, self._clock.now(), policy, zone)
        notice = status_notice(job, "repair_warranty_claimed", selesai=shown_time(job.due_at, zone))
        self._saver.save(store, principal, "ClaimRepairWarranty", job, notice)

    def invoice(self, principal: Principal, job_id: UUID) -> tuple[UUID, str]:
        """Turn the approved quote into an issued invoice of the billing core (same numbering,
        PPN and PDF); returns its id and number."""
        authorize(principal, Permission.ISSUE_INVOICES)
        store = self._store(principal)
        tenant = tenant_of(self._stores, principal.tenant_id)

        def attempt() -> tuple[UUID, str]:
            job = self._job(store, principal, job_id)
            invoice = Invoice.draft(
                job.tenant_id, job.customer_id, _invoice_lines(job), pkp=tenant.pkp
            )
            job.mark_invoiced(invoice.id)
            today = self._clock.today(tenant.timezone)
            numbering = numbering_for(store, tenant, today)
            (number,) = numbering.take(1)
            invoice.issue(number, today, due_date(tenant, today))
            self._saver.save(store, principal, "InvoiceRepairJob", invoice, numbering, job)
            return invoice.id, number

        return retrying(attempt)

    # the customer's answer by message

    def answer_quote_from_message(
        self, tenant_id: UUID, sender_phone: str, text: str
    ) -> str | None:
        """A customer's WhatsApp message answering a quote. Returns the reply to send, or None
        when the message is not a quote answer or the sender is not a customer."""
        approve = parse_quote_answer(text)
        if approve is None:
            return None
        try:
            phone = normalise_phone(sender_phone)
        except DomainError:
            return None
        store = self._stores.for_tenant(tenant_id)
        claim = find(store, CustomerPhone, CustomerPhone.id_for(tenant_id, phone))
        if claim is None or claim.customer_id is None:
            return None
        waiting = self._read_models.awaiting_answer(store, tenant_id, claim.customer_id)
        if not waiting:
            return "Tidak ada penawaran servis yang menunggu jawaban Anda saat ini."
        job = waiting[0]
        customer = Principal(tenant_id, Role.STAFF, Actor(WHATSAPP.kind, f"whatsapp:{phone}"))
        device = f"{job.brand} {job.model}"
        try:
            self.answer_quote(customer, job.id, approve, by=AnsweredBy.CUSTOMER)
        except InsufficientStock:
            return (
                f"Terima kasih. Suku cadang untuk {device} sedang kosong; kami akan menghubungi "
                "Anda setelah stok tersedia."
            )
        except DomainError as error:
            return f"Maaf, jawaban Anda untuk {device} belum bisa dicatat: {error.message}"
        if approve:
            return f"Terima kasih, penawaran servis {device} disetujui. Kami mulai mengerjakannya."
        return f"Baik, penawaran servis {device} tidak disetujui. Perangkat dapat diambil."

    # timers

    def run_timers(self, principal: Principal) -> TimerReport:
        """SLA breaches, escalation of unanswered quotes, and pick-up reminders, as of the
        clock's now. Each fires once: running twice changes nothing more."""
        authorize(principal, Permission.WRITE_REPAIRS)
        store = self._store(principal)
        policy = policy_of(store, principal.tenant_id)
        zone = self._calendar.zone(principal.tenant_id)
        now = self._clock.now()
        report = TimerReport(now)
        position = 0
        for job_id in self._read_models.with_timers(store, principal.tenant_id):
            job = find(store, RepairJob, job_id)
            if job is None:
                continue
            changed = self._timers_of(store, job, now, policy, zone, report)
            if changed:
                # Saves of several kinds: the wait below is for every read model.
                position = self._saver.save(
                    store, principal, "RunRepairTimers", *changed, wait=False
                ).position
        if position:
            self._saver.wait(store, position)
        return report

    def _timers_of(
        self,
        store: EventStore,
        job: RepairJob,
        now: datetime,
        policy: RepairPolicy,
        zone: str,
        report: TimerReport,
    ) -> list[object]:
        changed: list[object] = []
        if job.sla_overdue(now):
            job.breach_sla(now)
            report.sla_breaches.append(job.id)
            changed += [
                job,
                notify(job, "repair_delayed", f"sla:{job.due_at.isoformat()}"),
                shop_notice(
                    job,
                    "shop_repair_overdue",
                    f"shop-sla:{job.due_at.isoformat()}",
                    prioritas=job.priority.value,
                    batas=shown_time(job.due_at, zone),
                ),
            ]
        if job.quote_overdue(now, policy):
            job.escalate_quote(now)
            report.escalated_quotes.append(job.id)
            changed += [
                job,
                notify(
                    job,
                    "repair_quote_reminder",
                    f"quote-escalated:{job.version}",
                    total=format_rupiah(job.quote_total),
                ),
                shop_notice(
                    job,
                    "shop_quote_unanswered",
                    f"shop-quote-escalated:{job.version}",
                    total=format_rupiah(job.quote_total),
                    sejak=shown_time(job.quoted_at or now, zone),
                ),
            ]
        if job.status is RepairStatus.COMPLETED and job.completed_at is not None:
            # Days on the shop's calendar: finished at 22:00, the first reminder is tomorrow.
            elapsed = local_date(now, zone) - local_date(job.completed_at, zone)
            day = _pickup_step(policy.collection_reminder_days, elapsed.days)
            reason = f"pickup:{job.completed_at.isoformat()}:{day}"
            if day is not None and not find(
                store, NotificationRequest, NotificationRequest.id_for(job.id, reason)
            ):
                changed.append(notify(job, "repair_pickup_reminder", reason, hari=str(day)))
                report.pickup_reminders += 1
        return list({id(o): o for o in changed}.values())

    # helpers

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)

    def _job(self, store: EventStore, principal: Principal, job_id: UUID) -> RepairJob:
        return load(store, RepairJob, job_id, principal.tenant_id, "repair job")

    def _technician(
        self, store: EventStore, principal: Principal, technician_id: UUID
    ) -> tuple[UUID, str]:
        found = find(store, Technician, technician_id)
        if found is None or found.tenant_id != principal.tenant_id or not found.active:
            raise NotFound(f"no technician {technician_id}", field="technician_id")
        return found.id, found.name

    def _part_line(self, store: EventStore, principal: Principal, part: QuotePart) -> PartLine:
        item = self._item(store, principal, part.item_id)
        price = item.price if part.unit_price is None else part.unit_price
        if isinstance(price, int) and not isinstance(price, bool) and price < 0:
            raise InvalidValue("a price cannot be negative", field="unit_price")
        return part_line(item.id, item.name, part.quantity, price, item.average_cost)

    def _item(self, store: EventStore, principal: Principal, item_id: UUID) -> InventoryItem:
        return load(store, InventoryItem, item_id, principal.tenant_id, "inventory item", "item_id")

    def _reserve(self, store: EventStore, job: RepairJob) -> list[InventoryItem]:
        items = self._items_of(store, job)
        for part in job.parts:
            items[part.item_id].reserve(job.id, part.quantity)
        return list(items.values())

    def _consume(self, store: EventStore, job: RepairJob) -> list[InventoryItem]:
        items = self._items_of(store, job)
        for part in job.parts:
            items[part.item_id].consume(job.id, part.quantity)
        return list(items.values())

    def _release(self, store: EventStore, job: RepairJob) -> list[InventoryItem]:
        holding = [i for i in self._items_of(store, job).values() if job.id in i.reservations]
        for item in holding:
            item.release(job.id)
        return holding

    def _items_of(self, store: EventStore, job: RepairJob) -> dict[UUID, InventoryItem]:
        items: dict[UUID, InventoryItem] = {}
        for part in job.parts:
            if part.item_id not in items:
                item = find(store, InventoryItem, part.item_id)
                if item is None:
                    raise NotFound(f"no inventory item {part.item_id}", field="item_id")
                items[part.item_id] = item
        return items


def _pickup_step(days: tuple[int, ...], elapsed: int) -> int | None:
    """The latest reminder day reached, so a missed run still sends the step it missed."""
    reached = [d for d in sorted(days) if d <= elapsed]
    return reached[-1] if reached else None


def _quote_summary(job: RepairJob) -> str:
    parts = [f"{p.description} x{p.quantity} {format_rupiah(p.amount)}" for p in job.parts]
    labour = [f"{x.description} {format_rupiah(x.amount)}" for x in job.labour]
    return "; ".join(parts + labour)


def _invoice_lines(job: RepairJob) -> list[Line]:
    lines = [
        new_line("item", p.description, p.quantity, p.unit_price, True)
        for p in job.parts
        if p.unit_price > 0
    ]
    lines += [new_line("service", x.description, 1, x.amount, True) for x in job.labour if x.amount]
    if not lines:
        raise ApplicationError("the quote has nothing to charge", field="job_id")
    return lines
