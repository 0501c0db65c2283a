"""Shared steps for webhook tests: a container that may send to local receivers, a dispatcher
whose jobs run synchronously, and reading what a receiver got."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from standardwebhooks import Webhook

from adapters.bootstrap import Niaga, webhook_dispatcher
from adapters.integrations.dispatcher import WebhookDispatcher
from application.customers.customers import RegisterCustomer
from application.integrations.ports import DeliveryFilter, WebhookDeliveryView
from application.shared.context import Principal
from tests.fakes.webhook_receiver import Received


def synchronous_dispatcher(niaga: Niaga) -> WebhookDispatcher:
    """Jobs run in the calling thread, so a test sees their outcome when the call returns."""

    def deliver(tenant_id: UUID, ids: list[UUID]) -> None:
        niaga.webhook_deliverer.deliver(tenant_id, ids)

    return webhook_dispatcher(niaga, deliver)


def step(niaga: Niaga, dispatcher: WebhookDispatcher) -> int:
    """One round of the daemon: fan out, deliver, bring the read models up to date, then
    deliver what became due."""
    sent = dispatcher.fan_out()
    niaga.projections.catch_up_all()
    sent += dispatcher.dispatch_due()
    niaga.projections.catch_up_all()
    return sent


def register(niaga: Niaga, owner: Principal, name: str, phone: str) -> UUID:
    return niaga.customers.register(owner, RegisterCustomer(name, phone))


def deliveries(niaga: Niaga, owner: Principal, **where: Any) -> list[WebhookDeliveryView]:
    return niaga.webhook_queries.deliveries(owner, DeliveryFilter(**where), 100, None).items


def verified(secret: str, request: Received) -> dict[str, Any]:
    """The payload, verified by the reference implementation (raises if the signature is bad)."""
    payload: dict[str, Any] = Webhook(secret).verify(request.body, request.headers)
    return payload


def body(request: Received) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(request.body)
    return parsed
