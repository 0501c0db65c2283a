"""A send job goes through Redis to a dramatiq worker, which retries it after a failure."""

from __future__ import annotations

import threading
import uuid
from datetime import date

from adapters.bootstrap import Niaga, job_services, whatsapp_dispatcher
from adapters.jobs import declare_jobs, make_broker, run_worker
from adapters.messaging.whatsapp.fakes import FakeCloudApi
from application.shared.context import Principal
from tests.conftest import REDIS_URL
from tests.integration.billing import Books
from tests.whatsapp_support import (  # noqa: F401 - fixtures
    cloud_fixture,
    fonnte_fixture,
    message_log,
    use_cloud_api,
    whatsapp_settings,
)


def test_a_send_job_is_retried_by_the_worker_until_the_provider_takes_it(
    niaga: Niaga, owner: Principal, cloud: FakeCloudApi
) -> None:
    use_cloud_api(niaga, owner, cloud)
    books = Books(niaga, owner)
    books.invoice(books.customer("Budi"), 100_000, date(2026, 1, 5))
    books.caught_up()
    cloud.fail_next(1, 500)
    broker = make_broker(REDIS_URL, namespace=f"niaga-test-{uuid.uuid4().hex[:8]}")
    jobs = declare_jobs(broker, job_services(niaga))
    dispatcher = whatsapp_dispatcher(
        niaga, lambda tenant, message: jobs.send_whatsapp.send(str(tenant), str(message))
    )

    assert dispatcher.dispatch() == 1
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(broker, stop, 1), daemon=True)
    worker.start()
    broker.join(jobs.send_whatsapp.queue_name, timeout=30_000)
    stop.set()
    worker.join(timeout=10)

    [entry] = message_log(niaga, owner)
    assert (entry.status, entry.attempts) == ("sent", 2)
    assert [m["status"] for m in entry.timeline] == ["queued", "retrying", "sent"]
    assert len(cloud.requests) == 2
