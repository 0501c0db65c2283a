"""A device in the repair shop, from the counter to the customer's hands and back under warranty.

received -> diagnosed -> quoted -> approved | rejected -> in_progress -> completed -> delivered;
any open job can be cancelled; a rejected quote can be quoted again. A warranty claim within the
warranty period reopens a delivered job. Each job has a priority whose SLA sets when it is due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import DomainError, InvalidValue
from domain.shared.local_time import local_date
from domain.shared.payloads import typed_fields
from domain.shared.values import require_text


class RepairRefused(DomainError):
    """The job is not in a state that allows the command."""

    code = "REPAIR_REFUSED"


class RepairStatus(StrEnum):
    RECEIVED = "received"
    DIAGNOSED = "diagnosed"
    QUOTED = "quoted"
    APPROVED = "approved"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class AnsweredBy(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"


OPEN_STATUSES = frozenset(
    {
        RepairStatus.RECEIVED,
        RepairStatus.DIAGNOSED,
        RepairStatus.QUOTED,
        RepairStatus.APPROVED,
        RepairStatus.REJECTED,
        RepairStatus.IN_PROGRESS,
    }
)
# Where the SLA clock runs: the shop still owes the customer a finished device.
SLA_RUNNING = OPEN_STATUSES - {RepairStatus.REJECTED}
_CANCELLABLE = OPEN_STATUSES | {RepairStatus.COMPLETED}


def _hours(value: int, name: str, most: int = 24 * 90) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise InvalidValue(f"{name} must be 1-{most} hours", field=name)
    return value


@dataclass(frozen=True)
class RepairPolicy:
    """A tenant's repair-shop settings: SLA per priority, when an unanswered quote escalates,
    how long the warranty lasts, and on which days after completion to remind about pick-up."""

    sla_hours: dict[str, int] = field(
        default_factory=lambda: {"low": 120, "normal": 72, "high": 24, "urgent": 4}
    )
    quote_escalation_hours: int = 24
    warranty_days: int = 30
    collection_reminder_days: tuple[int, ...] = (1, 20, 30)

    def validated(self) -> RepairPolicy:
        if set(self.sla_hours) != {p.value for p in Priority}:
            raise InvalidValue("an SLA is needed for every priority", field="sla_hours")
        for name, hours in self.sla_hours.items():
            _hours(hours, f"sla_hours.{name}")
        _hours(self.quote_escalation_hours, "quote_escalation_hours")
        if not isinstance(self.warranty_days, int) or not 0 <= self.warranty_days <= 730:
            raise InvalidValue("warranty_days must be 0-730", field="warranty_days")
        days = self.collection_reminder_days
        if not days or any(not 1 <= d <= 365 for d in days) or len(set(days)) != len(days):
            raise InvalidValue(
                "collection reminder days must be distinct, 1-365", field="collection_reminder_days"
            )
        return self

    def sla(self, priority: Priority) -> timedelta:
        return timedelta(hours=self.sla_hours[priority.value])


class RepairSettings(Aggregate):
    """One per tenant, in the tenant's store: its repair policy."""

    class Started(Aggregate.Created):
        tenant_id: UUID

    class PolicyChanged(Aggregate.Event):
        class_version = 2  # version 1 held `policy` as a plain JSON object
        policy: RepairPolicy

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            typed_fields(state, policy=RepairPolicy)

    @staticmethod
    def id_for(tenant_id: UUID) -> UUID:
        return uuid5(tenant_id, "repair-settings")

    @classmethod
    def start(cls, tenant_id: UUID) -> RepairSettings:
        return cls._create(cls.Started, id=cls.id_for(tenant_id), tenant_id=tenant_id)

    @event(Started)
    def __init__(self, tenant_id: UUID) -> None:
        self.tenant_id = tenant_id
        self.policy = RepairPolicy()

    def change(self, policy: RepairPolicy) -> None:
        self._changed(policy=policy.validated())

    @event(PolicyChanged)
    def _changed(self, policy: RepairPolicy) -> None:
        self.policy = policy


class Technician(Aggregate):
    """Someone on the bench a job can be assigned to."""

    class Added(Aggregate.Created):
        tenant_id: UUID
        name: str

    class Deactivated(Aggregate.Event):
        pass

    @classmethod
    def add(cls, tenant_id: UUID, name: str) -> Technician:
        return cls(tenant_id=tenant_id, name=require_text(name, "name", 120))

    @event(Added)
    def __init__(self, tenant_id: UUID, name: str) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.active = True

    def deactivate(self) -> None:
        if self.active:
            self._deactivated()

    @event(Deactivated)
    def _deactivated(self) -> None:
        self.active = False


@dataclass(frozen=True)
class PartLine:
    """A part from stock on a quote; its cost is the item's average cost when quoted."""

    item_id: UUID
    description: str
    quantity: int
    unit_price: int
    unit_cost: int

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class LabourLine:
    description: str
    amount: int


def _whole(value: int, name: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise InvalidValue(f"{name} must be a whole number of at least {least}", field=name)
    return value


def part_line(
    item_id: UUID, description: str, quantity: int, unit_price: int, unit_cost: int
) -> PartLine:
    return PartLine(
        item_id,
        require_text(description, "description", 200),
        _whole(quantity, "quantity", 1),
        _whole(unit_price, "unit_price", 0),
        _whole(unit_cost, "unit_cost", 0),
    )


def labour_line(description: str, amount: int) -> LabourLine:
    return LabourLine(require_text(description, "description", 200), _whole(amount, "amount", 0))


class RepairJob(Aggregate):
    class Received(Aggregate.Created):
        tenant_id: UUID
        customer_id: UUID
        device_type: str
        brand: str
        model: str
        serial: str | None
        complaint: str
        accessories: list[str]
        photos: list[str]
        priority: str
        received_at: datetime
        due_at: datetime

    class TechnicianAssigned(Aggregate.Event):
        technician_id: UUID
        technician_name: str

    class Diagnosed(Aggregate.Event):
        diagnosis: str
        at: datetime

    class Quoted(Aggregate.Event):
        class_version = 2  # version 1 held `parts` and `labour` as plain JSON objects
        parts: list[PartLine]
        labour: list[LabourLine]
        total: int
        at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            typed_fields(state, parts=list[PartLine], labour=list[LabourLine])

    class QuoteApproved(Aggregate.Event):
        by: str
        at: datetime

    class QuoteRejected(Aggregate.Event):
        by: str
        reason: str | None
        at: datetime

    class QuoteEscalated(Aggregate.Event):
        at: datetime

    class Started(Aggregate.Event):
        at: datetime

    class Completed(Aggregate.Event):
        notes: str | None
        at: datetime

    class Delivered(Aggregate.Event):
        at: datetime
        warranty_until: date

    class Cancelled(Aggregate.Event):
        reason: str
        at: datetime

    class SlaBreached(Aggregate.Event):
        due_at: datetime
        at: datetime

    class PriorityChanged(Aggregate.Event):
        priority: str
        due_at: datetime

    class WarrantyClaimed(Aggregate.Event):
        complaint: str
        at: datetime
        due_at: datetime

    class Invoiced(Aggregate.Event):
        invoice_id: UUID

    @classmethod
    def receive(
        cls,
        tenant_id: UUID,
        customer_id: UUID,
        *,
        device_type: str,
        brand: str,
        model: str,
        complaint: str,
        received_at: datetime,
        policy: RepairPolicy,
        serial: str | None = None,
        accessories: list[str] | None = None,
        photos: list[str] | None = None,
        priority: Priority = Priority.NORMAL,
    ) -> RepairJob:
        return cls(
            tenant_id=tenant_id,
            customer_id=customer_id,
            device_type=require_text(device_type, "device_type", 60),
            brand=require_text(brand, "brand", 60),
            model=require_text(model, "model", 80),
            serial=require_text(serial, "serial", 60) if serial else None,
            complaint=require_text(complaint, "complaint", 1000),
            accessories=[require_text(a, "accessories", 100) for a in accessories or []],
            photos=[require_text(p, "photos", 500) for p in photos or []],
            priority=priority.value,
            received_at=received_at,
            due_at=received_at + policy.sla(priority),
        )

    @event(Received)
    def __init__(
        self,
        tenant_id: UUID,
        customer_id: UUID,
        device_type: str,
        brand: str,
        model: str,
        serial: str | None,
        complaint: str,
        accessories: list[str],
        photos: list[str],
        priority: str,
        received_at: datetime,
        due_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.customer_id = customer_id
        self.device_type, self.brand, self.model, self.serial = device_type, brand, model, serial
        self.complaint = complaint
        self.accessories = list(accessories)
        self.photos = list(photos)
        self.priority = Priority(priority)
        self.received_at = received_at
        self.due_at = due_at
        self.status = RepairStatus.RECEIVED
        self.technician_id: UUID | None = None
        self.diagnosis: str | None = None
        self.parts: list[PartLine] = []
        self.labour: list[LabourLine] = []
        self.quoted_at: datetime | None = None
        self.quote_escalated = False
        self.sla_breached = False
        self.completed_at: datetime | None = None
        self.delivered_at: datetime | None = None
        self.warranty_until: date | None = None
        self.invoice_id: UUID | None = None
        self.warranty_claims = 0

    @property
    def device(self) -> str:
        return f"{self.brand} {self.model}"

    @property
    def quote_total(self) -> int:
        return sum(p.amount for p in self.parts) + sum(line.amount for line in self.labour)

    def _require(self, allowed: set[RepairStatus] | frozenset[RepairStatus], doing: str) -> None:
        if self.status not in allowed:
            raise RepairRefused(f"cannot {doing} a job that is {self.status.value}", field="status")

    def assign(self, technician_id: UUID, technician_name: str) -> None:
        self._require(OPEN_STATUSES | {RepairStatus.COMPLETED}, "assign a technician to")
        if technician_id != self.technician_id:
            self._assigned(technician_id=technician_id, technician_name=technician_name)

    @event(TechnicianAssigned)
    def _assigned(self, technician_id: UUID, technician_name: str) -> None:
        self.technician_id = technician_id

    def change_priority(self, priority: Priority, policy: RepairPolicy) -> None:
        self._require(OPEN_STATUSES, "change the priority of")
        if priority is not self.priority:
            self._priority_changed(
                priority=priority.value, due_at=self.received_at + policy.sla(priority)
            )

    @event(PriorityChanged)
    def _priority_changed(self, priority: str, due_at: datetime) -> None:
        self.priority = Priority(priority)
        self.due_at = due_at
        self.sla_breached = False

    def diagnose(self, diagnosis: str, at: datetime) -> None:
        self._require({RepairStatus.RECEIVED, RepairStatus.DIAGNOSED}, "diagnose")
        self._diagnosed(diagnosis=require_text(diagnosis, "diagnosis", 2000), at=at)

    @event(Diagnosed)
    def _diagnosed(self, diagnosis: str, at: datetime) -> None:
        self.diagnosis = diagnosis
        self.status = RepairStatus.DIAGNOSED

    def quote(self, parts: list[PartLine], labour: list[LabourLine], at: datetime) -> None:
        """Quote (or quote again after a rejection) the parts and labour of the repair."""
        self._require({RepairStatus.DIAGNOSED, RepairStatus.QUOTED, RepairStatus.REJECTED}, "quote")
        if not parts and not labour:
            raise InvalidValue("a quote needs at least one part or labour line", field="lines")
        total = sum(p.amount for p in parts) + sum(line.amount for line in labour)
        self._quoted(
            parts=list(parts),
            labour=list(labour),
            total=total,
            at=at,
        )

    @event(Quoted)
    def _quoted(
        self,
        parts: list[PartLine],
        labour: list[LabourLine],
        total: int,
        at: datetime,
    ) -> None:
        self.parts = list(parts)
        self.labour = list(labour)
        self.quoted_at = at
        self.quote_escalated = False
        self.status = RepairStatus.QUOTED

    def approve(self, by: AnsweredBy, at: datetime) -> None:
        self._require({RepairStatus.QUOTED}, "approve the quote of")
        self._approved(by=by.value, at=at)

    @event(QuoteApproved)
    def _approved(self, by: str, at: datetime) -> None:
        self.status = RepairStatus.APPROVED

    def reject(self, by: AnsweredBy, at: datetime, reason: str | None = None) -> None:
        self._require({RepairStatus.QUOTED}, "reject the quote of")
        self._rejected(by=by.value, reason=(reason or "").strip()[:500] or None, at=at)

    @event(QuoteRejected)
    def _rejected(self, by: str, reason: str | None, at: datetime) -> None:
        self.status = RepairStatus.REJECTED

    def quote_overdue(self, now: datetime, policy: RepairPolicy) -> bool:
        """An unanswered quote past the escalation time that was not escalated yet."""
        return (
            self.status is RepairStatus.QUOTED
            and not self.quote_escalated
            and self.quoted_at is not None
            and now >= self.quoted_at + timedelta(hours=policy.quote_escalation_hours)
        )

    def escalate_quote(self, at: datetime) -> None:
        self._require({RepairStatus.QUOTED}, "escalate the quote of")
        if not self.quote_escalated:
            self._escalated(at=at)

    @event(QuoteEscalated)
    def _escalated(self, at: datetime) -> None:
        self.quote_escalated = True

    def start(self, at: datetime) -> None:
        self._require({RepairStatus.APPROVED}, "start work on")
        if self.technician_id is None:
            raise RepairRefused("assign a technician before starting work", field="technician_id")
        self._started(at=at)

    @event(Started)
    def _started(self, at: datetime) -> None:
        self.status = RepairStatus.IN_PROGRESS

    def complete(self, at: datetime, notes: str | None = None) -> None:
        self._require({RepairStatus.IN_PROGRESS}, "complete")
        self._completed(notes=(notes or "").strip()[:2000] or None, at=at)

    @event(Completed)
    def _completed(self, notes: str | None, at: datetime) -> None:
        self.status = RepairStatus.COMPLETED
        self.completed_at = at

    def deliver(self, at: datetime, policy: RepairPolicy, zone: str) -> None:
        """Hand the device back. The warranty counts from the shop's calendar day of the
        hand-over (`zone` is the tenant's), not the UTC one."""
        self._require({RepairStatus.COMPLETED}, "deliver")
        until = local_date(at, zone) + timedelta(days=policy.warranty_days)
        self._delivered(at=at, warranty_until=until)

    @event(Delivered)
    def _delivered(self, at: datetime, warranty_until: date) -> None:
        self.status = RepairStatus.DELIVERED
        self.delivered_at = at
        self.warranty_until = warranty_until

    def cancel(self, reason: str, at: datetime) -> None:
        self._require(_CANCELLABLE, "cancel")
        self._cancelled(reason=require_text(reason, "reason", 500), at=at)

    @event(Cancelled)
    def _cancelled(self, reason: str, at: datetime) -> None:
        self.status = RepairStatus.CANCELLED

    def sla_overdue(self, now: datetime) -> bool:
        return self.status in SLA_RUNNING and not self.sla_breached and now > self.due_at

    def breach_sla(self, at: datetime) -> None:
        if not self.sla_overdue(at):
            raise RepairRefused("the job is not past its SLA", field="due_at")
        self._breached(due_at=self.due_at, at=at)

    @event(SlaBreached)
    def _breached(self, due_at: datetime, at: datetime) -> None:
        self.sla_breached = True

    def claim_warranty(self, complaint: str, at: datetime, policy: RepairPolicy, zone: str) -> None:
        """A delivered device comes back within its warranty: the job reopens, no new quote.
        The warranty's last day ends at midnight in `zone`, the tenant's time zone."""
        self._require({RepairStatus.DELIVERED}, "claim warranty on")
        if self.warranty_until is None or local_date(at, zone) > self.warranty_until:
            raise RepairRefused(
                f"the warranty ended on {self.warranty_until}", field="warranty_until"
            )
        self._warranty_claimed(
            complaint=require_text(complaint, "complaint", 1000),
            at=at,
            due_at=at + policy.sla(self.priority),
        )

    @event(WarrantyClaimed)
    def _warranty_claimed(self, complaint: str, at: datetime, due_at: datetime) -> None:
        self.status = RepairStatus.IN_PROGRESS
        self.complaint = complaint
        self.due_at = due_at
        self.sla_breached = False
        self.completed_at = None
        self.warranty_claims += 1

    def mark_invoiced(self, invoice_id: UUID) -> None:
        if self.invoice_id is not None:
            raise RepairRefused("the job is already invoiced", field="invoice_id")
        self._require(
            {
                RepairStatus.APPROVED,
                RepairStatus.IN_PROGRESS,
                RepairStatus.COMPLETED,
                RepairStatus.DELIVERED,
            },
            "invoice",
        )
        self._invoiced(invoice_id=invoice_id)

    @event(Invoiced)
    def _invoiced(self, invoice_id: UUID) -> None:
        self.invoice_id = invoice_id
