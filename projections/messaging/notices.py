"""The one policy that decides which notices the log asks for, and on which channels.

A billing or notification event (an invoice issued, a payment received, a reactivation, a
reminder or any other `NotificationRequest` for a customer) asks for one notice. Every notice
goes to WhatsApp (`message_log`); it also goes by e-mail (`email_log`) unless its wording only
makes sense in a WhatsApp chat. Whether the customer has a number or an address is decided when
the message is sent, from the customer's current record.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from domain.billing.invoice import Invoice
from domain.billing.subscription import Subscription
from domain.messaging.notification import NotificationRequest
from domain.payments.payment import Payment
from domain.shared.money import format_rupiah
from domain.shared.recorded import RecordedEvent
from projections.shared.rows import Row


class Channel(StrEnum):
    WHATSAPP = "whatsapp"
    EMAIL = "email"


# Notices that ask for an answer in the WhatsApp chat (SETUJU / TIDAK SETUJU): by e-mail the
# customer could not answer them, so they go to WhatsApp only.
WHATSAPP_ONLY = frozenset({"repair_quoted", "repair_quote_reminder"})
# Events that say whose invoice or subscription it is, and those that need to know.
NAMES_SUBJECT = (Invoice.Drafted, Subscription.Subscribed)
NEEDS_SUBJECT = (Invoice.Issued, Subscription.Reactivated)
NOTICE_EVENTS: tuple[type, ...] = (
    NotificationRequest.Requested,
    Invoice.Drafted,
    Invoice.Issued,
    Payment.Received,
    Subscription.Subscribed,
    Subscription.Reactivated,
)


@dataclass(frozen=True)
class Notice:
    """A notice to a customer: `reason` makes its message id per channel with the event's
    aggregate; `about` is what it is about (the invoice of a reminder, the payment of a receipt):
    its payment link points there."""

    reason: str
    tenant_id: UUID
    customer_id: UUID
    template: str
    variables: dict[str, str]
    about: UUID

    def goes_by(self, channel: Channel) -> bool:
        return channel is Channel.WHATSAPP or self.template not in WHATSAPP_ONLY


def subject_row(recorded: RecordedEvent) -> Row:
    """Whose invoice or subscription it is, from the event that names it."""
    e = recorded.event
    plan = e.terms.name if isinstance(e, Subscription.Subscribed) else None
    return {
        "id": recorded.aggregate_id,
        "tenant_id": e.tenant_id,
        "customer_id": e.customer_id,
        "plan": plan,
    }


def notice_of(recorded: RecordedEvent, subject: Row | None) -> Notice | None:
    """The notice a billing or notification event asks for, if any. `subject` is whose invoice
    or subscription it is about."""
    e, about = recorded.event, recorded.aggregate_id
    if isinstance(e, NotificationRequest.Requested):
        if e.customer_id is None:
            # For the tenant's staff (low stock, an SLA breach, a disabled webhook): they read it
            # in the notification outbox; no channel has a staff number or address for it.
            return None
        variables = dict(e.variables)
        return Notice("request", e.tenant_id, e.customer_id, e.template, variables, e.subject_id)
    if isinstance(e, Payment.Received):
        variables = {"jumlah": format_rupiah(e.amount)}
        return Notice("payment", e.tenant_id, e.customer_id, "payment_received", variables, about)
    if subject is None:
        return None
    tenant_id, customer_id = subject["tenant_id"], subject["customer_id"]
    if isinstance(e, Invoice.Issued):
        variables = {
            "nomor": e.number,
            "tagihan": format_rupiah(e.total),
            "jatuh_tempo": f"{e.due_on:%d/%m/%Y}",
        }
        return Notice("issued", tenant_id, customer_id, "invoice_issued", variables, about)
    if isinstance(e, Subscription.Reactivated):
        variables = {"paket": subject["plan"] or "-"}
        reason = f"reactivated:{recorded.version}"
        return Notice(reason, tenant_id, customer_id, "reactivated", variables, about)
    return None
