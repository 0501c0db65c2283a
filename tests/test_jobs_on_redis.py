"""Background jobs go through Redis and a dramatiq worker, as in production."""

from __future__ import annotations

import threading
import uuid

import redis

from adapters.bootstrap import Niaga, job_services
from adapters.jobs import declare_jobs, make_broker, run_worker
from application.customers.customers import RegisterCustomer
from application.shared.context import Principal
from tests.conftest import REDIS_URL


def test_a_rebuild_job_sent_through_redis_is_done_by_a_worker(
    niaga: Niaga, owner: Principal
) -> None:
    redis.Redis.from_url(REDIS_URL).ping()  # fails loudly when Redis is down
    niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))
    broker = make_broker(REDIS_URL, namespace=f"niaga-test-{uuid.uuid4().hex[:8]}")
    jobs = declare_jobs(broker, job_services(niaga))
    platform = niaga.stores.platform_ref.name
    before = niaga.projections.status()

    jobs.rebuild_projection.send(platform, "customer_list")
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(broker, stop, 1), daemon=True)
    worker.start()
    broker.join(jobs.rebuild_projection.queue_name, timeout=30_000)
    stop.set()
    worker.join(timeout=10)

    after = {(s.store, s.status.name): s.status for s in niaga.projections.status()}
    assert after[(platform, "customer_list")].lag == 0
    assert len(before) == len(after)
    page = niaga.queries.customers(owner, "budi", 10, None)
    assert [c.name for c in page.items] == ["Budi"]
