"""Ports for payment gateways: verifying a callback, asking a gateway for a payment's status,
creating a payment link, and the read models of links and callbacks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.payments.gateway import Gateway, PaymentLink

if TYPE_CHECKING:
    from application.shared.context import Principal


class Claim(StrEnum):
    """What a gateway says happened to a payment, in its own words mapped to ours."""

    PAID = "paid"
    PENDING = "pending"
    EXPIRED = "expired"
    FAILED = "failed"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class RawCallback:
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True)
class Notification:
    """A verified callback: which order, the gateway's own reference, and what it claims."""

    order_id: str
    reference: str
    dedupe_key: str  # what the gateway's contract says to be idempotent on
    claim: Claim
    raw_status: str
    amount: int | None
    currency: str


@dataclass(frozen=True)
class StatusReport:
    """The gateway's status API answer about one payment."""

    claim: Claim
    raw_status: str
    amount: int | None
    currency: str


@dataclass(frozen=True)
class GatewayAccess:
    """A tenant's account at a gateway with its credentials opened, only ever in memory."""

    gateway: Gateway
    tenant_id: UUID
    credentials: dict[str, str]
    endpoints: dict[str, str]
    link_minutes: int


@dataclass(frozen=True)
class LinkRequest:
    order_id: str
    amount: int
    currency: str
    description: str
    customer_name: str
    customer_email: str | None
    customer_phone: str | None
    minutes: int
    expires_at: datetime
    callback_url: str


@dataclass(frozen=True)
class CreatedLink:
    reference: str
    url: str


class CallbackRejected(ApplicationError):
    """A callback that is not what the gateway's contract says: not verified or malformed."""

    code = "CALLBACK_REJECTED"

    def __init__(self, message: str, http_status: int = 400) -> None:
        super().__init__(message)
        self.http_status = http_status


class GatewayUnavailable(ApplicationError):
    """The gateway did not answer usefully (down, timed out, 5xx): worth retrying later."""

    code = "GATEWAY_UNAVAILABLE"


class GatewayRefused(ApplicationError):
    """The gateway answered with a refusal; its message says why."""

    code = "GATEWAY_REFUSED"


class GatewayProtocol(Protocol):
    """One gateway's wire contract. Implementations raise CallbackRejected, GatewayUnavailable
    or GatewayRefused."""

    gateway: Gateway

    def verify(self, raw: RawCallback, access: GatewayAccess) -> Notification:
        """Check the callback's signature or token in constant time and parse it."""
        ...

    def status(self, access: GatewayAccess, order_id: str, reference: str) -> StatusReport:
        """Ask the gateway's status API what happened to the payment."""
        ...

    def create_link(self, access: GatewayAccess, request: LinkRequest) -> CreatedLink: ...

    def acknowledgement(self) -> dict[str, object]:
        """The body the gateway expects when a callback was taken."""
        ...


@dataclass(frozen=True)
class PaymentLinkView:
    id: UUID
    tenant_id: UUID
    invoice_id: UUID
    customer_id: UUID
    gateway: str
    order_id: str
    reference: str
    url: str
    amount: int
    currency: str
    expires_at: datetime
    status: str  # active, paid, expired, review (expired also once expires_at has passed)
    payment_id: UUID | None
    review_reason: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CallbackView:
    id: UUID
    tenant_id: UUID | None
    tenant_ref: str
    gateway: str
    order_id: str | None
    reference: str | None
    claimed_status: str | None
    amount: int | None
    currency: str | None
    verdict: str
    reason: str
    http_status: int
    headers: dict[str, str]
    body: str
    payment_id: UUID | None
    attempts: int
    received_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CallbackFilter:
    gateway: str | None = None
    verdict: str | None = None
    order_id: str | None = None


@dataclass(frozen=True)
class GatewayAccountView:
    gateway: str
    credentials_set: list[str]  # names only, never values
    endpoints: dict[str, str]
    link_minutes: int
    updated_at: datetime


class GatewayReadModels(Protocol):
    def links(
        self,
        store: EventStore,
        tenant_id: UUID,
        invoice_id: UUID | None,
        status: str | None,
        now: datetime,
    ) -> list[PaymentLinkView]:
        """Newest first; a link whose expiry has passed by `now` reads as expired."""
        ...

    def callbacks(
        self,
        store: EventStore,
        tenant_id: UUID,
        where: CallbackFilter,
        first: int,
        after: str | None,
    ) -> Page[CallbackView]: ...

    def pending_rechecks(self, store: EventStore, limit: int) -> list[CallbackView]:
        """Every tenant's callbacks in this store still waiting for a status re-check."""
        ...

    def accounts(self, store: EventStore, tenant_id: UUID) -> list[GatewayAccountView]: ...


class LinkSettlement(Protocol):
    """Settles a paid link that is not for an invoice (a voucher order, an agent top-up)."""

    def settle(
        self, store: EventStore, principal: Principal, link: PaymentLink, reference: str
    ) -> list[Any]:
        """The changed aggregates to save with the link, atomically; nothing is saved here."""
        ...
