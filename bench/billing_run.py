"""The billing run: invoices for N due subscriptions, read models caught up, against raw inserts.

    python -m bench.billing_run                                        # 10,000 subscriptions
    python -m bench.billing_run --subscriptions 100000 --repeat 1      # full size

Goal (BENCHMARKS.md): >= 3,000 invoices/s at N = 100,000, i.e. >= 0.06x raw psycopg executemany
of 100 rows per transaction, measured in the same run (before and after each billing run). Each
run bills a fresh tenant: N customers with one active postpaid subscription each, seeded in bulk
(untimed), read models caught up, tables analyzed. The run is timed from the call of
`BillingRun.run` until it returns, which it does once every read model has caught up with the
invoices, subscriptions and numbering it saved (inline projections, as `niaga serve` runs).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast
from uuid import UUID

import psycopg

from adapters.bootstrap import Niaga
from adapters.shared.stores import PostgresEventStore
from application.billing.plans import CreatePlan
from application.shared.context import Actor, ActorKind, Principal, recording
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
from bench.seeding import BENCH_ACTOR, WAVE, _create_keys, chunks, new_customer
from domain.billing.billing_cycle import add_months
from domain.billing.plan import BillingMode, Plan, ServiceType
from domain.billing.subscription import Subscription
from domain.customers.customer import CustomerPhone
from domain.shared.roles import Role

BENCH_USER = Actor(ActorKind.USER, "bench")
BILLING_DAY = 10
FIRST_ACTIVATION = date(2025, 12, 10)
RAW_BATCH = 100  # rows per transaction of the baseline
GOAL_RATIO = 0.06
GOAL_RATE = 3_000  # invoices/s at N = 100,000
GOAL_SIZE = 100_000


@dataclass(frozen=True)
class RunResult:
    invoices: int
    seconds: float
    batches_seconds: float  # until the last batch was saved, before the final catch-up
    events: int  # events the run recorded (and the final catch-up projected)


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    raw = Figure(f"raw executemany, {RAW_BATCH} rows per transaction", "rows/s")
    run_figure = Figure("billing run, read models caught up", "invoices/s")
    batches = Figure("  of which the batches alone", "invoices/s", note="before the final wait")
    breakdown: list[str] = []
    with (
        throwaway_database("niaga_bench") as url,
        running_niaga(url) as niaga,
        psycopg.connect(url, autocommit=True) as conn,
    ):
        conn.execute(
            "CREATE TABLE bench_rows (id bigserial PRIMARY KEY, payload text NOT NULL, "
            "created_at timestamptz NOT NULL DEFAULT now())"
        )
        for run in range(1, args.repeat + 1):
            print(f"run {run}/{args.repeat}", flush=True)
            raw.time(lambda: _raw_inserts(conn, args.raw_rows))
            activated = add_months(FIRST_ACTIVATION, run - 1, BILLING_DAY)
            bill_on = add_months(activated, 1, BILLING_DAY)
            owner = _seed(niaga, run, args.subscriptions, activated, args)
            _settle(conn)
            result = _bill(niaga, owner, bill_on)
            if result.invoices != args.subscriptions:
                raise SystemExit(
                    f"expected {args.subscriptions:,} invoices, the run issued {result.invoices:,}"
                )
            raw.time(lambda: _raw_inserts(conn, args.raw_rows))  # before and after each run
            print(f"  raw baseline: {raw.rates[-2]:,.0f} / {raw.rates[-1]:,.0f} rows/s", flush=True)
            run_figure.record(result.invoices, result.seconds)
            batches.record(result.invoices, result.batches_seconds)
            wait = result.seconds - result.batches_seconds
            breakdown.append(
                f"run {run}: {result.seconds:.1f} s = batches {result.batches_seconds:.1f} s "
                f"+ final read-model catch-up {wait:.1f} s "
                f"({result.events:,} events, {result.events / wait:,.0f} events/s)"
            )
            print(
                f"  billed {result.invoices:,} invoices for {bill_on:%d/%m/%Y} in "
                f"{result.seconds:.1f} s ({run_figure.rates[-1]:,.0f} invoices/s)",
                flush=True,
            )
    _print(args, raw, run_figure, batches, breakdown)


def _parser() -> argparse.ArgumentParser:
    parser = base_parser((__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--subscriptions",
        type=int,
        default=10_000,
        help=f"active postpaid subscriptions due (full: {GOAL_SIZE})",
    )
    parser.add_argument(
        "--raw-rows",
        type=int,
        default=50_000,
        help="rows the raw baseline inserts, before and after each billing run",
    )
    parser.add_argument("--batch", type=int, default=500, help="aggregates per save when seeding")
    parser.add_argument(
        "--placement",
        choices=[p.value for p in Placement],
        default=Placement.OWN_SCHEMA.value,
        help="where each run's tenant lives (a fresh tenant per run)",
    )
    return parser


def _raw_inserts(conn: psycopg.Connection[object], count: int) -> int:
    done = 0
    with conn.cursor() as cur:
        while done < count:
            rows = [(f"row {i}",) for i in range(done, min(done + RAW_BATCH, count))]
            with conn.transaction():
                cur.executemany("INSERT INTO bench_rows (payload) VALUES (%s)", rows)
            done += len(rows)
    return done


# -- seeding (not timed) ---------------------------------------------------------------------


def _seed(
    niaga: Niaga, run: int, count: int, activated: date, args: argparse.Namespace
) -> Principal:
    """A fresh tenant with a plan and `count` customers, each with one active postpaid
    subscription falling due a month after `activated`; read models caught up."""
    started = time.perf_counter()
    tenant_id = niaga.tenants.create(f"Bench ISP {run}", Placement(args.placement))
    owner = Principal(tenant_id, Role.OWNER, BENCH_USER)
    plan_id = niaga.plans.create(
        owner,
        CreatePlan("Paket 10 Mbps", 100_000, "10M", ServiceType.PPPOE, BillingMode.POSTPAID),
    )
    store = cast(PostgresEventStore, niaga.stores.for_tenant(tenant_id))
    plan: Plan = store.repository.get(plan_id)
    print(f"  seeding {count:,} customers and subscriptions in {store.ref.schema} ...", flush=True)
    events = 0
    for wave_start in range(0, count, WAVE):
        wave = range(wave_start, min(wave_start + WAVE, count))
        events += _seed_wave(niaga, store, tenant_id, plan, wave, activated, args.batch)
        elapsed = time.perf_counter() - started
        print(
            f"    {wave.stop:,} subscribers, {events:,} events ({events / elapsed:,.0f} events/s)",
            flush=True,
        )
    caught_up = time.perf_counter()
    applied = niaga.projections.catch_up(store, _catch_up_progress())
    print(
        f"  read models caught up: {applied:,} events applied in "
        f"{time.perf_counter() - caught_up:.1f} s",
        flush=True,
    )
    return owner


def _settle(conn: psycopg.Connection[object]) -> None:
    """Statistics for the freshly loaded tables, as a long-lived database has them, and a
    checkpoint, so the seeding's writes are not flushed during the timed run."""
    started = time.perf_counter()
    conn.execute("ANALYZE")
    try:
        conn.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        print("  (no CHECKPOINT: not a superuser)")
    print(f"  analyzed and checkpointed in {time.perf_counter() - started:.1f} s", flush=True)


def _seed_wave(
    niaga: Niaga,
    store: PostgresEventStore,
    tenant_id: UUID,
    plan: Plan,
    wave: range,
    activated: date,
    batch: int,
) -> int:
    people = [new_customer(tenant_id, i) for i in wave]
    _create_keys(niaga, store, [c.id for c in people])
    claims = [CustomerPhone.claim_new(tenant_id, c.phone, c.id) for c in people]
    subscriptions = []
    for i, person in zip(wave, people, strict=True):
        subscription = Subscription.subscribe(
            tenant_id, person.id, plan, BILLING_DAY, "core-1", f"user{i}"
        )
        subscription.activate(activated)
        subscriptions.append(subscription)
    saved = 0
    for part in chunks(list(zip(people, claims, strict=True)), batch):
        saved += _save(store, tenant_id, "RegisterCustomer", [a for pair in part for a in pair])
    for start in range(0, len(subscriptions), batch):
        saved += _save(store, tenant_id, "Subscribe", subscriptions[start : start + batch])
    return saved


def _save(store: PostgresEventStore, tenant_id: UUID, command: str, objs: Sequence[Any]) -> int:
    with recording(command, actor=BENCH_ACTOR, tenant_id=tenant_id):
        return len(store.save(*objs))


def _catch_up_progress() -> Callable[[int, int], None]:
    last = [0.0]

    def progress(position: int, head: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 5:
            last[0] = now
            print(f"    catching up: {position:,} of {head:,}", flush=True)

    return progress


# -- the measured run ------------------------------------------------------------------------


def _bill(niaga: Niaga, owner: Principal, on: date) -> RunResult:
    store = niaga.stores.for_tenant(owner.tenant_id)
    head_before = store.head()
    batches_done = [0.0]
    reported = [0]
    started = time.perf_counter()

    def progress(done: int, due: int) -> None:
        batches_done[0] = time.perf_counter()
        if done - reported[0] >= max(due // 5, 1) or done == due:
            reported[0] = done
            print(f"    {done:,} of {due:,} billed ({done / (batches_done[0] - started):,.0f}/s)")

    started = time.perf_counter()  # the print above is outside the timed span
    result = niaga.billing_run.run(owner, on, progress)
    finished = time.perf_counter()
    events = (store.head()) - head_before
    return RunResult(
        result.invoices, finished - started, (batches_done[0] or finished) - started, events
    )


# -- report ----------------------------------------------------------------------------------


def _print(
    args: argparse.Namespace,
    raw: Figure,
    run_figure: Figure,
    batches: Figure,
    breakdown: list[str],
) -> None:
    report(
        f"Billing run over {args.subscriptions:,} due subscriptions ({args.placement} store)",
        raw,
        [run_figure, batches],
    )
    print()
    for line in breakdown:
        print(f"  {line}")
    print("\nGoals:")
    ratio = ratio_of(run_figure, raw)
    check_goal("billing run / raw batched insert", ratio, GOAL_RATIO)
    print(f"    (ratio to three places: {ratio:.3f}x; batches alone {ratio_of(batches, raw):.3f}x)")
    rate = run_figure.median
    verdict = "meets" if rate >= GOAL_RATE else "MISSES"
    size = "" if args.subscriptions >= GOAL_SIZE else f" (goal is set at N = {GOAL_SIZE:,})"
    print(f"  billing run: {rate:,.0f} invoices/s (goal >= {GOAL_RATE:,}/s){size} {verdict} it")
    spread = statistics.pstdev(run_figure.rates) / rate if len(run_figure.rates) > 1 else 0.0
    if spread > 0.1:
        print(f"  note: the runs spread by {spread:.0%} around their mean; the machine is noisy")


if __name__ == "__main__":
    main()
