"""A voucher batch: generated (and bought by an agent), printed and provisioned on a simulated
router, against raw batched inserts.

    python -m bench.vouchers                      # a batch of 1,000 vouchers, 3 runs
    python -m bench.vouchers --vouchers 10000 --repeat 1

The baseline inserts the same number of rows (id, username, password) with psycopg's
executemany in one transaction. Niaga's figures are its commands with the read models caught
up before they return: a stock batch (one event per voucher plus the batch), an agent's
purchase (a second event per voucher for the sale, the agent's debit and its upline's
commission, all in one transaction), the printed sheet (normal A4 layout, a QR code per
voucher), and provisioning: the dispatcher follows the log, records every voucher's desired
hotspot user and pushes the batch to a RouterOS simulator over one librouteros connection,
recording every outcome. End to end = buy + provision (goal <= 5 s for 1,000, BENCHMARKS.md),
also printed with the sheet's time added.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import sql

from adapters.bootstrap import Niaga, provisioning_dispatcher
from adapters.routers.dispatcher import ProvisioningDispatcher
from adapters.routers.routeros.simulator import RouterOSSimulator
from adapters.vouchers.voucher_pdf import PrintedVoucher, render_voucher_pdf
from application.routers.routers import AddRouter
from application.shared.context import Actor, ActorKind, Principal
from application.shared.ports import Placement
from application.vouchers.agents import EnrollAgent
from application.vouchers.voucher_batches import GenerateVouchers
from application.vouchers.vouchers import CreateVoucherProfile
from bench.common import Figure, base_parser, ratio_of, report, running_niaga, throwaway_database
from domain.shared.roles import Role
from domain.vouchers.voucher import ProfileTerms

GOAL_SECONDS = 5.0  # 1,000 vouchers generated and provisioned (BENCHMARKS.md)


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--vouchers", type=int, default=1000)
    args = parser.parse_args()
    raw = Figure("raw executemany, 1 transaction (baseline)", "rows/s")
    stock = Figure("niaga generate (stock)", "vouchers/s")
    bought = Figure("niaga buy (agent: sale, debit, commission)", "vouchers/s")
    printed = Figure("niaga print (normal A4 sheet)", "vouchers/s")
    provisioned = Figure("niaga provision (follow, record, push one batch)", "vouchers/s")
    totals: list[float] = []  # bought and provisioned (the goal)
    with_print: list[float] = []
    with (
        throwaway_database("niaga_bench_vouchers") as url,
        running_niaga(url) as niaga,
        _router() as router,
    ):
        owner, agent = _seed(niaga, router, args.vouchers * args.repeat)
        dispatcher = provisioning_dispatcher(niaga)
        for _ in range(args.repeat):
            _clear(router)
            raw.time(lambda: _raw(niaga, args.vouchers))
            stock.time(lambda: _generate(niaga, owner, args.vouchers))
            provisioned.time(lambda: _provision(niaga, dispatcher))
            started = time.perf_counter()
            batch = niaga.vouchers.batches.buy(
                owner, GenerateVouchers("BENCH", args.vouchers), agent
            )
            bought.record(args.vouchers, time.perf_counter() - started)
            print_started = time.perf_counter()
            sheet = _print(niaga, owner, batch.batch_id)
            printing = time.perf_counter() - print_started
            printed.record(sheet, printing)
            _provision(niaga, dispatcher)
            with_print.append(time.perf_counter() - started)
            totals.append(with_print[-1] - printing)
        dispatcher.close()
        on_router = len(router.items("/ip/hotspot/user"))  # the last run's two batches
    report(f"A batch of {args.vouchers} vouchers", raw, [stock, bought, printed, provisioned])
    for figure in (stock, bought, provisioned):
        print(f"  {figure.label} / raw: {ratio_of(figure, raw):.2f}x")
    median_total = sorted(totals)[len(totals) // 2]
    verdict = "meets" if median_total <= GOAL_SECONDS * args.vouchers / 1000 else "MISSES"
    print(
        f"  bought and provisioned, end to end: {median_total:.2f} s for {args.vouchers} "
        f"vouchers (goal <= {GOAL_SECONDS:g} s per 1,000: {verdict}); "
        f"{on_router} hotspot users on the router"
    )
    print(f"  bought, printed and provisioned: {sorted(with_print)[len(with_print) // 2]:.2f} s")


@contextmanager
def _router() -> Iterator[RouterOSSimulator]:
    router = RouterOSSimulator("admin", "bench")
    router.start()
    with router.state.lock:
        router.state.add("/ip/hotspot/user/profile", {"name": "bench"})
    try:
        yield router
    finally:
        router.stop()


def _clear(router: RouterOSSimulator) -> None:
    """Each run starts on an empty router: the simulator finds users by scanning them all, so
    the users of earlier runs would slow later runs down (a real router indexes them)."""
    with router.state.lock:
        ids = [row[".id"] for row in router.state.rows("/ip/hotspot/user")]
        if ids:
            router.state.remove("/ip/hotspot/user", ",".join(ids))


def _provision(niaga: Niaga, dispatcher: ProvisioningDispatcher) -> int:
    """What the projection daemon does after a catch-up, waiting for the batch job; then the
    read models take in the outcomes (provisioning_status, hotspot_users_wanted, audit)."""
    handled = dispatcher.follow()
    dispatcher.wait()
    niaga.projections.catch_up_all()
    return handled


def _seed(niaga: Niaga, simulator: RouterOSSimulator, vouchers: int) -> tuple[Principal, uuid.UUID]:
    tenant_id = niaga.tenants.create("Bench Hotspot", Placement.OWN_SCHEMA)
    owner = Principal(tenant_id, Role.OWNER, Actor(ActorKind.USER, "bench"))
    host, port = simulator.address
    router = niaga.routers.add(owner, AddRouter("hs-1", host, "admin", "bench", port=port))
    terms = ProfileTerms.of(
        "bench",
        validity_seconds=86_400,
        cost_price=1000,
        selling_price=3000,
        agent_prices=(2000, 2500),
        commission_kind="level_margin",
    )
    niaga.vouchers.service.create_profile(owner, CreateVoucherProfile("BENCH", router, terms))
    agents = niaga.vouchers.agents
    top = agents.enroll(owner, EnrollAgent("Agen Utama", "081200000001"))
    buyer = agents.enroll(owner, EnrollAgent("Agen", "081200000002", top))
    agents.top_up(owner, buyer, vouchers * 2500, "bench")
    return owner, buyer


def _raw(niaga: Niaga, count: int) -> int:
    with niaga.database.connection() as conn:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS raw_vouchers (id uuid, u text, p text)")
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(
                sql.SQL("INSERT INTO raw_vouchers VALUES (%s, %s, %s)"),
                [(uuid.uuid4(), f"u{n}", f"p{n}") for n in range(count)],
            )
    return count


def _generate(niaga: Niaga, owner: Principal, count: int) -> int:
    return len(niaga.vouchers.batches.generate(owner, GenerateVouchers("BENCH", count)).codes)


def _print(niaga: Niaga, owner: Principal, batch_id: uuid.UUID) -> int:
    vouchers = niaga.vouchers.queries.batch(owner, batch_id)
    printed = [PrintedVoucher(v.username, v.password, v.profile_name, 3000, "1d") for v in vouchers]
    render_voucher_pdf(printed, "normal", "http://10.5.50.1/login", "Bench Hotspot")
    return len(printed)


if __name__ == "__main__":
    main()
