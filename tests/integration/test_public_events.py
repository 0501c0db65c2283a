"""Billing's domain events reach integrators as the documented public types, with payloads
built from the events and their aggregates' immutable facts; the webhook read models equal a
rebuild from zero."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.integrations.public_events import CATALOGUE
from application.integrations.webhooks import CreateWebhookEndpoint
from application.shared.context import Principal
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.integration.billing import Books
from tests.integration.read_models import assert_live_equals_rebuild, store_of
from tests.integration.webhooks import step, synchronous_dispatcher, verified


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"niaga_webhooks_allow_private": True})


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


def _by_type(secret: str, receiver: WebhookReceiver) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for request in receiver.received:
        payload = verified(secret, request)
        found.setdefault(payload["type"], []).append(payload)
    return found


def test_a_billing_month_is_told_in_public_events(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    secret = niaga.webhooks.create(owner, CreateWebhookEndpoint(receiver.url, [])).secret
    books = Books(niaga, owner)
    customer = books.customer("Budi")
    plan = books.plan("Paket 10 Mbps", 150_000)
    subscription = books.subscribe(customer, plan, date(2026, 1, 1), "budi")
    invoice = books.bill(subscription)
    books.change(subscription, "soft_limit", on=date(2026, 2, 10), reason="overdue")
    books.change(subscription, "suspend", on=date(2026, 2, 15), reason="overdue")
    payment = books.pay(customer, 150_000, date(2026, 2, 16), "KWT-9")
    books.change(subscription, "reactivate", on=date(2026, 2, 16))
    books.change(subscription, "terminate", on=date(2026, 3, 1), reason="pindah")
    void = books.invoice(customer, 50_000, date(2026, 3, 1))
    books.void(void, date(2026, 3, 2))
    step(niaga, synchronous_dispatcher(niaga))

    events = _by_type(secret, receiver)
    assert set(events) == {
        "customer.registered",
        "subscription.activated",
        "invoice.issued",
        "subscription.soft_limited",
        "subscription.suspended",
        "payment.received",
        "invoice.paid",
        "subscription.reactivated",
        "subscription.terminated",
        "invoice.voided",
    }
    documented = {kind.name: set(kind.fields) for kind in CATALOGUE}
    for name, payloads in events.items():
        assert all(set(p["data"]) == documented[name] for p in payloads), name
    (issued,) = [e for e in events["invoice.issued"] if e["data"]["invoice_id"] == str(invoice)]
    assert issued["version"] == 1
    assert issued["data"]["customer_id"] == str(customer)
    assert issued["data"]["subscription_id"] == str(subscription)
    assert issued["data"]["total"] == 150_000
    assert issued["data"]["currency"] == "IDR"
    (paid,) = events["invoice.paid"]
    assert paid["data"]["number"] == issued["data"]["number"]
    assert paid["data"]["paid_on"] == "2026-02-16"
    (received,) = events["payment.received"]
    assert received["data"]["payment_id"] == str(payment)
    assert received["data"]["allocations"] == [{"invoice_id": str(invoice), "amount": 150_000}]
    (suspended,) = events["subscription.suspended"]
    assert suspended["data"] == {
        "subscription_id": str(subscription),
        "customer_id": str(customer),
        "on": "2026-02-15",
        "reason": "overdue",
    }
    (voided,) = events["invoice.voided"]
    assert voided["data"]["reason"] == "salah tagih"
    assert all(e["tenant_id"] == str(owner.tenant_id) for es in events.values() for e in es)

    niaga.projections.catch_up_all()
    assert_live_equals_rebuild(
        niaga, store_of(niaga, owner.tenant_id), ("webhook_endpoints", "webhook_deliveries")
    )
