"""Webhook deliveries go through Redis and a dramatiq worker, as in production."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from uuid import UUID

import pytest
import redis

from adapters.bootstrap import Niaga, job_services, webhook_dispatcher
from adapters.jobs import declare_jobs, make_broker, run_worker
from adapters.shared.settings import Settings
from application.customers.customers import RegisterCustomer
from application.integrations.ports import DeliveryFilter
from application.integrations.webhooks import CreateWebhookEndpoint
from application.shared.context import Principal
from tests.conftest import REDIS_URL
from tests.fakes.webhook_receiver import WebhookReceiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"niaga_webhooks_allow_private": True})


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


def test_deliveries_sent_through_redis_are_posted_by_a_worker(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    redis.Redis.from_url(REDIS_URL).ping()  # fails loudly when Redis is down
    broker = make_broker(REDIS_URL, namespace=f"niaga-test-{uuid.uuid4().hex[:8]}")
    jobs = declare_jobs(broker, job_services(niaga))

    def submit(tenant_id: UUID, ids: list[UUID]) -> None:
        jobs.deliver_webhooks.send(str(tenant_id), [str(i) for i in ids])

    niaga.webhooks.create(owner, CreateWebhookEndpoint(receiver.url, []))
    niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))
    assert webhook_dispatcher(niaga, submit).fan_out() == 1

    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(broker, stop, 1), daemon=True)
    worker.start()
    broker.join(jobs.deliver_webhooks.queue_name, timeout=30_000)
    stop.set()
    worker.join(timeout=10)

    assert len(receiver.received) == 1
    niaga.projections.catch_up_all()
    page = niaga.webhook_queries.deliveries(owner, DeliveryFilter(status="delivered"), 10, None)
    assert page.total_count == 1
