"""What a ticket may be about besides its customer: a subscription, an invoice, a voucher, a
repair job. Each id must name the tenant's own (another tenant's reads as unknown), and one
that belongs to a customer must belong to the ticket's."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.shared.event_store import EventStore
from application.shared.unit_of_work import load
from domain.billing import Subscription
from domain.billing.invoice import Invoice
from domain.repairs.repair_job import RepairJob
from domain.shared.errors import InvalidValue
from domain.support.ticket import Links
from domain.vouchers.voucher import Voucher


@dataclass(frozen=True)
class LinkIds:
    subscription_id: UUID | None = None
    invoice_id: UUID | None = None
    voucher_id: UUID | None = None
    repair_job_id: UUID | None = None


_KINDS: tuple[tuple[str, type, str, str], ...] = (
    ("subscription_id", Subscription, "subscription", "subscriptionId"),
    ("invoice_id", Invoice, "invoice", "invoiceId"),
    ("voucher_id", Voucher, "voucher", "voucherId"),
    ("repair_job_id", RepairJob, "repair job", "repairJobId"),
)


def checked_links(store: EventStore, tenant_id: UUID, customer_id: UUID, ids: LinkIds) -> Links:
    """The links, each checked: NotFound naming the argument for an id that is not the
    tenant's, InvalidValue for one of another customer's."""
    for attribute, kind, what, field in _KINDS:
        linked = getattr(ids, attribute)
        if linked is None:
            continue
        found: object = load(store, kind, linked, tenant_id, what, field)
        owner = getattr(found, "customer_id", None)
        if owner is not None and owner != customer_id:
            raise InvalidValue(f"{what} {linked} is not this customer's", field=field)
    return Links(ids.subscription_id, ids.invoice_id, ids.voucher_id, ids.repair_job_id)
