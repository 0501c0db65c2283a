"""Indonesian payment gateways: a tenant's account with each, the payment links it hands to
customers, and every callback a gateway sends, kept raw for audit whatever the verdict."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import DomainError, InvalidValue
from domain.shared.money import positive_amount


class Gateway(StrEnum):
    MIDTRANS = "midtrans"
    XENDIT = "xendit"
    TRIPAY = "tripay"
    DUITKU = "duitku"


# What each gateway needs to sign, verify and call; secret values are sealed before they get here.
CREDENTIALS: dict[Gateway, frozenset[str]] = {
    Gateway.MIDTRANS: frozenset({"server_key"}),
    Gateway.XENDIT: frozenset({"secret_key", "callback_token"}),
    Gateway.TRIPAY: frozenset({"api_key", "private_key", "merchant_code"}),
    Gateway.DUITKU: frozenset({"merchant_code", "api_key"}),
}
MIN_LINK_MINUTES, MAX_LINK_MINUTES = 5, 60 * 24 * 30


def gateway_named(name: str) -> Gateway:
    try:
        return Gateway(name)
    except ValueError:
        known = ", ".join(g.value for g in Gateway)
        raise InvalidValue(f"unknown gateway {name!r}; known: {known}", field="gateway") from None


class GatewayAccount(Aggregate):
    """A tenant's merchant account at one gateway. Credentials are stored sealed only."""

    class Configured(Aggregate.Created):
        tenant_id: UUID
        gateway: str
        credentials_sealed: dict[str, str]
        endpoints: dict[str, str]
        link_minutes: int

    class Reconfigured(Aggregate.Event):
        credentials_sealed: dict[str, str]
        endpoints: dict[str, str]
        link_minutes: int

    @staticmethod
    def id_for(tenant_id: UUID, gateway: Gateway) -> UUID:
        return uuid5(tenant_id, f"gateway-account:{gateway.value}")

    @classmethod
    def configure(
        cls,
        tenant_id: UUID,
        gateway: Gateway,
        credentials_sealed: dict[str, str],
        endpoints: dict[str, str],
        link_minutes: int,
    ) -> GatewayAccount:
        _require_credentials(gateway, credentials_sealed)
        return cls._create(
            cls.Configured,
            id=cls.id_for(tenant_id, gateway),
            tenant_id=tenant_id,
            gateway=gateway.value,
            credentials_sealed=dict(credentials_sealed),
            endpoints=dict(endpoints),
            link_minutes=_link_minutes(link_minutes),
        )

    @event(Configured)
    def __init__(
        self,
        tenant_id: UUID,
        gateway: str,
        credentials_sealed: dict[str, str],
        endpoints: dict[str, str],
        link_minutes: int,
    ) -> None:
        self.tenant_id = tenant_id
        self.gateway = Gateway(gateway)
        self.credentials_sealed = credentials_sealed
        self.endpoints = endpoints
        self.link_minutes = link_minutes

    def reconfigure(
        self,
        credentials_sealed: dict[str, str],
        endpoints: dict[str, str],
        link_minutes: int | None,
    ) -> None:
        """Given credentials and endpoints replace the old ones; those left out stay."""
        credentials = {**self.credentials_sealed, **credentials_sealed}
        _require_credentials(self.gateway, credentials)
        self._reconfigured(
            credentials_sealed=credentials,
            endpoints={k: v for k, v in {**self.endpoints, **endpoints}.items() if v},
            link_minutes=_link_minutes(link_minutes or self.link_minutes),
        )

    @event(Reconfigured)
    def _reconfigured(
        self, credentials_sealed: dict[str, str], endpoints: dict[str, str], link_minutes: int
    ) -> None:
        self.credentials_sealed = credentials_sealed
        self.endpoints = endpoints
        self.link_minutes = link_minutes


def _require_credentials(gateway: Gateway, credentials: dict[str, str]) -> None:
    unknown = set(credentials) - CREDENTIALS[gateway]
    if unknown:
        raise InvalidValue(
            f"{gateway.value} takes no {', '.join(sorted(unknown))}", field="credentials"
        )
    missing = CREDENTIALS[gateway] - {k for k, v in credentials.items() if v}
    if missing:
        raise InvalidValue(
            f"{gateway.value} needs {', '.join(sorted(missing))}", field="credentials"
        )


def _link_minutes(minutes: int) -> int:
    if not MIN_LINK_MINUTES <= minutes <= MAX_LINK_MINUTES:
        raise InvalidValue(
            f"a link lives {MIN_LINK_MINUTES}-{MAX_LINK_MINUTES} minutes", field="linkMinutes"
        )
    return minutes


class LinkPurpose(StrEnum):
    """What a link pays for. Links made before purposes existed pay invoices."""

    INVOICE = "invoice"
    VOUCHER_ORDER = "voucher_order"  # subject: the VoucherOrder
    AGENT_TOP_UP = "agent_top_up"  # subject: the Agent


class LinkStatus(StrEnum):
    ACTIVE = "active"
    PAID = "paid"
    EXPIRED = "expired"
    REVIEW = "review"  # the gateway reported an amount or currency we did not ask for


class PaymentLinkRefused(DomainError):
    code = "PAYMENT_LINK_REFUSED"


class PaymentLink(Aggregate):
    """A payment a gateway holds for one invoice: its order id, the gateway's reference and the
    page the customer pays on, until it expires. An expired link is never handed out again."""

    class Created(Aggregate.Created):
        class_version = 2  # `purpose` and `subject_id` are required from version 2
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
        # For a voucher order or a top-up, invoice_id holds the subject's id too and
        # customer_id the agent's (no invoice or customer is involved).
        purpose: str
        subject_id: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 events stored before purposes existed lack both fields: those links
            # paid an invoice (their subject). Later version 1 events carry them already.
            state.setdefault("purpose", LinkPurpose.INVOICE.value)
            state.setdefault("subject_id", None)

    class Paid(Aggregate.Event):
        payment_id: UUID
        reference: str
        amount: int

    class Expired(Aggregate.Event):
        reason: str

    class FlaggedForReview(Aggregate.Event):
        reason: str
        amount: int | None
        currency: str

    @staticmethod
    def id_for(tenant_id: UUID, gateway: Gateway, order_id: str) -> UUID:
        """Callbacks name the order id we sent; the link is found from it without a query."""
        return uuid5(tenant_id, f"payment-link:{gateway.value}:{order_id}")

    @classmethod
    def create(
        cls,
        tenant_id: UUID,
        invoice_id: UUID,
        customer_id: UUID,
        gateway: Gateway,
        order_id: str,
        reference: str,
        url: str,
        amount: int,
        currency: str,
        expires_at: datetime,
        purpose: LinkPurpose = LinkPurpose.INVOICE,
    ) -> PaymentLink:
        if not url.startswith(("https://", "http://")):
            raise InvalidValue(f"the gateway returned no usable URL ({url!r})", field="url")
        return cls._create(
            cls.Created,
            id=cls.id_for(tenant_id, gateway, order_id),
            tenant_id=tenant_id,
            invoice_id=invoice_id,
            customer_id=customer_id,
            gateway=gateway.value,
            order_id=order_id,
            reference=reference,
            url=url,
            amount=positive_amount(amount),
            currency=currency,
            expires_at=expires_at,
            purpose=purpose.value,
            subject_id=None if purpose is LinkPurpose.INVOICE else invoice_id,
        )

    @event(Created)
    def __init__(
        self,
        tenant_id: UUID,
        invoice_id: UUID,
        customer_id: UUID,
        gateway: str,
        order_id: str,
        reference: str,
        url: str,
        amount: int,
        currency: str,
        expires_at: datetime,
        purpose: str,
        subject_id: UUID | None,
    ) -> None:
        self.tenant_id = tenant_id
        self.purpose = LinkPurpose(purpose)
        self.subject_id = subject_id or invoice_id
        self.invoice_id = invoice_id
        self.customer_id = customer_id
        self.gateway = Gateway(gateway)
        self.order_id = order_id
        self.reference = reference
        self.url = url
        self.amount = amount
        self.currency = currency
        self.expires_at = expires_at
        self.status = LinkStatus.ACTIVE
        self.payment_id: UUID | None = None

    def usable(self, now: datetime) -> bool:
        """Still worth sending to the customer: neither paid, expired nor under review."""
        return self.status is LinkStatus.ACTIVE and now < self.expires_at

    def mismatch(self, amount: int | None, currency: str) -> str | None:
        """Why a reported payment does not match what this link asked for (None if it does)."""
        if currency != self.currency:
            return f"currency {currency} differs from the link's {self.currency}"
        if amount != self.amount:
            return f"amount {amount} differs from the link's {self.amount}"
        return None

    def pay(self, payment_id: UUID, reference: str, amount: int) -> None:
        # A payment the gateway confirms is money received even on an expired link.
        if self.status is LinkStatus.PAID:
            raise PaymentLinkRefused("the link is already paid")
        self._paid(payment_id=payment_id, reference=reference, amount=amount)

    @event(Paid)
    def _paid(self, payment_id: UUID, reference: str, amount: int) -> None:
        self.status = LinkStatus.PAID
        self.payment_id = payment_id

    def expire(self, reason: str) -> None:
        """Out of order or repeated, an expiry after the link was paid changes nothing."""
        if self.status in {LinkStatus.ACTIVE, LinkStatus.REVIEW}:
            self._expired(reason=reason)

    @event(Expired)
    def _expired(self, reason: str) -> None:
        self.status = LinkStatus.EXPIRED

    def flag(self, reason: str, amount: int | None, currency: str) -> None:
        if self.status is not LinkStatus.REVIEW:
            self._flagged(reason=reason, amount=amount, currency=currency)

    @event(FlaggedForReview)
    def _flagged(self, reason: str, amount: int | None, currency: str) -> None:
        self.status = LinkStatus.REVIEW


class Verdict(StrEnum):
    """What Niaga made of a callback."""

    REJECTED = "rejected"  # not verified, malformed, unknown or stale: nothing changed
    APPLIED = "applied"  # a payment was recorded
    DUPLICATE = "duplicate"  # the payment was recorded before
    IGNORED = "ignored"  # verified, but nothing to do (pending, or after the link was settled)
    EXPIRED = "expired"  # the link expired
    FLAGGED = "flagged"  # amount or currency mismatch: held for review, not applied
    PENDING_RECHECK = "pending_recheck"  # the gateway's status API was down; retried later


class GatewayCallback(Aggregate):
    """One inbound callback as received (headers, body) with the verdict on it.

    Rejected callbacks are kept too; a callback whose re-check had to wait gets a later verdict.
    """

    class Received(Aggregate.Created):
        tenant_id: UUID | None
        tenant_ref: str
        gateway: str
        headers: dict[str, str]
        body: str
        verdict: str
        reason: str
        http_status: int
        order_id: str | None
        reference: str | None
        dedupe_key: str | None
        claimed_status: str | None
        amount: int | None
        currency: str | None

    class Rechecked(Aggregate.Event):
        verdict: str
        reason: str
        payment_id: UUID | None
        attempt: int

    @event(Received)
    def __init__(
        self,
        tenant_id: UUID | None,
        tenant_ref: str,
        gateway: str,
        headers: dict[str, str],
        body: str,
        verdict: str,
        reason: str,
        http_status: int,
        order_id: str | None,
        reference: str | None,
        dedupe_key: str | None,
        claimed_status: str | None,
        amount: int | None,
        currency: str | None,
    ) -> None:
        self.tenant_id = tenant_id
        self.gateway = gateway
        self.verdict = Verdict(verdict)
        self.order_id = order_id
        self.reference = reference
        self.dedupe_key = dedupe_key
        self.claimed_status = claimed_status
        self.amount = amount
        self.currency = currency
        self.attempts = 0

    def recheck(self, verdict: Verdict, reason: str, payment_id: UUID | None) -> None:
        if self.verdict is not Verdict.PENDING_RECHECK:
            raise InvalidValue(f"callback is already {self.verdict.value}", field="id")
        self._rechecked(
            verdict=verdict.value, reason=reason, payment_id=payment_id, attempt=self.attempts + 1
        )

    @event(Rechecked)
    def _rechecked(self, verdict: str, reason: str, payment_id: UUID | None, attempt: int) -> None:
        self.verdict = Verdict(verdict)
        self.attempts = attempt
