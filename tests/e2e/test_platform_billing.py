"""The platform bills its tenants with Stripe: plans, subscriptions, usage metering, webhooks
and dunning, against a fake of Stripe's API on a real socket and through the real HTTP server
and `niaga` command."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import httpx
import pytest

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.shared.context import recording
from domain.messaging.whatsapp import OutboundMessage
from domain.platform.metering import identifier_for
from domain.platform.plans import Meter
from tests.conftest import principal_for
from tests.e2e.cli import run_niaga
from tests.fakes.stripe_fake import FakeStripe, signed_event
from tests.integration.read_models import assert_live_equals_rebuild, store_of

SECRET = "whsec_test_platform_billing"
OPERATOR_ENV = {"NIAGA_STRIPE_API_KEY": "sk_test_niaga", "NIAGA_STRIPE_WEBHOOK_SECRET": SECRET}


@pytest.fixture
def stripe_fake() -> Iterator[FakeStripe]:
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(settings: Settings, stripe_fake: FakeStripe) -> Settings:
    return settings.model_copy(
        update={
            "niaga_stripe_api_key": OPERATOR_ENV["NIAGA_STRIPE_API_KEY"],
            "niaga_stripe_webhook_secret": SECRET,
            "niaga_stripe_api_base": stripe_fake.url,
        }
    )


@pytest.fixture
def subscribed(niaga: Niaga, tenant_id: UUID) -> UUID:
    """The tenant on the starter plan, its owner's number set for warnings."""
    billing = niaga.services.platform_billing
    billing.sync_plans()
    billing.subscribe(tenant_id, "starter", principal_for(tenant_id).actor)
    niaga.services.ceo_digests.set_recipients(principal_for(tenant_id), ["081234567890"])
    return tenant_id


def _niaga(settings: Settings, fake: FakeStripe, *args: str) -> str:
    done = run_niaga(settings, *args, env={**OPERATOR_ENV, "NIAGA_STRIPE_API_BASE": fake.url})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_operator_syncs_plans_once_subscribes_and_changes_plan_with_proration(
    settings: Settings, niaga: Niaga, tenant_id: UUID, stripe_fake: FakeStripe
) -> None:
    first = _niaga(settings, stripe_fake, "platform", "plans", "sync")
    again = _niaga(settings, stripe_fake, "platform", "plans", "sync")
    assert "17 created, 0 already current" in first
    assert "0 created, 17 already current" in again
    assert set(stripe_fake.products) == {"niaga_plan_starter", "niaga_plan_growth"}

    _niaga(settings, stripe_fake, "platform", "subscribe", str(tenant_id), "--plan", "starter")
    (subscription,) = stripe_fake.subscriptions.values()
    assert _lookup_keys(subscription) == {
        "niaga_starter_shared",
        "niaga_starter_ai_tokens",
        "niaga_starter_whatsapp_messages",
        "niaga_starter_active_subscribers",
    }
    assert stripe_fake.customers[subscription["customer"]]["metadata"] == {
        "niaga_tenant": str(tenant_id)
    }

    _niaga(settings, stripe_fake, "platform", "change-plan", str(tenant_id), "--plan", "growth")
    assert _lookup_keys(subscription) == {
        "niaga_growth_shared",
        "niaga_growth_ai_tokens",
        "niaga_growth_whatsapp_messages",
        "niaga_growth_active_subscribers",
    }
    assert subscription["prorations"] == ["create_prorations"]
    row = _subscription_row(niaga, tenant_id)
    assert (row["plan"], row["tier"], row["customer_id"]) == (
        "growth",
        "shared",
        subscription["customer"],
    )

    same = run_niaga(
        settings, "platform", "change-plan", str(tenant_id), "--plan", "growth", env=OPERATOR_ENV
    )
    unknown = run_niaga(settings, "platform", "subscribe", str(tenant_id), "--plan", "gold")
    assert same.returncode == 1
    assert "PLATFORM_SUBSCRIPTION_REFUSED" in same.stderr
    assert unknown.returncode == 1
    assert "no platform plan 'gold'" in unknown.stderr
    assert len(stripe_fake.subscriptions) == 1
    assert subscription["prorations"] == ["create_prorations"]


def test_a_usage_is_reported_once_even_when_the_job_retries_after_a_lost_answer(
    niaga: Niaga, subscribed: UUID, stripe_fake: FakeStripe
) -> None:
    message = _sent_whatsapp_message(niaga, subscribed)
    dispatcher = niaga.platform_billing.dispatcher(niaga.stores, niaga.clock)
    assert dispatcher is not None
    identifier = identifier_for(Meter.WHATSAPP_MESSAGES, message, 2)
    stripe_fake.lose_answers[identifier] = 1  # Stripe records the event; its answer is lost
    try:
        dispatcher.dispatch()
        dispatcher.wait()
        time.sleep(3.2)  # the policy's first backoff: 2 s plus up to 1 s of jitter
        dispatcher.dispatch()
        dispatcher.wait()
        dispatcher.dispatch()  # nothing left to submit
        dispatcher.wait()
    finally:
        dispatcher.close()

    customer = _subscription_row(niaga, subscribed)["customer_id"]
    assert stripe_fake.meter_event_posts[identifier] == 2
    assert stripe_fake.usage(customer, "niaga_whatsapp_messages") == 1
    reports = {r["meter"]: r for r in _meter_rows(niaga, subscribed)}
    assert reports["whatsapp_messages"]["status"] == "reported"
    assert reports["whatsapp_messages"]["attempts"] == 2
    # The daily count of active subscribers went out too (none yet).
    assert reports["active_subscribers"]["status"] == "reported"
    assert stripe_fake.usage(customer, "niaga_active_subscribers") == 0
    assert_live_equals_rebuild(niaga, store_of(niaga, subscribed), ("platform_meter_reports",))


def test_usage_of_a_tenant_without_a_platform_subscription_is_refused_and_kept(
    niaga: Niaga, tenant_id: UUID, stripe_fake: FakeStripe
) -> None:
    _sent_whatsapp_message(niaga, tenant_id)
    _report_due_usage(niaga)
    (row,) = _meter_rows(niaga, tenant_id)
    assert (row["status"], row["error"]) == ("refused", "the tenant has no platform subscription")
    assert not stripe_fake.meter_event_posts


def test_forged_and_stale_webhooks_are_refused_and_change_nothing(
    niaga: Niaga, server: str, subscribed: UUID
) -> None:
    customer = _subscription_row(niaga, subscribed)["customer_id"]
    failed = {"id": "in_1", "object": "invoice", "customer": customer}
    forged = signed_event("whsec_not_ours", "invoice.payment_failed", failed)
    stale = signed_event(SECRET, "invoice.payment_failed", failed, at=int(time.time()) - 301)
    unsigned = (forged[0], "")

    for body, header in (forged, stale, unsigned):
        answer = _post(server, body, header)
        assert answer.status_code == 400, answer.text
        assert answer.json()["verdict"] == "refused"
    assert _webhook_count(niaga) == 0
    assert _subscription_row(niaga, subscribed)["failures"] == 0

    good = _post(server, *signed_event(SECRET, "invoice.payment_failed", failed))
    assert good.status_code == 200
    assert good.json()["verdict"] == "applied"
    assert _webhook_count(niaga) == 1


def test_a_replayed_event_is_processed_once(niaga: Niaga, server: str, subscribed: UUID) -> None:
    customer = _subscription_row(niaga, subscribed)["customer_id"]
    event = signed_event(SECRET, "invoice.payment_failed", {"id": "in_2", "customer": customer})

    answers = [_post(server, *event).json()["verdict"] for _ in range(2)]

    assert answers == ["applied", "duplicate"]
    assert _subscription_row(niaga, subscribed)["failures"] == 1
    assert _warnings(niaga, subscribed) == ["platform_payment_failed"]


def test_three_failed_payments_lock_the_tenant_and_a_paid_invoice_unlocks_it(
    niaga: Niaga, server: str, subscribed: UUID
) -> None:
    customer = _subscription_row(niaga, subscribed)["customer_id"]
    invoice = {"id": "in_3", "object": "invoice", "customer": customer}
    for attempt in (1, 2):
        _post(server, *signed_event(SECRET, "invoice.payment_failed", invoice))
        assert not _locked(niaga, subscribed), f"locked after {attempt} failures"

    _post(server, *signed_event(SECRET, "invoice.payment_failed", invoice))
    assert _locked(niaga, subscribed)
    _sent_whatsapp_message(niaga, subscribed)  # usage while locked is still billed
    _report_due_usage(niaga)
    assert {r["meter"]: r["status"] for r in _meter_rows(niaga, subscribed)} == {
        "whatsapp_messages": "reported",
        "active_subscribers": "reported",
    }
    assert _warnings(niaga, subscribed) == [
        "platform_payment_failed",
        "platform_payment_failed",
        "platform_locked",
    ]

    paid = _post(server, *signed_event(SECRET, "invoice.paid", invoice))
    assert paid.json()["verdict"] == "applied"
    assert not _locked(niaga, subscribed)
    assert _subscription_row(niaga, subscribed)["failures"] == 0
    assert_live_equals_rebuild(niaga, store_of(niaga, subscribed), ("platform_subscriptions",))
    assert _parked(niaga) == []


# -- helpers ---------------------------------------------------------------------------------


def _post(server: str, body: bytes, signature: str) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature:
        headers["stripe-signature"] = signature
    return httpx.post(f"{server}/callbacks/stripe", content=body, headers=headers, timeout=10)


def _report_due_usage(niaga: Niaga) -> None:
    """One pass of the metering process manager, its jobs waited for."""
    dispatcher = niaga.platform_billing.dispatcher(niaga.stores, niaga.clock)
    assert dispatcher is not None
    try:
        dispatcher.dispatch()
        dispatcher.wait()
    finally:
        dispatcher.close()


def _lookup_keys(subscription: dict[str, Any]) -> set[str]:
    return {item["price"]["lookup_key"] for item in subscription["items"]["data"]}


def _sent_whatsapp_message(niaga: Niaga, tenant_id: UUID) -> UUID:
    """A message the provider took, recorded as the send job records it."""
    store = niaga.stores.for_tenant(tenant_id)
    message = OutboundMessage.queue(
        UUID(int=tenant_id.int ^ 1), tenant_id, None, "ceo_digest", {}, tenant_id, None, "x"
    )
    message.sent("fonnte", "wamid.1")
    owner = principal_for(tenant_id)
    with recording("SendWhatsAppMessage", actor=owner.actor, tenant_id=tenant_id):
        position = store.save_and_locate(message)
    niaga.projections.wait(store, position)
    return message.id


def _query(niaga: Niaga, tenant_id: UUID, statement: str) -> list[dict[str, Any]]:
    store = niaga.stores.for_tenant(tenant_id)
    schema = store.ref.schema  # type: ignore[attr-defined]
    with niaga.database.connection() as conn:
        cursor = conn.execute(statement.format(schema=schema), (tenant_id,))
        names = [column.name for column in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _subscription_row(niaga: Niaga, tenant_id: UUID) -> dict[str, Any]:
    (row,) = _query(
        niaga, tenant_id, 'SELECT * FROM "{schema}".platform_subscriptions WHERE tenant_id = %s'
    )
    return row


def _meter_rows(niaga: Niaga, tenant_id: UUID) -> list[dict[str, Any]]:
    return _query(
        niaga, tenant_id, 'SELECT * FROM "{schema}".platform_meter_reports WHERE tenant_id = %s'
    )


def _warnings(niaga: Niaga, tenant_id: UUID) -> list[str]:
    rows = _query(
        niaga,
        tenant_id,
        'SELECT template FROM "{schema}".message_log WHERE tenant_id = %s '
        "AND template LIKE 'platform_%%' ORDER BY requested_at",
    )
    return [row["template"] for row in rows]


def _webhook_count(niaga: Niaga) -> int:
    schema = niaga.settings.niaga_platform_schema
    with niaga.database.connection() as conn:
        row = conn.execute(
            f'SELECT count(*) FROM "{schema}".niaga_events WHERE topic LIKE %s',
            ("%StripeWebhook.Received",),
        ).fetchone()
    return int(row[0]) if row else 0


def _locked(niaga: Niaga, tenant_id: UUID) -> bool:
    return bool(niaga.tenants.tenant(tenant_id).locked)


def _parked(niaga: Niaga) -> list[tuple[Any, ...]]:
    """Events a projection could not apply in the platform store (none, or a read model lies)."""
    schema = niaga.settings.niaga_platform_schema
    with niaga.database.connection() as conn:
        return conn.execute(f'SELECT projection, topic FROM "{schema}".parked_events').fetchall()
