"""Agency work invoiced once through billing: an accepted quotation, a reached milestone.

The invoice is billing's own: drafted with the tenant's PKP setting (so PPN is billing's),
numbered by the tenant's invoice numbering (`numbering_for`), due after its payment terms
(`due_date`), and saved in one transaction with the event that marks the work invoiced. Its
id derives from the work's, so the work becomes an invoice once: a second call is refused by
the work's own aggregate and changes nothing, and two racing calls collide in the event store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from uuid import UUID

from application.billing import due_date, numbering_for
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.errors import ConcurrentModification
from application.shared.event_store import EventStore
from application.shared.ports import Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver
from domain.billing.invoice import Invoice, Line

RETRIES = 5  # another writer took the number first: take the next one
T = TypeVar("T")


@dataclass(frozen=True)
class Invoiced:
    invoice_id: UUID
    invoice_number: str


@dataclass(frozen=True)
class Billable:
    """Work about to be invoiced: its aggregate, whom and what to bill, the invoice's id
    (derived from the work's), and how the work records that it was invoiced (refusing a
    second time)."""

    source: object
    customer_id: UUID
    lines: list[Line]
    invoice_id: UUID
    mark: Callable[[UUID, str, date], None]


class WorkInvoicing:
    """Issues the one invoice of a piece of work; callers authorise first."""

    def __init__(self, stores: Stores, saver: Saver, clock: Clock) -> None:
        self._stores = stores
        self._saver = saver
        self._clock = clock

    def invoice(
        self,
        principal: Principal,
        command: str,
        billable: Callable[[EventStore, UUID], Billable],
    ) -> Invoiced:
        """`billable` loads the work afresh on every attempt, so each checks every rule anew."""
        store = self._stores.for_tenant(principal.tenant_id)
        tenant = tenant_of(self._stores, principal.tenant_id)

        def attempt() -> Invoiced:
            work = billable(store, tenant.id)
            invoice = Invoice.draft(
                tenant.id, work.customer_id, work.lines, pkp=tenant.pkp, invoice_id=work.invoice_id
            )
            today = self._clock.today(tenant.timezone)
            numbering = numbering_for(store, tenant, today)
            (number,) = numbering.take(1)
            work.mark(invoice.id, number, today)
            invoice.issue(number, today, due_date(tenant, today))
            self._saver.save(store, principal, command, work.source, invoice, numbering)
            return Invoiced(invoice.id, number)

        return retrying(attempt)


def retrying(attempt: Callable[[], T]) -> T:
    """Run again, from fresh state, when a concurrent writer took the number (or changed the
    work) first; each attempt checks every rule anew."""
    for _ in range(RETRIES - 1):
        try:
            return attempt()
        except ConcurrentModification:
            continue
    return attempt()
