"""The public event types: each names the domain event it comes from, builds its `data` from
that event (and, when the event alone does not say, e.g. which customer an invoice belongs to,
from the immutable facts of its aggregate), and documents its fields.

Personal data never travels in clear: a customer is named by id only, and an integrator with an
API key reads the rest from the REST API; a voucher's password never travels at all. Adding a
type is one more `PublicEventType` in `CATALOGUE`; changing a payload incompatibly means a new
`version`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.agency.project import Project
from domain.billing.invoice import Invoice
from domain.billing.subscription import Subscription
from domain.customers.customer import Customer
from domain.payments.payment import Payment
from domain.repairs.repair_job import RepairJob
from domain.shared.recorded import RecordedEvent
from domain.support.ticket import Ticket, ticket_number
from domain.vouchers.voucher import Voucher

Data = dict[str, Any]
Aggregates = Mapping[UUID, Any]


@dataclass(frozen=True)
class PublicEventType:
    name: str
    version: int
    source: type
    description: str
    build: Callable[[RecordedEvent, Aggregates], Data]
    # Fields of `data` and what they mean, for the documentation.
    fields: dict[str, str]
    needs_aggregate: bool = False


def _id(r: RecordedEvent) -> str:
    return str(r.aggregate_id)


def _customer(r: RecordedEvent, _: Aggregates) -> Data:
    return {"customer_id": _id(r)}


def _invoice_facts(r: RecordedEvent, aggregates: Aggregates) -> Data:
    invoice = aggregates.get(r.aggregate_id)
    return {
        "invoice_id": _id(r),
        "customer_id": str(invoice.customer_id) if invoice else None,
        "subscription_id": str(invoice.subscription_id)
        if invoice and invoice.subscription_id
        else None,
        "number": getattr(invoice, "number", None),
        "currency": invoice.currency if invoice else None,
    }


def _invoice_issued(r: RecordedEvent, aggregates: Aggregates) -> Data:
    e = r.event
    return {
        **_invoice_facts(r, aggregates),
        "number": e.number,
        "issued_on": e.issued_on,
        "due_on": e.due_on,
        "subtotal": e.subtotal,
        "dpp": e.dpp,
        "ppn": e.ppn,
        "total": e.total,
    }


def _invoice_paid(r: RecordedEvent, aggregates: Aggregates) -> Data:
    invoice = aggregates.get(r.aggregate_id)
    return {
        **_invoice_facts(r, aggregates),
        "paid_on": r.event.paid_on,
        "total": invoice.total if invoice else None,
    }


def _invoice_voided(r: RecordedEvent, aggregates: Aggregates) -> Data:
    return {**_invoice_facts(r, aggregates), "voided_on": r.event.on, "reason": r.event.reason}


def _invoice_credited(r: RecordedEvent, aggregates: Aggregates) -> Data:
    e = r.event
    return {
        **_invoice_facts(r, aggregates),
        "credit_note": e.credit_note,
        "amount": e.amount,
        "balance_due": e.balance_due,
        "credited_on": e.on,
    }


def _payment(r: RecordedEvent, _: Aggregates) -> Data:
    e = r.event
    return {
        "payment_id": _id(r),
        "customer_id": str(e.customer_id),
        "amount": e.amount,
        "method": e.method,
        "reference": e.reference,
        "received_on": e.received_on,
        "allocations": [
            {"invoice_id": str(a.invoice_id), "amount": a.amount} for a in e.allocations
        ],
        "credit": e.credit,
    }


def _subscription_facts(r: RecordedEvent, aggregates: Aggregates) -> Data:
    subscription = aggregates.get(r.aggregate_id)
    return {
        "subscription_id": _id(r),
        "customer_id": str(subscription.customer_id) if subscription else None,
    }


def _subscription_activated(r: RecordedEvent, aggregates: Aggregates) -> Data:
    e = r.event
    return {
        **_subscription_facts(r, aggregates),
        "activated_on": e.on,
        "next_bill_on": e.next_bill_on,
    }


def _subscription_changed(r: RecordedEvent, aggregates: Aggregates) -> Data:
    return {
        **_subscription_facts(r, aggregates),
        "on": r.event.on,
        "reason": getattr(r.event, "reason", None),
    }


def _subscription_plan_changed(r: RecordedEvent, aggregates: Aggregates) -> Data:
    terms = r.event.terms
    return {
        **_subscription_facts(r, aggregates),
        "on": r.event.on,
        "plan_id": str(terms.plan_id),
        "plan_name": terms.name,
        "price": terms.price,
    }


def _voucher_facts(r: RecordedEvent, aggregates: Aggregates) -> Data:
    voucher = aggregates.get(r.aggregate_id)
    return {
        "voucher_id": _id(r),
        "username": _login_name(voucher),
        "profile_id": str(voucher.profile_id) if voucher else None,
        "batch_id": str(voucher.batch_id) if voucher else None,
    }


def _voucher_sold(r: RecordedEvent, aggregates: Aggregates) -> Data:
    e = r.event
    return {
        **_voucher_facts(r, aggregates),
        "agent_id": str(e.agent_id) if e.agent_id else None,
        "price": e.price,
        "sold_at": e.sold_at,
    }


def _voucher_activated(r: RecordedEvent, aggregates: Aggregates) -> Data:
    e = r.event
    return {**_voucher_facts(r, aggregates), "at": e.at, "expires_at": e.expires_at}


def _voucher_ended(r: RecordedEvent, aggregates: Aggregates) -> Data:
    return {**_voucher_facts(r, aggregates), "at": r.event.at}


def _voucher_revoked(r: RecordedEvent, aggregates: Aggregates) -> Data:
    return {**_voucher_facts(r, aggregates), "at": r.event.at, "reason": r.event.reason}


def _repair_facts(r: RecordedEvent, aggregates: Aggregates) -> Data:
    job = aggregates.get(r.aggregate_id)
    return {
        "repair_job_id": _id(r),
        "customer_id": str(job.customer_id) if job else None,
    }


def _repair_received(r: RecordedEvent, aggregates: Aggregates) -> Data:
    e = r.event
    return {
        "repair_job_id": _id(r),
        "customer_id": str(e.customer_id),
        "device_type": e.device_type,
        "brand": e.brand,
        "model": e.model,
        "priority": e.priority,
        "received_at": e.received_at,
        "due_at": e.due_at,
    }


def _repair_quoted(r: RecordedEvent, aggregates: Aggregates) -> Data:
    return {**_repair_facts(r, aggregates), "total": r.event.total, "at": r.event.at}


def _repair_at(r: RecordedEvent, aggregates: Aggregates) -> Data:
    return {**_repair_facts(r, aggregates), "at": r.event.at}


def _repair_delivered(r: RecordedEvent, aggregates: Aggregates) -> Data:
    e = r.event
    return {**_repair_facts(r, aggregates), "at": e.at, "warranty_until": e.warranty_until}


def _repair_cancelled(r: RecordedEvent, aggregates: Aggregates) -> Data:
    return {**_repair_facts(r, aggregates), "at": r.event.at, "reason": r.event.reason}


def _ticket_facts(r: RecordedEvent, aggregates: Aggregates) -> Data:
    ticket = aggregates.get(r.aggregate_id)
    return {
        "ticket_id": _id(r),
        "number": ticket_number(r.aggregate_id),
        "customer_id": str(ticket.customer_id) if ticket else None,
    }


def _ticket_opened(r: RecordedEvent, _: Aggregates) -> Data:
    e = r.event
    links = ("subscription_id", "invoice_id", "voucher_id", "repair_job_id", "conversation_id")
    return {
        "ticket_id": _id(r),
        "number": ticket_number(r.aggregate_id),
        "customer_id": str(e.customer_id),
        "category": e.category,
        "priority": e.priority,
        "channel": e.channel,
        "opened_at": e.opened_at,
        "first_response_due_at": e.first_response_due_at,
        "resolution_due_at": e.resolution_due_at,
        **{link: str(getattr(e, link)) if getattr(e, link) else None for link in links},
    }


def _ticket_status_changed(r: RecordedEvent, aggregates: Aggregates) -> Data:
    e = r.event
    return {
        **_ticket_facts(r, aggregates),
        "from": e.previous,
        "to": e.status,
        "at": e.at,
        "resolution_due_at": e.resolution_due_at,
    }


def _ticket_replied(r: RecordedEvent, aggregates: Aggregates) -> Data:
    e = r.event
    return {
        **_ticket_facts(r, aggregates),
        "at": e.at,
        "first_response": e.first_response,
        "by_email": e.email_id is not None,
    }


def _project_facts(r: RecordedEvent, aggregates: Aggregates) -> Data:
    project = aggregates.get(r.aggregate_id)
    return {
        "project_id": _id(r),
        "customer_id": str(project.customer_id) if project else None,
    }


def _project_created(r: RecordedEvent, _: Aggregates) -> Data:
    e = r.event
    return {
        "project_id": _id(r),
        "customer_id": str(e.customer_id),
        "quotation_id": str(e.quotation_id) if e.quotation_id else None,
        "created_at": r.timestamp,
    }


def _milestone_reached(r: RecordedEvent, aggregates: Aggregates) -> Data:
    e = r.event
    return {
        **_project_facts(r, aggregates),
        "milestone_id": str(e.milestone_id),
        "amount": e.amount,
        "reached_on": e.on,
        "invoice_id": str(e.invoice_id),
        "invoice_number": e.invoice_number,
    }


def _project_completed(r: RecordedEvent, aggregates: Aggregates) -> Data:
    return {**_project_facts(r, aggregates), "completed_on": r.event.on}


def _login_name(voucher: Voucher | None) -> str | None:
    """The hotspot login, unless it is also the password ("vc" vouchers): then it is a secret."""
    if voucher is None or voucher.username == voucher.password:
        return None
    return str(voucher.username)


_VOUCHER_FIELDS = {
    "voucher_id": "the voucher's id",
    "username": "its hotspot login; null for vouchers whose login is also their password",
    "profile_id": "its voucher profile (package)",
    "batch_id": "the batch it was generated in",
}
_TICKET_FIELDS = {
    "ticket_id": "the ticket's id",
    "number": "its number as people read it, e.g. T-1A2B3C4D",
    "customer_id": "the customer's id (no personal data: the ticket's texts never travel)",
}
_PROJECT_FIELDS = {
    "project_id": "the project's id",
    "customer_id": "the client's customer id (no personal data: the project's name and texts "
    "never travel)",
}
_REPAIR_FIELDS = {
    "repair_job_id": "the repair job's id",
    "customer_id": "the customer's id",
}
_INVOICE_FIELDS = {
    "invoice_id": "the invoice's id",
    "customer_id": "the customer's id (no personal data: read it from /api/v1/customers/{id})",
    "subscription_id": "the subscription billed, or null",
    "number": "the invoice number, e.g. INV/2026/01/0001",
    "currency": "ISO 4217 code; amounts are integers in its minor unit (IDR: whole rupiah)",
}
_SUBSCRIPTION_FIELDS = {
    "subscription_id": "the subscription's id",
    "customer_id": "the customer's id",
}
_STATE_FIELDS = {
    **_SUBSCRIPTION_FIELDS,
    "on": "the business date of the change (YYYY-MM-DD)",
    "reason": "why, e.g. overdue:<invoice number> or manual",
}


def _subscription_state(name: str, source: type, what: str) -> PublicEventType:
    return PublicEventType(
        name, 1, source, what, _subscription_changed, _STATE_FIELDS, needs_aggregate=True
    )


CATALOGUE: tuple[PublicEventType, ...] = (
    PublicEventType(
        "customer.registered",
        1,
        Customer.Registered,
        "A customer was registered.",
        _customer,
        {"customer_id": "the customer's id"},
    ),
    PublicEventType(
        "customer.updated",
        1,
        Customer.ContactChanged,
        "A customer's contact data changed (read it from the REST API).",
        _customer,
        {"customer_id": "the customer's id"},
    ),
    PublicEventType(
        "customer.forgotten",
        1,
        Customer.Forgotten,
        "A customer's personal data was erased; delete your copy.",
        _customer,
        {"customer_id": "the customer's id"},
    ),
    PublicEventType(
        "invoice.issued",
        1,
        Invoice.Issued,
        "An invoice was issued: numbered, dated, due.",
        _invoice_issued,
        {
            **_INVOICE_FIELDS,
            "issued_on": "issue date",
            "due_on": "due date",
            "subtotal": "price before tax",
            "dpp": "DPP nilai lain (11/12 of the taxable price), 0 if the seller is not PKP",
            "ppn": "PPN (12% of DPP, rounded down)",
            "total": "amount to pay",
        },
        needs_aggregate=True,
    ),
    PublicEventType(
        "invoice.paid",
        1,
        Invoice.Paid,
        "An invoice was paid in full.",
        _invoice_paid,
        {**_INVOICE_FIELDS, "paid_on": "date of the payment completing it", "total": "total"},
        needs_aggregate=True,
    ),
    PublicEventType(
        "invoice.voided",
        1,
        Invoice.Voided,
        "An invoice was voided.",
        _invoice_voided,
        {**_INVOICE_FIELDS, "voided_on": "date", "reason": "why"},
        needs_aggregate=True,
    ),
    PublicEventType(
        "invoice.credited",
        1,
        Invoice.Credited,
        "A credit note reduced what an invoice asks.",
        _invoice_credited,
        {
            **_INVOICE_FIELDS,
            "credit_note": "the credit note's number",
            "amount": "amount credited",
            "balance_due": "what is still due after it",
            "credited_on": "date",
        },
        needs_aggregate=True,
    ),
    PublicEventType(
        "payment.received",
        1,
        Payment.Received,
        "Money was received from a customer and allocated to open invoices.",
        _payment,
        {
            "payment_id": "the payment's id",
            "customer_id": "the customer's id",
            "amount": "amount received",
            "method": "cash, bank_transfer, gateway, ...",
            "reference": "the payment's own reference (gateway order id, transfer proof)",
            "received_on": "date",
            "allocations": "list of {invoice_id, amount} it paid",
            "credit": "what was left over as credit on account",
        },
    ),
    PublicEventType(
        "subscription.activated",
        1,
        Subscription.Activated,
        "A subscription's service was switched on for the first time.",
        _subscription_activated,
        {
            **_SUBSCRIPTION_FIELDS,
            "activated_on": "date",
            "next_bill_on": "the date it is next billed",
        },
        needs_aggregate=True,
    ),
    PublicEventType(
        "subscription.plan_changed",
        1,
        Subscription.PlanChanged,
        "A subscription moved to another plan.",
        _subscription_plan_changed,
        {
            **_SUBSCRIPTION_FIELDS,
            "on": "date",
            "plan_id": "the new plan",
            "plan_name": "its name",
            "price": "its price",
        },
        needs_aggregate=True,
    ),
    _subscription_state(
        "subscription.soft_limited",
        Subscription.SoftLimited,
        "A subscription's speed was limited (isolir) for an unpaid invoice.",
    ),
    _subscription_state(
        "subscription.suspended", Subscription.Suspended, "A subscription was suspended."
    ),
    _subscription_state(
        "subscription.reactivated",
        Subscription.Reactivated,
        "A limited or suspended subscription is back in service.",
    ),
    _subscription_state(
        "subscription.terminated", Subscription.Terminated, "A subscription was ended for good."
    ),
    PublicEventType(
        "voucher.sold",
        1,
        Voucher.Sold,
        "A hotspot voucher was sold: at the counter, online, or to an agent with its balance.",
        _voucher_sold,
        {
            **_VOUCHER_FIELDS,
            "agent_id": "the agent who bought it, or null",
            "price": "what the buyer paid, in whole rupiah",
            "sold_at": "when",
        },
        needs_aggregate=True,
    ),
    PublicEventType(
        "voucher.activated",
        1,
        Voucher.FirstLogin,
        "A voucher logged in for the first time: its validity runs from now.",
        _voucher_activated,
        {**_VOUCHER_FIELDS, "at": "the first login", "expires_at": "when its validity ends"},
        needs_aggregate=True,
    ),
    PublicEventType(
        "voucher.expired",
        1,
        Voucher.Expired,
        "A voucher's validity ended; its hotspot user is removed from the router.",
        _voucher_ended,
        {**_VOUCHER_FIELDS, "at": "when it expired"},
        needs_aggregate=True,
    ),
    PublicEventType(
        "voucher.used_up",
        1,
        Voucher.UsedUp,
        "A voucher's time or data quota was consumed; its hotspot user is removed.",
        _voucher_ended,
        {**_VOUCHER_FIELDS, "at": "when the router's counters showed it"},
        needs_aggregate=True,
    ),
    PublicEventType(
        "voucher.revoked",
        1,
        Voucher.Revoked,
        "A voucher was revoked; its hotspot user is removed.",
        _voucher_revoked,
        {**_VOUCHER_FIELDS, "at": "when", "reason": "why"},
        needs_aggregate=True,
    ),
    PublicEventType(
        "repair_job.received",
        1,
        RepairJob.Received,
        "A device was received for repair.",
        _repair_received,
        {
            **_REPAIR_FIELDS,
            "device_type": "e.g. phone, laptop",
            "brand": "brand",
            "model": "model",
            "priority": "low, normal, high or urgent",
            "received_at": "when",
            "due_at": "when the repair is due (its SLA)",
        },
    ),
    PublicEventType(
        "repair_job.quoted",
        1,
        RepairJob.Quoted,
        "A quote for the repair was made; the customer approves or rejects it.",
        _repair_quoted,
        {**_REPAIR_FIELDS, "total": "the quoted total in whole rupiah", "at": "when"},
        needs_aggregate=True,
    ),
    PublicEventType(
        "repair_job.completed",
        1,
        RepairJob.Completed,
        "The repair is done; the device waits for pick-up.",
        _repair_at,
        {**_REPAIR_FIELDS, "at": "when"},
        needs_aggregate=True,
    ),
    PublicEventType(
        "repair_job.delivered",
        1,
        RepairJob.Delivered,
        "The device was handed back to its customer.",
        _repair_delivered,
        {**_REPAIR_FIELDS, "at": "when", "warranty_until": "the last day of its warranty"},
        needs_aggregate=True,
    ),
    PublicEventType(
        "repair_job.cancelled",
        1,
        RepairJob.Cancelled,
        "The repair was cancelled.",
        _repair_cancelled,
        {**_REPAIR_FIELDS, "at": "when", "reason": "why"},
        needs_aggregate=True,
    ),
    PublicEventType(
        "ticket.opened",
        1,
        Ticket.Opened,
        "A support ticket was opened: by the staff, a customer's WhatsApp keyword, or a "
        "WhatsApp chat the concierge escalated.",
        _ticket_opened,
        {
            **_TICKET_FIELDS,
            "category": "connection, billing, voucher, repair or other",
            "priority": "low, normal, high or urgent",
            "channel": "desk, whatsapp or concierge",
            "opened_at": "when",
            "first_response_due_at": "when the first response is due (business hours)",
            "resolution_due_at": "when the resolution is due (business hours)",
            "subscription_id": "the subscription it is about, or null",
            "invoice_id": "the invoice it is about, or null",
            "voucher_id": "the voucher it is about, or null",
            "repair_job_id": "the repair job it is about, or null",
            "conversation_id": "the WhatsApp concierge chat it came from, or null",
        },
    ),
    PublicEventType(
        "ticket.status_changed",
        1,
        Ticket.StatusChanged,
        "A ticket moved: open, pending (waiting on the customer), resolved or closed.",
        _ticket_status_changed,
        {
            **_TICKET_FIELDS,
            "from": "the status before",
            "to": "the status now",
            "at": "when",
            "resolution_due_at": "when the resolution is due now (it moves while the ticket "
            "waits on the customer or is resolved)",
        },
        needs_aggregate=True,
    ),
    PublicEventType(
        "ticket.replied",
        1,
        Ticket.Replied,
        "The staff answered the customer on the ticket (WhatsApp, and e-mail where the "
        "customer has an address); the text never travels.",
        _ticket_replied,
        {
            **_TICKET_FIELDS,
            "at": "when",
            "first_response": "true if this reply stopped the first-response clock",
            "by_email": "true if it also went by e-mail",
        },
        needs_aggregate=True,
    ),
    PublicEventType(
        "project.created",
        1,
        Project.Created,
        "A client project was created.",
        _project_created,
        {
            **_PROJECT_FIELDS,
            "quotation_id": "the quotation it was sold on, or null",
            "created_at": "when",
        },
    ),
    PublicEventType(
        "project.milestone_reached",
        1,
        Project.MilestoneReached,
        "A project's milestone (termin) was reached and invoiced.",
        _milestone_reached,
        {
            **_PROJECT_FIELDS,
            "milestone_id": "the milestone's id",
            "amount": "the milestone's amount in whole rupiah, before PPN",
            "reached_on": "the day, in the tenant's calendar",
            "invoice_id": "the invoice it became (see invoice.issued for its totals)",
            "invoice_number": "its number",
        },
        needs_aggregate=True,
    ),
    PublicEventType(
        "project.completed",
        1,
        Project.Completed,
        "A project was completed: every milestone reached.",
        _project_completed,
        {**_PROJECT_FIELDS, "completed_on": "the day, in the tenant's calendar"},
        needs_aggregate=True,
    ),
)
