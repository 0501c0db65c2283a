"""One command through the application layer (load, decide, save) against a raw 1-row insert.

    python -m bench.single_command                    # 200 commands per measurement
    python -m bench.single_command --commands 2000    # full size

Goal (BENCHMARKS.md): the pure command path >= 0.30x raw psycopg 1-row-per-transaction inserts.
The pure path skips read-model waiting (a no-op ReadModelSync); the inline path is what the
services do by default: each command also brings its store's read models up to date.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Iterator
from uuid import UUID

import psycopg

from application.customers.customers import ChangeCustomerContact, CustomerService, RegisterCustomer
from application.shared.commands import run_command
from application.shared.context import Actor, ActorKind, Principal
from application.shared.event_store import EventStore, Saved
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
from domain.shared.roles import Role

BENCH_USER = Actor(ActorKind.USER, "bench")
# The same command outside `run_command`, for the price of asking the store on every load.
FAST_FORWARDED = "pure change_contact, fast-forwarded"


class NoWait:
    """A ReadModelSync that returns at once: the command path alone."""

    def wait(self, store: EventStore, upto: Saved | int, timeout: float = 2.0) -> bool:
        return True


class Timed:
    """Times each operation of a run, for a rate and for latency percentiles."""

    def __init__(self, figure: Figure) -> None:
        self.figure = figure
        self.latencies: list[float] = []

    def run(self, operations: Iterator[Callable[[], object]]) -> None:
        count, started = 0, time.perf_counter()
        for operation in operations:
            begun = time.perf_counter()
            operation()
            self.latencies.append(time.perf_counter() - begun)
            count += 1
        self.figure.record(count, time.perf_counter() - started)
        self.figure.note = _percentiles(self.latencies)


def main(argv: list[str] | None = None) -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=200, help="commands per measurement")
    args = parser.parse_args(argv)
    numbers = itertools.count()  # phone numbers stay unique across runs
    with throwaway_database("niaga_bench") as url, running_niaga(url) as niaga:
        tenant_id = niaga.tenants.create("Bench ISP", Placement.SHARED)
        services = {"pure": CustomerService(niaga.stores, NoWait()), "inline": niaga.customers}
        raw = Timed(Figure("raw INSERT, 1 row per transaction", "rows/s"))
        timed = {
            f"{mode} {command}": Timed(Figure(f"{mode} {command}", "commands/s"))
            for mode in services
            for command in ("register", "change_contact")
        }
        timed[FAST_FORWARDED] = Timed(Figure(FAST_FORWARDED, "commands/s"))
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE bench_rows (id bigserial PRIMARY KEY, payload text NOT NULL, "
                "created_at timestamptz NOT NULL DEFAULT now())"
            )
            for run in range(1, args.repeat + 1):
                print(f"run {run}/{args.repeat}", flush=True)
                raw.run(_inserts(conn, args.commands))
                for mode, service in services.items():
                    ids: list[UUID] = []
                    timed[f"{mode} register"].run(
                        _registrations(service, tenant_id, numbers, args.commands, ids)
                    )
                    timed[f"{mode} change_contact"].run(
                        _contact_changes(service, tenant_id, ids, f"{run}")
                    )
                    if mode == "pure":
                        timed[FAST_FORWARDED].run(
                            _contact_changes(
                                service, tenant_id, ids, f"{run}b", _outside_run_command
                            )
                        )
    _print(raw.figure, {name: t.figure for name, t in timed.items()})


def _inserts(conn: psycopg.Connection[object], count: int) -> Iterator[Callable[[], object]]:
    for i in range(count):
        yield lambda i=i: conn.execute(
            "INSERT INTO bench_rows (payload) VALUES (%s)", (f"row {i}",)
        )


def _principal(tenant_id: UUID) -> Principal:
    # A new principal per command, as per request: each carries its own correlation id.
    return Principal(tenant_id, Role.STAFF, BENCH_USER)


def _registrations(
    service: CustomerService,
    tenant_id: UUID,
    numbers: Iterator[int],
    count: int,
    ids: list[UUID],
) -> Iterator[Callable[[], object]]:
    for _ in range(count):
        i = next(numbers)
        command = RegisterCustomer(
            name=f"Pelanggan {i}",
            phone=f"0813{i:08d}",
            email=f"pelanggan{i}@contoh.id",
            address=f"Jl. Sudirman No. {i}, Bandung",
        )
        yield lambda command=command: ids.append(
            run_command(lambda: service.register(_principal(tenant_id), command))
        )


def _contact_changes(
    service: CustomerService,
    tenant_id: UUID,
    ids: list[UUID],
    version: str,
    runner: Callable[[Callable[[], None]], None] = run_command,
) -> Iterator[Callable[[], object]]:
    # A name each pass has not set yet: an unchanged contact would record nothing.
    for customer_id in list(ids):
        name = f"Pelanggan {customer_id.hex[:6]} {version}"
        command = ChangeCustomerContact(customer_id, name=name)
        yield lambda command=command: runner(
            lambda: service.change_contact(_principal(tenant_id), command)
        )


def _outside_run_command(call: Callable[[], None]) -> None:
    """As a job or the CLI runs a command: every cached aggregate is brought up to date with a
    look-up in the store before the command decides."""
    call()


def _percentiles(latencies: list[float]) -> str:
    if len(latencies) < 2:
        return ""
    cuts = statistics.quantiles(latencies, n=100)
    return f"p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms"


def _print(raw: Figure, figures: dict[str, Figure]) -> None:
    report("Single command through the application layer", raw, list(figures.values()))
    print("\nGoals (pure command path >= 0.30x raw 1-row insert):")
    for name in ("pure change_contact", "pure register"):
        check_goal(f"{name} / raw insert", ratio_of(figures[name], raw), 0.30)
    print("Goals (a command with its read models brought up to date >= 0.15x raw 1-row insert):")
    for name in ("inline change_contact", "inline register"):
        check_goal(f"{name} / raw insert", ratio_of(figures[name], raw), 0.15)


if __name__ == "__main__":
    main()
