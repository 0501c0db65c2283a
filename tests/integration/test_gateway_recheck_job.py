"""A callback kept while the gateway was down is resolved later by the dramatiq job, through
Redis and a worker, as in production."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest

from adapters.bootstrap import Niaga, job_services
from adapters.jobs import declare_jobs, make_broker, run_worker
from adapters.payments.gateways.fakes import FakeMidtrans
from adapters.shared.settings import Settings
from application.billing.invoicing import DraftInvoice, LineInput
from application.customers.customers import RegisterCustomer
from application.payments.gateway_accounts import ConfigureGateway
from application.payments.ports import CallbackFilter, RawCallback
from application.shared.context import Principal
from domain.payments.gateway import Verdict
from tests.conftest import REDIS_URL


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"niaga_recheck_interval_seconds": 0.001})


@pytest.fixture
def midtrans() -> Iterator[FakeMidtrans]:
    fake = FakeMidtrans("SB-Mid-server-uji")
    fake.start()
    yield fake
    fake.stop()


def test_the_recheck_job_records_the_payment_once_the_gateway_is_back(
    niaga: Niaga, owner: Principal, midtrans: FakeMidtrans
) -> None:
    customer = niaga.customers.register(owner, RegisterCustomer("Dewi", "081355556666"))
    invoice = niaga.invoicing.draft(
        owner, DraftInvoice(customer, [LineInput("service", "Internet", 1, 200_000, False)])
    )
    niaga.invoicing.issue(owner, invoice)
    niaga.gateway_accounts.configure(
        owner,
        ConfigureGateway(
            "midtrans",
            {"server_key": midtrans.server_key},
            {"api": midtrans.url, "snap": f"{midtrans.url}/snap/v1"},
        ),
    )
    niaga.payment_links.create(owner, invoice, "midtrans")
    order = midtrans.only_order()
    midtrans.pay(order)
    midtrans.down = True
    signed = midtrans.notification(order)
    raw = RawCallback(signed.headers, signed.body)
    kept = niaga.gateway_callbacks.receive("midtrans", str(owner.tenant_id), raw)
    assert kept.verdict is Verdict.PENDING_RECHECK
    assert niaga.billing_queries.required_invoice(owner, invoice).status == "issued"

    midtrans.down = False
    broker = make_broker(REDIS_URL, namespace=f"niaga-test-{uuid.uuid4().hex[:8]}")
    jobs = declare_jobs(broker, job_services(niaga))
    jobs.recheck_gateway_callbacks.send()
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(broker, stop, 1), daemon=True)
    worker.start()
    broker.join(jobs.recheck_gateway_callbacks.queue_name, timeout=30_000)
    stop.set()
    worker.join(timeout=10)

    assert niaga.billing_queries.required_invoice(owner, invoice).status == "paid"
    store = niaga.stores.for_tenant(owner.tenant_id)
    (logged,) = niaga.gateway_read_models.callbacks(
        store, owner.tenant_id, CallbackFilter(), 10, None
    ).items
    assert logged.verdict == "applied"
