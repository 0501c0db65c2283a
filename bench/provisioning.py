"""Provisioning throughput across several routers, against raw librouteros in the same run.

    python -m bench.provisioning                          # 300 subscriptions on 10 routers
    python -m bench.provisioning --subscriptions 1000 --routers 10

Each router is a RouterOS simulator on loopback. The baseline adds the same number of PPP
secrets with librouteros directly (one connection per secret, as Niaga's jobs do), from the
same number of threads; Niaga's figure is its idempotent job (load the subscription, look the
secret up by name, write the difference, record the outcome as an event).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from uuid import UUID

import librouteros

from adapters.bootstrap import Niaga
from adapters.routeros.simulator import RouterOSSimulator
from application.context import Actor, ActorKind, Principal
from application.customers import RegisterCustomer
from application.plans import CreatePlan
from application.ports import Placement
from application.routers import AddRouter
from application.subscriptions import Subscribe
from bench.common import (
    Figure,
    base_parser,
    check_goal,
    ratio_of,
    report,
    running_niaga,
    throwaway_database,
)
from domain.plan import BillingMode, ServiceType
from domain.roles import Role

PASSWORD = "bench"


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--subscriptions", type=int, default=300)
    parser.add_argument("--routers", type=int, default=10)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    raw = Figure("raw librouteros add, 1 connection each (baseline)", "secrets/s")
    niaga_figure = Figure("niaga provisioning job", "subscriptions/s")
    with (
        throwaway_database("niaga_bench_prov") as url,
        running_niaga(url) as niaga,
    ):
        for run in range(args.repeat):
            routers = _routers(args.routers)
            try:
                raw.time(lambda r=routers, n=run: _raw(r, args.subscriptions, args.threads, n))
                owner, ids = _seed(niaga, routers, args.subscriptions)
                niaga_figure.time(lambda o=owner, i=ids: _provision(niaga, o, i, args.threads))
            finally:
                for router in routers:
                    router.stop()
    report(
        f"Provisioning {args.subscriptions} subscriptions on {args.routers} routers",
        raw,
        [niaga_figure],
    )
    check_goal("niaga / raw librouteros", ratio_of(niaga_figure, raw), 0.25)


def _routers(count: int) -> list[RouterOSSimulator]:
    routers = []
    for n in range(count):
        router = RouterOSSimulator("admin", PASSWORD, identity=f"core-{n}")
        router.start()
        router.state.add("/ppp/profile", {"name": "10M"})
        routers.append(router)
    return routers


def _raw(routers: list[RouterOSSimulator], count: int, threads: int, run: int) -> int:
    def add(n: int) -> None:
        host, port = routers[n % len(routers)].address
        api = librouteros.connect(host, "admin", PASSWORD, port=port)
        try:
            tuple(api.rawCmd("/ppp/secret/print", f"?name=raw{run}-{n}"))
            tuple(
                api.rawCmd("/ppp/secret/add", f"=name=raw{run}-{n}", "=password=x", "=profile=10M")
            )
        finally:
            api.close()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(add, range(count)))
    return count


def _seed(
    niaga: Niaga, routers: list[RouterOSSimulator], count: int
) -> tuple[Principal, list[UUID]]:
    tenant_id = niaga.tenants.create(f"Bench ISP {time.time_ns()}", Placement.OWN_SCHEMA)
    owner = Principal(tenant_id, Role.OWNER, Actor(ActorKind.SYSTEM, "bench"))
    for n, router in enumerate(routers):
        host, port = router.address
        niaga.routers.add(owner, AddRouter(f"core-{n}", host, "admin", PASSWORD, port=port))
    plan = niaga.plans.create(
        owner, CreatePlan("10M", 100_000, "10M", ServiceType.PPPOE, BillingMode.POSTPAID)
    )
    ids = []
    for n in range(count):
        customer = niaga.customers.register(
            owner, RegisterCustomer(f"Pelanggan {n}", f"0813{n:08d}")
        )
        ids.append(
            niaga.subscriptions.subscribe(
                owner,
                Subscribe(
                    customer,
                    plan,
                    5,
                    f"core-{n % len(routers)}",
                    f"user{n}",
                    None,
                    date(2026, 1, 5),
                ),
            )
        )
    niaga.projections.catch_up_all()
    return owner, ids


def _provision(niaga: Niaga, owner: Principal, ids: list[UUID], threads: int) -> int:
    with ThreadPoolExecutor(threads) as pool:
        outcomes = list(pool.map(lambda s: niaga.provisioning.provision(owner.tenant_id, s), ids))
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise SystemExit(f"{len(failed)} provisioning jobs failed, e.g. {failed[0].error}")
    return len(ids)


if __name__ == "__main__":
    main()
