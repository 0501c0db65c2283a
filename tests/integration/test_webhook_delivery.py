"""Webhooks delivered to a real local receiver: signed per Standard Webhooks (verified with the
`standardwebhooks` package), retried on a schedule driven by the test's clock, disabled after a
whole window of failures, rotated secrets overlapping."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest
from standardwebhooks.webhooks import WebhookVerificationError

from adapters.bootstrap import Niaga, webhook_dispatcher
from adapters.integrations.sender import SocketResolver
from adapters.shared.settings import Settings
from application.integrations.webhook_delivery import WEBHOOKS, WebhookDeliverer, save_outcomes
from application.integrations.webhook_targets import TargetPolicy
from application.integrations.webhooks import CreateWebhookEndpoint
from application.shared.clock import FixedClock
from application.shared.context import Principal, recording
from domain.integrations.webhook_delivery import RETRY_SCHEDULE
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.integration.webhooks import (
    body,
    deliveries,
    register,
    step,
    synchronous_dispatcher,
    verified,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"niaga_webhooks_allow_private": True})


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[WebhookReceiver]:
    marker = request.node.get_closest_marker("fail_first")
    server = WebhookReceiver(fail_first=marker.args[0] if marker else 0).start()
    yield server
    server.stop()


def _endpoint(niaga: Niaga, owner: Principal, url: str, *types: str) -> str:
    return niaga.webhooks.create(owner, CreateWebhookEndpoint(url, list(types))).secret


@pytest.mark.fail_first(2)
def test_a_receiver_failing_twice_gets_the_message_on_the_third_attempt(
    niaga: Niaga, owner: Principal, clock: FixedClock, receiver: WebhookReceiver
) -> None:
    secret = _endpoint(niaga, owner, receiver.url, "customer.registered")
    dispatcher = synchronous_dispatcher(niaga)
    customer = register(niaga, owner, "Budi", "081234567890")

    step(niaga, dispatcher)
    (first,) = deliveries(niaga, owner)
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
    assert first.next_attempt_at is not None
    assert first.last_response_excerpt == "receiver is failing"

    clock.set_now(first.next_attempt_at)
    step(niaga, dispatcher)
    (second,) = deliveries(niaga, owner)
    assert (second.status, second.attempts) == ("pending", 2)
    assert second.next_attempt_at is not None
    assert second.next_attempt_at - first.next_attempt_at >= RETRY_SCHEDULE[1] * 0.9

    clock.set_now(second.next_attempt_at)
    step(niaga, dispatcher)
    (done,) = deliveries(niaga, owner)
    assert (done.status, done.attempts, done.last_status_code) == ("delivered", 3, 200)
    assert done.next_attempt_at is None
    assert done.last_latency_ms is not None

    assert len(receiver.received) == 3
    payloads = [verified(secret, r) for r in receiver.received]
    assert {p["id"] for p in payloads} == {done.message_id}, "one message id across retries"
    assert payloads[0]["type"] == "customer.registered"
    assert payloads[0]["data"] == {"customer_id": str(customer)}
    assert payloads[0]["tenant_id"] == str(owner.tenant_id)


def test_payloads_carry_no_personal_data_in_clear(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    _endpoint(niaga, owner, receiver.url)
    register(niaga, owner, "Siti Rahmawati", "081298765432")
    step(niaga, synchronous_dispatcher(niaga))
    (request,) = receiver.received
    assert b"Siti" not in request.body
    assert b"81298765432" not in request.body


def test_a_filter_sends_only_the_types_asked_for(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    _endpoint(niaga, owner, receiver.url, "invoice.paid")
    register(niaga, owner, "Budi", "081234567890")
    step(niaga, synchronous_dispatcher(niaga))
    assert receiver.received == []
    assert deliveries(niaga, owner) == []


@pytest.mark.fail_first(1000)
def test_a_receiver_down_for_the_whole_window_is_disabled_with_a_notification(
    niaga: Niaga, owner: Principal, clock: FixedClock, receiver: WebhookReceiver
) -> None:
    _endpoint(niaga, owner, receiver.url, "customer.registered")
    dispatcher = synchronous_dispatcher(niaga)
    register(niaga, owner, "Budi", "081234567890")
    step(niaga, dispatcher)
    for _ in range(len(RETRY_SCHEDULE)):
        (pending,) = deliveries(niaga, owner)
        assert pending.status == "pending"
        assert pending.next_attempt_at is not None
        clock.set_now(pending.next_attempt_at)
        step(niaga, dispatcher)

    (failed,) = deliveries(niaga, owner)
    assert (failed.status, failed.attempts) == ("failed", len(RETRY_SCHEDULE) + 1)
    assert len(receiver.received) == len(RETRY_SCHEDULE) + 1
    (endpoint,) = niaga.webhook_queries.endpoints(owner)
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "persistent_failure")
    store = niaga.stores.for_tenant(owner.tenant_id)
    notices = niaga.billing_read_models.notifications(store, owner.tenant_id, endpoint.id, 10)
    assert [(n.template, n.customer_id) for n in notices] == [("webhook_endpoint_disabled", None)]
    assert notices[0].variables["url"] == receiver.url
    # Failing since the first attempt, at midnight UTC: 07:00 on the tenant's (Jakarta) clock.
    assert notices[0].variables["sejak"] == "05/01/2026 07:00 WIB"

    # Nothing more goes to a disabled endpoint.
    register(niaga, owner, "Siti", "081298765432")
    clock.advance(timedelta(days=1))
    step(niaga, dispatcher)
    assert len(receiver.received) == len(RETRY_SCHEDULE) + 1


def test_the_schedule_spans_about_three_days() -> None:
    total = sum(RETRY_SCHEDULE, timedelta())
    assert timedelta(days=2.5) <= total <= timedelta(days=3.5)


def test_a_rotated_secret_keeps_signing_beside_the_new_one_until_the_overlap_ends(
    niaga: Niaga, owner: Principal, clock: FixedClock, receiver: WebhookReceiver
) -> None:
    old = _endpoint(niaga, owner, receiver.url, "customer.registered")
    (endpoint,) = niaga.webhook_queries.endpoints(owner)
    dispatcher = synchronous_dispatcher(niaga)
    clock.set_now(clock.now())
    new = niaga.webhooks.rotate_secret(owner, endpoint.id, timedelta(hours=2)).secret
    assert new != old
    assert new.startswith("whsec_")

    register(niaga, owner, "Budi", "081234567890")
    step(niaga, dispatcher)
    during = receiver.received[-1]
    assert verified(old, during) == verified(new, during)
    assert len(during.headers["webhook-signature"].split(" ")) == 2

    clock.advance(timedelta(hours=3))
    register(niaga, owner, "Siti", "081298765432")
    step(niaga, dispatcher)
    after = receiver.received[-1]
    assert verified(new, after)["type"] == "customer.registered"
    with pytest.raises(WebhookVerificationError):
        verified(old, after)


def test_manual_redelivery_sends_a_delivered_message_again(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver, clock: FixedClock
) -> None:
    secret = _endpoint(niaga, owner, receiver.url)
    dispatcher = synchronous_dispatcher(niaga)
    register(niaga, owner, "Budi", "081234567890")
    step(niaga, dispatcher)
    (delivered,) = deliveries(niaga, owner)
    assert delivered.status == "delivered"

    clock.advance(timedelta(minutes=3))  # someone looks at it later and asks for it again
    niaga.webhooks.redeliver(owner, delivered.id)
    step(niaga, dispatcher)
    (again,) = deliveries(niaga, owner)
    assert (again.status, again.attempts) == ("delivered", 2)
    first, second = receiver.received
    assert body(first) == body(second) == verified(secret, second)


def test_a_second_fan_out_over_the_same_events_schedules_nothing_twice(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    _endpoint(niaga, owner, receiver.url)
    register(niaga, owner, "Budi", "081234567890")
    step(niaga, synchronous_dispatcher(niaga))
    # A fresh dispatcher (a restarted process) resumes from its tracking position.
    step(niaga, synchronous_dispatcher(niaga))
    assert len(deliveries(niaga, owner)) == 1
    assert len(receiver.received) == 1


@pytest.mark.fail_first(1)
def test_a_due_retry_survives_a_restart_of_the_process(
    niaga: Niaga, owner: Principal, clock: FixedClock, receiver: WebhookReceiver
) -> None:
    _endpoint(niaga, owner, receiver.url)
    register(niaga, owner, "Budi", "081234567890")
    step(niaga, synchronous_dispatcher(niaga))
    (failed,) = deliveries(niaga, owner)
    assert failed.next_attempt_at is not None

    # A new process knows nothing of the first one's jobs: the retry comes from the read model.
    restarted = synchronous_dispatcher(niaga)
    assert restarted.dispatch_due() == 0, "not due yet"
    clock.set_now(failed.next_attempt_at)
    assert restarted.dispatch_due() == 1
    niaga.projections.catch_up_all()
    (done,) = deliveries(niaga, owner)
    assert (done.status, done.attempts) == ("delivered", 2)


def test_a_locked_tenants_deliveries_wait_and_go_out_once_it_is_unlocked(
    niaga: Niaga, owner: Principal, tenant_id: UUID, receiver: WebhookReceiver
) -> None:
    _endpoint(niaga, owner, receiver.url)
    niaga.tenants.lock(tenant_id, "plan unpaid")
    niaga.projections.catch_up_all()
    # Locks stop the tenant's callers, not what the platform itself records for it.
    register(niaga, owner, "Budi", "081234567890")
    dispatcher = synchronous_dispatcher(niaga)

    assert step(niaga, dispatcher) == 0
    (waiting,) = deliveries(niaga, owner)
    assert (waiting.status, waiting.attempts) == ("pending", 0)
    assert receiver.received == []

    niaga.tenants.unlock(tenant_id)
    niaga.projections.catch_up_all()
    assert step(niaga, dispatcher) == 1
    (delivered,) = deliveries(niaga, owner)
    assert (delivered.status, delivered.attempts) == ("delivered", 1)
    assert len(receiver.received) == 1


def test_a_target_that_now_resolves_into_a_private_range_is_not_sent_to(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    _endpoint(niaga, owner, receiver.url)
    register(niaga, owner, "Budi", "081234567890")
    strict = WebhookDeliverer(
        niaga.stores,
        niaga.webhook_read_models,
        niaga.webhook_sender,
        niaga.secrets,
        niaga.clock,
        TargetPolicy(SocketResolver()),
    )

    def deliver(tenant_id: UUID, ids: list[UUID]) -> None:
        strict.deliver(tenant_id, ids)

    webhook_dispatcher(niaga, deliver).fan_out()
    niaga.projections.catch_up_all()
    (refused,) = deliveries(niaga, owner)
    assert (refused.status, refused.attempts, refused.last_status_code) == ("pending", 1, None)
    assert refused.last_error is not None
    assert "private, loopback or link-local" in refused.last_error
    assert receiver.received == []


def test_outcomes_recorded_concurrently_keep_the_first_and_save_the_rest(
    niaga: Niaga, owner: Principal, clock: FixedClock, receiver: WebhookReceiver
) -> None:
    _endpoint(niaga, owner, receiver.url)
    register(niaga, owner, "Budi", "081234567890")
    register(niaga, owner, "Siti", "081298765432")
    webhook_dispatcher(niaga, lambda tenant, ids: None).fan_out()  # scheduled, not sent
    niaga.projections.catch_up_all()
    ids = [d.id for d in deliveries(niaga, owner)]
    store = niaga.stores.for_tenant(owner.tenant_id)
    mine = store.get_many(ids)
    theirs = store.get_many(ids[:1])[ids[0]]  # another worker with the same job
    theirs.record_success(clock.now(), 200, 5, "theirs")
    with recording("DeliverWebhooks", actor=WEBHOOKS, tenant_id=owner.tenant_id):
        store.save(theirs)
    for delivery in mine.values():
        delivery.record_success(clock.now(), 202, 7, "mine")

    save_outcomes(store, owner.tenant_id, [[d] for d in mine.values()])
    niaga.projections.catch_up_all()
    excerpts = {d.id: d.last_response_excerpt for d in deliveries(niaga, owner)}
    assert excerpts == {ids[0]: "theirs", ids[1]: "mine"}
