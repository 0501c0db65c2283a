"""Stripe's webhooks to the platform, and the dunning they drive.

A webhook is verified first (its Stripe-Signature, within 300 seconds): a forged or stale one is
answered 400 and nothing is written. A verified one is kept raw with its verdict, once per
Stripe event id, so a replayed delivery changes nothing twice.

Dunning: each `invoice.payment_failed` warns the tenant's owner on WhatsApp and by e-mail (the
numbers and addresses the tenant set for its CEO digest); the third failure in a row
soft-locks the tenant; `invoice.paid` lifts a lock that dunning set at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.persistence import IntegrityError

from application.platform.billing_ports import (
    OwnerPhones,
    PlatformBillingReadModels,
    StripeEvent,
    TenantLocks,
    TierOf,
    WebhookRefused,
    WebhookVerifier,
)
from application.shared.context import Actor, ActorKind, recording
from application.shared.errors import ConcurrentModification
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import find
from domain.messaging.email import OutboundEmail, email_id
from domain.messaging.whatsapp import OutboundMessage
from domain.platform.stripe_webhook import StripeWebhook, WebhookVerdict
from domain.platform.subscription import LOCK_AFTER_FAILURES, PlatformSubscription
from domain.shared.text import printable

log = logging.getLogger(__name__)
STRIPE = Actor(ActorKind.GATEWAY, "stripe")
MAX_STORED_BODY = 65_536
_STATUS_EVENTS = frozenset({"customer.subscription.updated", "customer.subscription.deleted"})


@dataclass(frozen=True)
class WebhookAnswer:
    http_status: int
    verdict: str  # applied, ignored, duplicate, refused
    reason: str


@dataclass
class _Decision:
    verdict: WebhookVerdict
    reason: str
    subscription: PlatformSubscription | None = None
    lock: bool = False
    unlock: bool = False
    warning: str | None = None  # the template of the owner's warning (WhatsApp and e-mail)


class StripeWebhooks:
    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        verifier: WebhookVerifier | None,
        read_models: PlatformBillingReadModels,
        locks: TenantLocks,
        owners: OwnerPhones,
        tenant_of: TierOf,
    ) -> None:
        self._stores = stores
        self._sync = sync
        self._verifier = verifier
        self._read_models = read_models
        self._locks = locks
        self._owners = owners
        self._tenant_of = tenant_of

    def receive(self, headers: Mapping[str, str], body: bytes) -> WebhookAnswer:
        """Verify, decide and record one webhook; the answer says how to reply."""
        if self._verifier is None:
            return WebhookAnswer(503, "refused", "Stripe webhooks are not configured")
        try:
            event = self._verifier.verify(body, headers.get("stripe-signature", ""))
        except WebhookRefused as refused:
            log.warning("refused a Stripe webhook: %s", refused.message)
            return WebhookAnswer(400, "refused", refused.message)
        platform = self._stores.platform()
        if find(platform, StripeWebhook, StripeWebhook.id_for(event.id)) is not None:
            return WebhookAnswer(200, "duplicate", f"event {event.id} was received before")
        decision = self._decide(event)
        record = StripeWebhook.receive(
            event.id,
            event.type,
            decision.subscription.tenant_id if decision.subscription else None,
            {printable(k, 200): printable(v, 2000) for k, v in headers.items()},
            printable(body[:MAX_STORED_BODY].decode("utf-8", errors="replace"), MAX_STORED_BODY),
            decision.verdict,
            decision.reason,
        )
        return self._apply(event, decision, record)

    # -- deciding ------------------------------------------------------------------------------

    def _decide(self, event: StripeEvent) -> _Decision:
        customer = _text(event.data.get("customer"))
        found = self._read_models.subscription_of_customer(customer) if customer else None
        if found is None:
            return _Decision(WebhookVerdict.IGNORED, f"{event.type}: no tenant has this customer")
        store = self._stores.platform()
        subscription = find(
            store, PlatformSubscription, PlatformSubscription.id_for(found.tenant_id)
        )
        if subscription is None:
            return _Decision(WebhookVerdict.IGNORED, f"{event.type}: no platform subscription")
        if event.type == "invoice.payment_failed":
            return _failed(subscription, event)
        if event.type == "invoice.paid":
            was_locked = subscription.locks
            subscription.paid(_text(event.data.get("id")), event.id)
            return _Decision(
                WebhookVerdict.APPLIED, "invoice paid", subscription, unlock=was_locked
            )
        if event.type in _STATUS_EVENTS:
            status = _text(event.data.get("status")) or "unknown"
            subscription.report_status(status[:40], event.id)
            return _Decision(WebhookVerdict.APPLIED, f"subscription {status}", subscription)
        return _Decision(WebhookVerdict.IGNORED, f"{event.type}: nothing to do", subscription)

    # -- recording -----------------------------------------------------------------------------

    def _apply(
        self, event: StripeEvent, decision: _Decision, record: StripeWebhook
    ) -> WebhookAnswer:
        """The lock first (it is idempotent), then the owner's warning, then the record: a
        failure anywhere before the record answers 500, and Stripe's retry finds the earlier
        steps done."""
        subscription = decision.subscription
        if subscription is not None and decision.lock:
            reason = f"{LOCK_AFTER_FAILURES} failed payments of the platform plan"
            self._locks.lock(subscription.tenant_id, reason, STRIPE)
        if subscription is not None and decision.unlock:
            self._locks.unlock(subscription.tenant_id, STRIPE)
        if subscription is not None and decision.warning is not None:
            self._warn(subscription, decision.warning, record.id)
        platform = self._stores.platform()
        objects: list[Any] = [record] if subscription is None else [record, subscription]
        with recording("ReceiveStripeWebhook", actor=STRIPE, tenant_id=record.tenant_id):
            try:
                position = platform.save_and_locate(*objects)
            except IntegrityError as error:
                if find(platform, StripeWebhook, record.id) is not None:
                    # A racing delivery of the same event was recorded first.
                    return WebhookAnswer(200, "duplicate", f"event {event.id} was received before")
                # Another event changed the subscription meanwhile: Stripe retries this one.
                raise ConcurrentModification(f"event {event.id} raced another") from error
        self._sync.wait(platform, position)
        return WebhookAnswer(200, decision.verdict.value, decision.reason)

    def _warn(self, subscription: PlatformSubscription, template: str, source: UUID) -> None:
        tenant_id = subscription.tenant_id
        phones, addresses = self._owners.phones(tenant_id), self._owners.emails(tenant_id)
        if not phones and not addresses:
            log.warning("tenant %s has no owner contact for the platform's warning", tenant_id)
            return
        variables = {
            "perusahaan": self._tenant_of(tenant_id)[0],
            "paket": subscription.plan,
            "percobaan": str(subscription.failures),
            "batas": str(LOCK_AFTER_FAILURES),
        }
        messages = [
            OutboundMessage.queue(
                uuid5(source, f"owner-warning:{n}"),
                tenant_id,
                None,
                template,
                variables,
                source,
                recipient_sealed=phone,
            )
            for n, phone in enumerate(phones)
        ]
        emails = [
            OutboundEmail.queue(
                email_id(source, f"owner-warning:{n}"),
                tenant_id,
                None,
                template,
                variables,
                source,
                recipient_sealed=address,
            )
            for n, address in enumerate(addresses)
        ]
        store = self._stores.for_tenant(tenant_id)
        with recording("WarnOwnerOfPlatformPayment", actor=STRIPE, tenant_id=tenant_id):
            try:
                position = store.save_and_locate(*messages, *emails)
            except IntegrityError:
                return  # queued by an earlier delivery of this event
        self._sync.wait(store, position)


def _failed(subscription: PlatformSubscription, event: StripeEvent) -> _Decision:
    locks_now = subscription.payment_failed(_text(event.data.get("id")), event.id)
    template = "platform_locked" if locks_now else "platform_payment_failed"
    reason = f"payment failed ({subscription.failures} in a row)"
    return _Decision(
        WebhookVerdict.APPLIED, reason, subscription, lock=subscription.locks, warning=template
    )


def _text(value: object) -> str:
    """An id Stripe sent as a string, or as an expanded object with an id."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value[:255] if isinstance(value, str) else ""
