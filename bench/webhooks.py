"""Webhook fan-out to a local receiver, against raw HTTP POSTs in the same run.

    python -m bench.webhooks                         # 500 events x 4 endpoints = 2,000 deliveries
    python -m bench.webhooks --events 2500 --endpoints 4

The receiver is a minimal HTTP server in a process of its own (bench/receiver.py). The baseline
POSTs the same number of bodies to it with httpx from the same number of threads (keep-alive,
nothing else). Niaga's figure runs from the moment the events are in the log until every
delivery's outcome is recorded as an event: the fan-out reads the log and schedules one
delivery per event and endpoint (saved as events), the in-process jobs sign each message per
Standard Webhooks, POST it, and record its status code, latency and response excerpt.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx

from adapters.bootstrap import Niaga, webhook_dispatcher
from application.integrations.ports import DeliveryFilter
from application.integrations.webhooks import CreateWebhookEndpoint
from application.shared.context import SYSTEM, Principal, recording
from application.shared.ports import Placement
from bench.common import (
    Figure,
    base_parser,
    report,
    running_niaga,
    throwaway_database,
)
from domain.customers.customer import Customer
from domain.shared.roles import Role

GOAL = 500.0  # deliveries per second (BENCHMARKS.md)


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--endpoints", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8, help="concurrent POSTs, both sides")
    args = parser.parse_args()
    deliveries = args.events * args.endpoints
    raw = Figure("raw httpx POST, keep-alive (baseline)", "requests/s")
    niaga_figure = Figure("niaga fan-out: schedule, sign, POST, record", "deliveries/s")
    with (
        receiver() as url,
        throwaway_database("niaga_bench_hooks") as db,
        running_niaga(
            db, inline_projections=False, allow_private=True, concurrency=args.threads
        ) as niaga,
    ):
        for _ in range(args.repeat):
            raw.time(lambda: _raw(url, deliveries, args.threads))
            owner = _seed(niaga, url, args.events, args.endpoints)
            niaga_figure.time(lambda: _fan_out(niaga))
            _check(niaga, owner, deliveries)
    report(
        f"Webhook fan-out: {args.events} events x {args.endpoints} endpoints", raw, [niaga_figure]
    )
    ratio = niaga_figure.median / raw.median
    verdict = "meets" if niaga_figure.median >= GOAL else "MISSES"
    print(
        f"  niaga: {niaga_figure.median:,.0f} deliveries/s (goal >= {GOAL:,.0f}) {verdict} the "
        f"goal; {ratio:.2f}x raw POSTs"
    )


@contextmanager
def receiver() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.receiver", str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        if process.stdout is None or process.stdout.readline().strip() != "ready":
            raise SystemExit("the benchmark receiver did not start")
        yield f"http://127.0.0.1:{port}/hooks"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _raw(url: str, count: int, threads: int) -> int:
    body = '{"type":"customer.registered","data":{}}' * 4
    with httpx.Client(
        limits=httpx.Limits(max_connections=threads, max_keepalive_connections=threads)
    ) as client:

        def post(_: int) -> None:
            client.post(url, content=body, headers={"content-type": "application/json"})

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(post, range(count)))
    return count


def _seed(niaga: Niaga, url: str, events: int, endpoints: int) -> Principal:
    """A tenant with endpoints, then its events recorded (many per save, as a billing run
    records them), none fanned out yet."""
    tenant_id = niaga.tenants.create(f"Bench ISP {time.time_ns()}", Placement.OWN_SCHEMA)
    owner = Principal(tenant_id, Role.OWNER, SYSTEM)
    for n in range(endpoints):
        niaga.webhooks.create(owner, CreateWebhookEndpoint(f"{url}/{n}", ["customer.registered"]))
    niaga.projections.catch_up_all()
    _fan_out(niaga)  # the dispatcher's position moves past the endpoints' own events
    store = niaga.stores.for_tenant(tenant_id)
    customers = [
        Customer.register(tenant_id, f"Pelanggan {n}", f"0813{n:08d}") for n in range(events)
    ]
    for start in range(0, events, 500):
        with recording("RegisterCustomer", actor=SYSTEM, tenant_id=tenant_id):
            store.save(*customers[start : start + 500])
    return owner


def _fan_out(niaga: Niaga) -> int:
    dispatcher = webhook_dispatcher(niaga)
    try:
        return dispatcher.fan_out()
    finally:
        dispatcher.close()  # waits for every submitted job


def _check(niaga: Niaga, owner: Principal, expected: int) -> None:
    niaga.projections.catch_up_all()
    page = niaga.webhook_queries.deliveries(owner, DeliveryFilter(status="delivered"), 1, None)
    if page.total_count != expected:
        raise SystemExit(f"{page.total_count} of {expected} deliveries were delivered")


if __name__ == "__main__":
    main()
