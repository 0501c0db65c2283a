"""Projection catch-up / rebuild from zero, against reading the log and against the library.

    python -m bench.projection_catchup                    # 10,000 events, under a minute
    python -m bench.projection_catchup --events 1000000   # full size

Goals (BENCHMARKS.md): Niaga's catch-up >= 0.30x raw select_notifications + decode, and >= 20x
eventsourcing's own ProjectionRunner; a rebuild of 1M events stays within +100 MB of memory.
"""

from __future__ import annotations

import argparse
from typing import Any

from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.stores import PostgresEventStore, StoreRef
from application.shared.ports import Placement
from bench.common import (
    Figure,
    base_parser,
    check_goal,
    megabytes,
    ratio_of,
    report,
    running_niaga,
    throwaway_database,
)
from bench.library_runner import run_library_projection
from bench.rebuild_process import catch_up_in_new_process
from bench.seeding import seed_customers

MEASURED = ("customer_list", "audit_log")


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    with throwaway_database("niaga_bench") as url, running_niaga(url) as niaga:
        tenant_id = niaga.tenants.create("Bench ISP", Placement.OWN_SCHEMA)
        store: PostgresEventStore = niaga.stores.for_tenant(tenant_id)  # type: ignore[assignment]
        per_customer = 2 + args.changes  # Registered, phone Claimed, ContactChanged x changes
        customers = max(args.events // per_customer, 1)
        print(f"Seeding {customers:,} customers ({customers * per_customer:,} events) ...")
        seed_customers(niaga, store, tenant_id, customers, args.changes, args.batch)
        head = _head(niaga, store.ref)
        library_upto = _position_of(niaga, store.ref, min(args.library_events, head))
        print(
            f"Store {store.ref.schema}: {head:,} events; library runner capped at {library_upto:,}"
        )

        raw = Figure(
            "raw select_notifications + decode", "events/s", note=f"pages of {args.page_size}"
        )
        library = Figure("eventsourcing ProjectionRunner", "events/s", note="1 commit per event")
        niaga_figures = {name: Figure(f"niaga catch-up {name}", "events/s") for name in MEASURED}
        growth: dict[str, int] = dict.fromkeys(MEASURED, 0)
        rss_start: dict[str, int] = dict.fromkeys(MEASURED, 0)
        platform = niaga.settings.niaga_platform_schema
        for run in range(1, args.repeat + 1):
            print(f"run {run}/{args.repeat}", flush=True)
            raw.time(lambda: _select_and_decode(_fresh(niaga, store.ref), args.page_size))
            if library_upto:
                library.record(
                    library_upto, run_library_projection(url, store.ref.schema, library_upto)
                )
            for name in MEASURED:
                result = catch_up_in_new_process(
                    url, platform, store.ref.schema, name, args.page_size
                )
                niaga_figures[name].record(head, result.seconds)
                niaga_figures[name].note = f"applied {result.applied:,} of them"
                growth[name] = max(growth[name], result.rss_growth)
                rss_start[name] = result.rss_start
        _print(raw, library, niaga_figures, growth, rss_start, head)


def _parser() -> argparse.ArgumentParser:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000, help="events to seed (full: 1000000)")
    parser.add_argument("--changes", type=int, default=1, help="contact changes per customer")
    parser.add_argument("--batch", type=int, default=500, help="aggregates per save when seeding")
    parser.add_argument("--page-size", type=int, default=1000, help="events per page/transaction")
    parser.add_argument(
        "--library-events",
        type=int,
        default=1500,
        help="events the (slow) library runner projects per run; 0 skips it",
    )
    return parser


def _fresh(niaga: Niaga, ref: StoreRef) -> PostgresEventStore:
    """The store as a new process sees it: empty key and aggregate caches."""
    return PostgresEventStore(niaga.stores.database.schema_datastore(ref.schema), ref)


def _select_and_decode(store: PostgresEventStore, page_size: int) -> int:
    """The ceiling: the library's recorder pages through the log and Niaga's mapper decodes it
    (with one key look-up per page, as the projection runner does)."""
    recorder: Any = store.recorder
    mapper = store.niaga_mapper
    count = last = 0
    while page := recorder.select_notifications(last, page_size, inclusive_of_start=False):
        mapper.prefetch_keys(page)
        for notification in page:
            mapper.decode(notification.id, notification)
        count += len(page)
        last = page[-1].id
    return count


def _head(niaga: Niaga, ref: StoreRef) -> int:
    with niaga.stores.database.connection() as conn:
        row = conn.execute(
            sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {}.niaga_events").format(
                sql.Identifier(ref.schema)
            )
        ).fetchone()
    return int(row[0]) if row else 0


def _position_of(niaga: Niaga, ref: StoreRef, nth: int) -> int:
    """The notification id of the nth event in the log (0 for none)."""
    if nth <= 0:
        return 0
    with niaga.stores.database.connection() as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT notification_id FROM {}.niaga_events ORDER BY notification_id "
                "OFFSET %s LIMIT 1"
            ).format(sql.Identifier(ref.schema)),
            (nth - 1,),
        ).fetchone()
    return int(row[0]) if row else 0


def _print(
    raw: Figure,
    library: Figure,
    niaga_figures: dict[str, Figure],
    growth: dict[str, int],
    rss_start: dict[str, int],
    head: int,
) -> None:
    figures = [library] if library.rates else []
    report(
        f"Projection catch-up from zero over {head:,} events",
        raw,
        [*figures, *niaga_figures.values()],
    )
    print("\nGoals:")
    for name, figure in niaga_figures.items():
        check_goal(f"{name} / raw select+decode", ratio_of(figure, raw), 0.30)
        if library.rates:
            check_goal(f"{name} / library ProjectionRunner", ratio_of(figure, library), 20)
    print("\nPeak RSS growth of the rebuilding process during its catch-up (worst run):")
    for name, size in growth.items():
        start = megabytes(rss_start[name])[1:]
        print(f"  {name}: {megabytes(size)} over {head:,} events (from {start} before it)")


if __name__ == "__main__":
    main()
