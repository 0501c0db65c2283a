"""Stock reservations on one contended item and the repair timers pass, against a baseline of
reservations on separate items measured in the same run.

    python -m bench.repairs                     # 40 reservations, 60 jobs per measurement
    python -m bench.repairs --reservations 400 --jobs 600

Concurrent reservations of one item are serialised by optimistic concurrency (the loser is
re-run from fresh state), so their rate against reservations spread over separate items shows
what contention costs; the timers pass shows how long a scheduler cycle spends per open job.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from uuid import UUID

from adapters.bootstrap import Niaga
from application.customers.customers import RegisterCustomer
from application.repairs.inventory import RegisterItem
from application.repairs.repairs import ReceiveJob, RepairService
from application.shared.clock import FixedClock
from application.shared.context import Actor, ActorKind, Principal
from application.shared.errors import ConcurrentModification
from application.shared.ports import Placement
from bench.common import Figure, base_parser, report, running_niaga, throwaway_database
from domain.shared.roles import Role

BENCH = Actor(ActorKind.USER, "bench")
THREADS = 4
_SKUS = itertools.count()


def main(argv: list[str] | None = None) -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--reservations", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=60)
    args = parser.parse_args(argv)
    spread = Figure("reservations, separate items (4 threads)", "reservations/s")
    hot = Figure("reservations, one item (4 threads)", "reservations/s")
    timers = Figure("timers pass over open jobs (all breach)", "jobs/s")
    with throwaway_database("niaga_bench") as url, running_niaga(url) as niaga:
        clock = FixedClock(datetime(2026, 1, 5, tzinfo=UTC).date())
        # Its own clock, which the bench moves to make every job breach its SLA.
        repairs = RepairService(niaga.stores, niaga.projections, clock, niaga.repair_read_models)
        tenant_id = niaga.tenants.create("Bench Servis", Placement.SHARED)
        who = Principal(tenant_id, Role.OWNER, BENCH)
        customer = niaga.customers.register(who, RegisterCustomer("Bench", "081200000001"))
        for run in range(1, args.repeat + 1):
            print(f"run {run}/{args.repeat}", flush=True)
            # Stock is reserved only for the tenant's own jobs: one job takes every reservation.
            job = _open_job(repairs, who, customer)
            items = [_item(niaga, who, 1) for _ in range(args.reservations)]
            spread.time(lambda items=items, job=job: _reserve(niaga, who, job, items))
            hot_items = [_item(niaga, who, args.reservations)] * args.reservations
            hot.time(lambda hot_items=hot_items, job=job: _reserve(niaga, who, job, hot_items))
            _open_jobs(repairs, who, customer, args.jobs)
            clock.advance(timedelta(days=30))
            timers.time(lambda: len(repairs.run_timers(who).sla_breaches))
    report("Repair shop", spread, [hot, timers])


def _item(niaga: Niaga, who: Principal, stock: int) -> UUID:
    return niaga.inventory.register(
        who, RegisterItem(f"B-{next(_SKUS)}", "Part", cost=1, price=2, opening_stock=stock)
    )


def _reserve(niaga: Niaga, who: Principal, job: UUID, items: list[UUID]) -> int:
    def one(item: UUID) -> int:
        try:
            niaga.inventory.reserve(who, item, job, 1)
        except ConcurrentModification:
            return 0
        return 1

    with ThreadPoolExecutor(THREADS) as pool:
        return sum(pool.map(one, items))


def _open_jobs(repairs: RepairService, who: Principal, customer: UUID, count: int) -> None:
    for _ in range(count):
        _open_job(repairs, who, customer)


def _open_job(repairs: RepairService, who: Principal, customer: UUID) -> UUID:
    return repairs.receive(
        who, ReceiveJob(customer, "smartphone", "Oppo", "A5", "mati total", priority="urgent")
    )


if __name__ == "__main__":
    main()
