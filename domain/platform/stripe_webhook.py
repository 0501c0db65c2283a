"""A webhook from Stripe, kept as received with what Niaga made of it, once per Stripe event."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

_IDS = UUID("0d6f8e2a-47b1-4c3e-9a55-6b1e2f7c8d90")


class WebhookVerdict(StrEnum):
    APPLIED = "applied"  # it changed a platform subscription
    IGNORED = "ignored"  # verified, but about nothing Niaga acts on


class StripeWebhook(Aggregate):
    """Its id derives from Stripe's event id, so a replayed delivery cannot be recorded twice.
    Only verified webhooks are kept: a forged or stale one is refused before anything is
    written, so that nobody can fill the store by posting to the endpoint."""

    class Received(Aggregate.Created):
        stripe_event_id: str
        event_type: str
        tenant_id: UUID | None
        headers: dict[str, str]
        body: str
        verdict: str
        reason: str

    @staticmethod
    def id_for(stripe_event_id: str) -> UUID:
        return uuid5(_IDS, f"stripe-event:{stripe_event_id}")

    @classmethod
    def receive(
        cls,
        stripe_event_id: str,
        event_type: str,
        tenant_id: UUID | None,
        headers: dict[str, str],
        body: str,
        verdict: WebhookVerdict,
        reason: str,
    ) -> StripeWebhook:
        return cls._create(
            cls.Received,
            id=cls.id_for(stripe_event_id),
            stripe_event_id=stripe_event_id,
            event_type=event_type,
            tenant_id=tenant_id,
            headers=headers,
            body=body,
            verdict=verdict.value,
            reason=reason,
        )

    @event(Received)
    def __init__(
        self,
        stripe_event_id: str,
        event_type: str,
        tenant_id: UUID | None,
        headers: dict[str, str],
        body: str,
        verdict: str,
        reason: str,
    ) -> None:
        self.stripe_event_id = stripe_event_id
        self.event_type = event_type
        self.tenant_id = tenant_id
        self.verdict = WebhookVerdict(verdict)
