"""The mover: how long a tenant's commands wait while its data moves, and how fast it copies.

A tenant in the shared store is seeded with customers (each registered with its phone claim,
then its contact changed) up to `--events`, and its read models are caught up; other tenants'
events sit beside it. Then `niaga tenants move` (the application service, as the command runs
it) moves it to a schema of its own, each step timed; after the first copy (step `precopied`,
while the tenant still writes) `--during` more events are recorded, which the freeze copies.
The baseline in the same run: a plain `COPY` of the same rows from one table to another in
the same database (what copying costs without verifying, linking or rebuilding anything).

    python -m bench.tenant_move                    # 100,000 events, 3 moves (about 6 minutes)
    python -m bench.tenant_move --events 20000 --repeat 1

Goal (issue: the write freeze for a tenant of 100,000 events under 10 seconds).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from uuid import UUID

from psycopg import sql

from adapters.bootstrap import Niaga
from application.platform.moves import Step
from application.shared.ports import Placement
from bench.common import (
    Figure,
    base_parser,
    check_goal,
    report,
    running_niaga,
    throwaway_database,
)
from bench.seeding import seed_customers

EVENTS_PER_CUSTOMER = 3  # registered, its phone claimed, its contact changed once
FREEZE_GOAL_SECONDS = 10.0


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument(
        "--during", type=int, default=3_000, help="events recorded after the first copy"
    )
    args = parser.parse_args()
    customers = max(1, args.events // EVENTS_PER_CUSTOMER)
    raw = Figure("plain COPY, table to table", "events/s")
    moved = Figure("tenants move: whole move", "events/s")
    copied = Figure("tenants move: first copy + read models", "events/s")
    runs: list[dict[str, float]] = []
    with throwaway_database("niaga_bench") as url, running_niaga(url) as niaga:
        shared = niaga.stores.open(niaga.stores.platform_ref)
        neighbour = niaga.tenants.create("Tetangga", Placement.SHARED)
        seed_customers(niaga, shared, neighbour, 2_000, 1, 500)
        for run in range(args.repeat):
            tenant_id = niaga.tenants.create(f"Pindahan {run}", Placement.SHARED)
            events = seed_customers(niaga, shared, tenant_id, customers, 1, 500)
            niaga.projections.catch_up(shared)
            raw.record(*_timed_plain_copy(niaga, tenant_id))
            during = max(0, args.during // EVENTS_PER_CUSTOMER)

            def write_during(
                tenant_id: UUID = tenant_id, first: int = customers, count: int = during
            ) -> int:
                written = seed_customers(niaga, shared, tenant_id, count, 1, 500, first)
                niaga.projections.catch_up(shared)  # as the daemon keeps up with live writes
                return written

            timings = _move(niaga, tenant_id, write_during)
            events += int(timings.pop("written during"))
            moved.record(events, timings["total"])
            copied.record(events, timings[Step.PRECOPIED.value])
            runs.append(timings)
            print(f"  run {run + 1}: {events:,} events, commands waited {timings['waited']:.2f} s")
    report(f"Moving a tenant of {customers * EVENTS_PER_CUSTOMER:,} events", raw, [moved, copied])
    _report_steps(runs)


def _report_steps(runs: list[dict[str, float]]) -> None:
    medians = {step: statistics.median(r[step] for r in runs) for step in runs[0]}
    print("\nseconds per step (median): " + ", ".join(f"{k} {v:.2f}" for k, v in medians.items()))
    worst = max(r["waited"] for r in runs)
    print(f"commands waited: median {medians['waited']:.2f} s, worst {worst:.2f} s")
    check_goal("write freeze: goal 10 s / worst freeze", FREEZE_GOAL_SECONDS / worst, 1.0)


def _timed_plain_copy(niaga: Niaga, tenant_id: UUID) -> tuple[int, float]:
    started = time.perf_counter()
    count = _plain_copy(niaga, tenant_id)
    return count, time.perf_counter() - started


def _move(niaga: Niaga, tenant_id: UUID, write_during: Callable[[], int]) -> dict[str, float]:
    timings: dict[str, float] = {"written during": 0}
    started = last = time.perf_counter()

    def watch(step: Step) -> None:
        nonlocal last
        now = time.perf_counter()
        timings[step.value] = now - last
        if step is Step.PRECOPIED:  # the tenant writes on until it is frozen
            timings["written during"] = write_during()
        last = time.perf_counter()

    outcome = niaga.services.tenant_moves.move(tenant_id, Placement.OWN_SCHEMA, watch=watch)
    if outcome.outcome is not Step.DONE:
        raise SystemExit(f"the move was rolled back: {outcome.reason}")
    timings["total"] = time.perf_counter() - started
    timings["waited"] = outcome.frozen_seconds
    return timings


def _plain_copy(niaga: Niaga, tenant_id: UUID) -> int:
    """The tenant's rows copied with COPY to a scratch table and back out of it: the floor."""
    schema = niaga.stores.platform_ref.schema
    events = sql.Identifier(schema, "niaga_events")
    with niaga.database.connection() as src, niaga.database.connection() as dst:
        dst.execute(sql.SQL("CREATE TEMP TABLE copied (LIKE {} INCLUDING DEFAULTS)").format(events))
        query = sql.SQL(
            "COPY (SELECT originator_id, originator_version, topic, state FROM {} "
            "WHERE convert_from(state, 'UTF8')::jsonb -> '__meta__' ->> 'tenant_id' = {} "
            "ORDER BY notification_id) TO STDOUT (FORMAT BINARY)"
        ).format(events, sql.Literal(str(tenant_id)))
        count = 0
        with (
            src.cursor().copy(query) as out,
            dst.cursor().copy(
                "COPY copied (originator_id, originator_version, topic, state) FROM STDIN "
                "(FORMAT BINARY)"
            ) as into,
        ):
            for block in out:
                into.write(block)
        row = dst.execute("SELECT count(*) FROM copied").fetchone()
        count = int(row[0]) if row else 0
        dst.execute("DROP TABLE copied")
    return count


if __name__ == "__main__":
    main()
