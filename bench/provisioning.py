"""Provisioning against RouterOS simulators, each figure next to raw librouteros in the same run.

    python -m bench.provisioning        # 1,000 hotspot users; 200 subscriptions on 10 routers
    python -m bench.provisioning --hotspot-users 1000 --subscriptions 1000 --routers 10

1. Hotspot users (a voucher batch) on one router. Niaga records each desired user as an event,
   looks the user up by name, writes the difference and records the outcome: as one batch
   (`provision_hotspot_users`: one read, one kept connection, one save) and as one job per user
   from several threads. The baseline is raw librouteros doing the bare look-up and add, one
   connection per user, from as many threads. Goal: 1,000 users in <= 5 s.
2. Subscriptions spread over several routers: Niaga's job per subscription (load it, look its
   PPP secret and isolir entry up by name, write the difference, record the outcome) against raw
   librouteros adding the same number of secrets the same way.
"""

from __future__ import annotations

import time
from argparse import Namespace
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from uuid import UUID, uuid4

import librouteros

from adapters.bootstrap import Niaga
from adapters.routers.routeros.simulator import RouterOSSimulator
from application.billing.plans import CreatePlan
from application.billing.subscriptions import Subscribe
from application.customers.customers import RegisterCustomer
from application.routers.provisioning import HotspotTarget, Outcome
from application.routers.routers import AddRouter
from application.shared.context import Actor, ActorKind, Principal
from application.shared.ports import Placement
from bench.common import (
    Figure,
    base_parser,
    check_goal,
    ratio_of,
    report,
    running_niaga,
    throwaway_database,
)
from domain.billing.plan import BillingMode, ServiceType
from domain.routers.provisioning import HotspotUser
from domain.shared.roles import Role

PASSWORD = "bench"


HOTSPOT_GOAL_SECONDS = 5.0


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--hotspot-users", type=int, default=1000)
    parser.add_argument(
        "--job-users", type=int, default=250, help="users for the job-per-user figure"
    )
    parser.add_argument("--subscriptions", type=int, default=200)
    parser.add_argument("--routers", type=int, default=10)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    # Seeding catches the read models up once, at its end (see _seed), not after every command.
    with (
        throwaway_database("niaga_bench_prov") as url,
        running_niaga(url, inline_projections=False, read_model_wait=0) as niaga,
    ):
        _hotspot_users(niaga, args)
        _subscriptions(niaga, args)


def _hotspot_users(niaga: Niaga, args: Namespace) -> None:
    count, threads = args.hotspot_users, args.threads
    raw = Figure("raw librouteros look-up + add, 1 connection each (baseline)", "users/s")
    batch = Figure("niaga provision_hotspot_users, one batch", "users/s")
    jobs = Figure(f"niaga provision_hotspot_user, 1 job per user ({args.job_users})", "users/s")
    for run in range(args.repeat):
        # Each measurement gets a fresh router, so none pays for the users of another.
        with _fresh_router() as router:
            raw.time(lambda r=router, n=run: _raw_hotspot(r, count, threads, n))
        with _fresh_router() as router:
            owner, router_id = _seed_hotspot(niaga, router)
            batch.time(lambda o=owner, r=router_id: _provision_batch(niaga, o, r, count))
            _check_holds(router, count)
        with _fresh_router() as router:
            owner, router_id = _seed_hotspot(niaga, router)
            jobs.time(lambda o=owner, r=router_id: _provision_hotspot(niaga, o, r, count, threads))
            _check_holds(router, count)
    report(f"Provisioning {count} hotspot users on one router", raw, [batch, jobs])
    seconds = count / batch.median
    verdict = "meets" if seconds <= HOTSPOT_GOAL_SECONDS * count / 1000 else "MISSES"
    print(f"  {count} hotspot users in {seconds:.2f} s (goal <= 5 s per 1,000) {verdict} the goal")
    check_goal("niaga batch / raw librouteros", ratio_of(batch, raw), 0.25)


@contextmanager
def _fresh_router() -> Iterator[RouterOSSimulator]:
    (router,) = _routers(1)
    try:
        yield router
    finally:
        router.stop()


def _check_holds(router: RouterOSSimulator, count: int) -> None:
    if len(router.items("/ip/hotspot/user")) != count:
        raise SystemExit("the router does not hold every hotspot user")


def _raw_hotspot(router: RouterOSSimulator, count: int, threads: int, run: int) -> int:
    host, port = router.address

    def add(n: int) -> None:
        api = librouteros.connect(host, "admin", PASSWORD, port=port)
        try:
            tuple(api.rawCmd("/ip/hotspot/user/print", f"?name=raw{run}-{n}"))
            tuple(
                api.rawCmd(
                    "/ip/hotspot/user/add",
                    f"=name=raw{run}-{n}",
                    "=password=4471",
                    "=profile=1jam",
                    "=limit-uptime=1h",
                    "=comment=raw",
                )
            )
        finally:
            api.close()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(add, range(count)))
    return count


def _seed_hotspot(niaga: Niaga, router: RouterOSSimulator) -> tuple[Principal, UUID]:
    tenant_id = niaga.tenants.create(f"Bench Hotspot {time.time_ns()}", Placement.OWN_SCHEMA)
    owner = Principal(tenant_id, Role.OWNER, Actor(ActorKind.SYSTEM, "bench"))
    host, port = router.address
    router_id = niaga.routers.add(owner, AddRouter("hotspot-1", host, "admin", PASSWORD, port=port))
    return owner, router_id


def _provision_batch(niaga: Niaga, owner: Principal, router_id: UUID, count: int) -> int:
    targets = [
        HotspotTarget(
            uuid4(), HotspotUser(f"vb-{n:05d}", f"{n:06d}", "1jam", "1h", None, False, ""), 1
        )
        for n in range(count)
    ]
    outcomes = niaga.provisioning.provision_hotspot_users(owner.tenant_id, router_id, targets)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise SystemExit(f"{len(failed)} hotspot users failed, e.g. {failed[0].error}")
    return count


def _provision_hotspot(
    niaga: Niaga, owner: Principal, router_id: UUID, count: int, threads: int
) -> int:
    def provision(n: int) -> Outcome:
        user = HotspotUser(f"vch-{n:05d}", f"{n:06d}", "1jam", "1h", None, False, "bench")
        return niaga.provisioning.provision_hotspot_user(
            owner.tenant_id, uuid4(), router_id, user, 1
        )

    with ThreadPoolExecutor(threads) as pool:
        outcomes = list(pool.map(provision, range(count)))
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise SystemExit(f"{len(failed)} hotspot jobs failed, e.g. {failed[0].error}")
    return count


def _subscriptions(niaga: Niaga, args: Namespace) -> None:
    raw = Figure("raw librouteros add, 1 connection each (baseline)", "secrets/s")
    niaga_figure = Figure("niaga provisioning job", "subscriptions/s")
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
        with router.state.lock:
            router.state.add("/ppp/profile", {"name": "10M"})
            router.state.add("/ip/hotspot/user/profile", {"name": "1jam"})
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
