"""Payment links: a payment created at a gateway for an invoice's balance, until it expires.

A usable link (same gateway, same amount, not yet expired) is handed out again; links that
expired or no longer match the balance due are marked expired, and a new one is created.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.payments.gateway_accounts import GatewayAccounts
from application.payments.ports import (
    GatewayAccess,
    GatewayProtocol,
    GatewayReadModels,
    LinkRequest,
)
from application.shared.aggregate_cache import reading_from_store
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, find, load
from domain.billing.invoice import Invoice, InvoiceStatus
from domain.customers.customer import Customer
from domain.payments.gateway import (
    Gateway,
    LinkStatus,
    PaymentLink,
    PaymentLinkRefused,
    gateway_named,
)


@dataclass(frozen=True)
class LinkOutcome:
    link_id: UUID
    reused: bool


def callback_url(public_url: str, gateway: Gateway, tenant_id: UUID) -> str:
    return f"{public_url.rstrip('/')}/callbacks/{gateway.value}/{tenant_id}"


class PaymentLinks:
    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        clock: Clock,
        accounts: GatewayAccounts,
        protocols: dict[Gateway, GatewayProtocol],
        read_models: GatewayReadModels,
        public_url: str,
    ) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._clock = clock
        self._accounts = accounts
        self._protocols = protocols
        self._read_models = read_models
        self._public_url = public_url

    def create(self, principal: Principal, invoice_id: UUID, gateway_name: str) -> LinkOutcome:
        """A link to pay the invoice's balance at the gateway: an existing usable one, or a new
        one created at the gateway (which is called before anything is saved)."""
        authorize(principal, Permission.CREATE_PAYMENT_LINKS)
        gateway = gateway_named(gateway_name)
        store = self._stores.for_tenant(principal.tenant_id)
        invoice = load(store, Invoice, invoice_id, principal.tenant_id, "invoice")
        _require_payable(invoice)
        access = self._accounts.access(store, principal.tenant_id, gateway)
        reusable, outdated = self._existing(store, principal.tenant_id, invoice, gateway)
        if reusable is not None:
            return LinkOutcome(reusable.id, reused=True)
        link = self._new_link(store, access, invoice)
        self._saver.save(store, principal, "CreatePaymentLink", link, *outdated)
        return LinkOutcome(link.id, reused=False)

    def _existing(
        self, store: EventStore, tenant_id: UUID, invoice: Invoice, gateway: Gateway
    ) -> tuple[PaymentLink | None, list[PaymentLink]]:
        """The link to hand out again, if any, and the active ones to mark expired."""
        now = self._clock.now()
        reusable, outdated = None, []
        for view in self._read_models.links(store, tenant_id, invoice.id, None, now):
            link = find(store, PaymentLink, view.id)
            if link is None or link.gateway is not gateway or link.status is not LinkStatus.ACTIVE:
                continue
            if link.usable(now) and link.amount == invoice.balance_due and reusable is None:
                reusable = link
            elif link.usable(now):
                link.expire(f"the balance due is now {invoice.balance_due}")
                outdated.append(link)
            else:
                link.expire(f"expired at {link.expires_at.isoformat()}")
                outdated.append(link)
        return reusable, outdated

    def _new_link(self, store: EventStore, access: GatewayAccess, invoice: Invoice) -> PaymentLink:
        with reading_from_store():  # the customer's contact data goes to the gateway
            customer = load(store, Customer, invoice.customer_id, invoice.tenant_id, "customer")
        now = self._clock.now()
        order_id = f"NGA-{uuid.uuid4().hex[:20].upper()}"
        request = LinkRequest(
            order_id=order_id,
            amount=invoice.balance_due,
            currency=invoice.currency,
            description=f"Tagihan {invoice.number}",
            customer_name=customer.name,
            customer_email=customer.email,
            customer_phone=customer.phone,
            minutes=access.link_minutes,
            expires_at=now + timedelta(minutes=access.link_minutes),
            callback_url=callback_url(self._public_url, access.gateway, invoice.tenant_id),
        )
        created = self._protocols[access.gateway].create_link(access, request)
        return PaymentLink.create(
            invoice.tenant_id,
            invoice.id,
            invoice.customer_id,
            access.gateway,
            order_id,
            created.reference,
            created.url,
            request.amount,
            request.currency,
            request.expires_at,
        )


def _require_payable(invoice: Invoice) -> None:
    if invoice.status not in {InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID}:
        raise PaymentLinkRefused(
            f"a {invoice.status.value} invoice cannot be paid by link", field="invoiceId"
        )
    if invoice.balance_due <= 0:
        raise PaymentLinkRefused("the invoice has nothing left to pay", field="invoiceId")
