"""GraphQL under load: `niaga serve` on a store of N invoices, against the same server's /healthz.

    python -m bench.graphql                                     # 20,000 invoices, 5 s per scenario
    python -m bench.graphql --seconds 10                        # steadier
    python -m bench.graphql --invoices 1000000 --repeat 1       # full size

Seeds one tenant (a schema of its own) with N invoices, their customers and the payments of all
but the latest month, as the application records them (bench/invoice_seeding.py), and catches
its read models up. Then starts `niaga serve --no-scheduler` (API, projection daemon and process
managers in one process, no Redis: the default layout less the daily billing cycle) on that
database and drives it with --connections keep-alive clients for --seconds per scenario, with
wrk (installed on first use where possible) or a Python generator, each in a process of its own.
Every run measures /healthz (the baseline) and then each scenario, so ratios compare figures taken
minutes apart on the same server. Goals (BENCHMARKS.md, set at 1,000,000 invoices): the page with
totalCount >= 0.20x /healthz with p99 <= 50 ms, the same query repeated >= 0.50x, the mutation's
p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import httpx
import psycopg

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from adapters.shared.stores import PostgresEventStore
from application.shared.ports import Placement
from bench.billing_run import _settle
from bench.common import Figure, base_parser, check_goal, ratio_of, report, throwaway_database
from bench.http_load import Load, LoadResult, Scenario, run, wrk_available
from bench.invoice_seeding import Months, catch_up, seed_invoices
from domain.shared.roles import Role

FULL_SIZE = 1_000_000
PLATFORM_SCHEMA = "niaga"
SECRET_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()  # this run's seals only
PAGE_SIZE = 50
MUTATED_CUSTOMERS = 2_000  # customers the mutation scenario renames in turn
GOALS = {"page + totalCount": 0.20, "same query repeated": 0.50}
P99_GOAL = 0.050  # seconds
RENAMES = "changeCustomerContact"
P99_GOALS = ("page + totalCount", RENAMES)


@dataclass(frozen=True)
class Seeded:
    token: str
    customers: list[UUID]
    invoices: int
    events: int
    seconds: float  # recording the events
    catch_up_seconds: float


@dataclass
class Measured:
    """One scenario's runs: rates as a Figure, latencies and failures beside them."""

    figure: Figure
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    bad: int = 0
    errors: int = 0

    def add(self, result: LoadResult) -> None:
        self.figure.record(result.requests, result.seconds)
        self.p50.append(result.p50)
        self.p99.append(result.p99)
        self.bad += result.bad
        self.errors += result.errors
        self.figure.note = (
            f"p50 {statistics.median(self.p50) * 1000:.1f} ms, "
            f"p99 {statistics.median(self.p99) * 1000:.1f} ms"
            + (f", {self.bad} bad answers" if self.bad else "")
            + (f", {self.errors} errors" if self.errors else "")
        )


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    generator = _generator(args.generator)
    print(f"load average before: {_load()}; load generator: {generator}", flush=True)
    with (
        throwaway_database("niaga_bench") as url,
        tempfile.TemporaryDirectory(prefix="niaga-bench-graphql-") as scratch,
    ):
        data_dir = Path(scratch)
        seeded = _seed(url, data_dir, args)
        with psycopg.connect(url, autocommit=True) as conn:
            _settle(conn)
        print(f"load average after seeding: {_load()}", flush=True)
        with serving(url, data_dir) as base_url:
            measured, loads = _drive(base_url, seeded, args, generator, data_dir)
    _print(args, seeded, measured, loads, generator)


def _parser() -> argparse.ArgumentParser:
    parser = base_parser((__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--invoices", type=int, default=20_000, help=f"invoices to seed (full: {FULL_SIZE:,})"
    )
    parser.add_argument("--months", type=int, default=12, help="invoices per customer, monthly")
    parser.add_argument(
        "--open-months", type=int, default=1, help="latest months left unpaid (status issued)"
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="load per scenario and run")
    parser.add_argument("--connections", type=int, default=10, help="concurrent clients")
    parser.add_argument(
        "--pages", type=int, default=100, help="distinct pages the list scenarios cycle through"
    )
    parser.add_argument("--batch", type=int, default=500, help="aggregates per save when seeding")
    parser.add_argument(
        "--generator",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="wrk (installed if missing and we are root), or the Python one; auto: wrk if it can",
    )
    parser.add_argument(
        "--placement",
        choices=[p.value for p in Placement],
        default=Placement.OWN_SCHEMA.value,
        help="where the tenant's events live",
    )
    return parser


def _generator(wanted: str) -> str:
    if wanted == "python":
        return "python"
    if wrk_available(install=True):
        return "wrk"
    if wanted == "wrk":
        raise SystemExit("wrk is not installed and could not be installed (apt-get install wrk)")
    return "python"


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


# -- seeding (not timed against anything) ----------------------------------------------------


def _settings(url: str, data_dir: Path) -> Settings:
    """What the seeding container and the server share: database, platform schema and the
    data directory (where the secret key is made)."""
    return Settings(
        database_url=url,
        redis_url=None,
        niaga_data_dir=data_dir,
        niaga_platform_schema=PLATFORM_SCHEMA,
        niaga_secret_key=SECRET_KEY,
    )


def _seed(url: str, data_dir: Path, args: argparse.Namespace) -> Seeded:
    niaga = Niaga.start(_settings(url, data_dir))
    try:
        tenant_id = niaga.tenants.create("Bench ISP", Placement(args.placement))
        token = niaga.tenants.issue_api_key(tenant_id, Role.STAFF, "bench").token
        store = cast(PostgresEventStore, niaga.stores.for_tenant(tenant_id))
        months = Months(args.months, args.open_months)
        print(
            f"seeding {args.invoices:,} invoices, {months.count} a customer, the latest "
            f"{months.open} month(s) unpaid, in {store.ref.schema} ...",
            flush=True,
        )
        seeded = seed_invoices(niaga, store, tenant_id, args.invoices, months, args.batch)
        applied, catch_up_seconds = catch_up(niaga, store)
        print(
            f"  read models caught up in {catch_up_seconds:.1f} s: {seeded.events:,} events of "
            f"the log ({seeded.events / catch_up_seconds:,.0f}/s), {applied:,} applications "
            "to the projections that take them",
            flush=True,
        )
    finally:
        niaga.close()
    result = Seeded(
        token,
        seeded.customers,
        seeded.invoices,
        seeded.events,
        seeded.seconds,
        catch_up_seconds,
    )
    _print_seeding_estimate(result)
    return result


def _print_seeding_estimate(seeded: Seeded) -> None:
    total = seeded.seconds + seeded.catch_up_seconds
    scale = FULL_SIZE / max(seeded.invoices, 1)
    print(
        f"  seeded {seeded.invoices:,} invoices ({seeded.events:,} events) in {total:.1f} s: "
        f"recording {seeded.invoices / seeded.seconds:,.0f} invoices/s, read models "
        f"{seeded.events / seeded.catch_up_seconds:,.0f} events/s; "
        f"{FULL_SIZE:,} invoices would take about {total * scale / 60:,.0f} min",
        flush=True,
    )


# -- the server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(url: str, data_dir: Path) -> Iterator[str]:
    """`niaga serve` on the seeded database until the block ends (also on Ctrl-C or kill);
    yields its base URL once /readyz answers 200."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "NIAGA_DATA_DIR": str(data_dir),
        "NIAGA_PLATFORM_SCHEMA": PLATFORM_SCHEMA,
        "NIAGA_SECRET_KEY": SECRET_KEY,
    }
    env.pop("REDIS_URL", None)  # the embedded default: process managers in this process
    niaga = str(Path(sys.executable).with_name("niaga"))
    log_path = data_dir / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [niaga, "serve", "--no-scheduler", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_ready(base_url, server, log_path)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            _print_complaints(log_path)


def _wait_ready(base_url: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    started = time.perf_counter()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"niaga serve exited ({server.returncode}):\n{_tail(log_path)}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=5).status_code == 200:
                print(f"niaga serve ready in {time.perf_counter() - started:.1f} s", flush=True)
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"niaga serve was not ready within 300 s:\n{_tail(log_path)}")


def _print_complaints(log_path: Path) -> None:
    """The server's warnings and errors, if it logged any: a bench that hid them would flatter."""
    lines = log_path.read_text(errors="replace").splitlines()
    complaints = [line for line in lines if line.startswith(("WARNING", "ERROR", "CRITICAL"))]
    if complaints:
        print(f"niaga serve logged {len(complaints)} warnings or errors, first ones:")
        for line in complaints[:5]:
            print(f"  {line[:200]}")


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# -- the scenarios ---------------------------------------------------------------------------

INVOICE_FIELDS = (
    "edges { node { id number status total balanceDue issuedOn dueOn customerName } } "
    "pageInfo { hasNextPage endCursor }"
)
RENAME = (
    "mutation Rename($input: ChangeCustomerContactInput!) { changeCustomerContact(input: $input) "
    "{ __typename ... on ChangeCustomerContactSuccess { customer { id name } } } }"
)
LIST_MARKER = '"endCursor"'


def _invoices_query(*, total_count: bool, filtered: bool) -> str:
    status = "$status: String, " if filtered else ""
    argument = "status: $status, " if filtered else ""
    count = " totalCount" if total_count else ""
    return (
        f"query Invoices({status}$after: String) {{ invoices({argument}first: {PAGE_SIZE}, "
        f"after: $after) {{ {INVOICE_FIELDS}{count} }} }}"
    )


def _body(query: str, variables: dict[str, Any]) -> str:
    return json.dumps({"query": query, "variables": variables}, separators=(",", ":"))


class Client:
    """Single requests to the server, to check answers and to walk pages before the load."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def answer(self, scenario: Scenario, body: str | None = None) -> str:
        """One request of `scenario` (`body`, or its first), refused unless a good answer."""
        url = f"{self.base_url}{scenario.path}"
        if scenario.bodies:
            content = body or scenario.bodies[0]
            response = httpx.post(url, content=content, headers=self.headers, timeout=60)
        else:
            response = httpx.get(url, headers=self.headers, timeout=60)
        text = response.text
        if response.status_code != 200 or scenario.marker not in text or '"errors"' in text:
            raise SystemExit(f"{scenario.name}: {response.status_code} {text[:2000]}")
        return text

    def cursors(self, pages: int, filtered: bool) -> list[str | None]:
        """The `after` of the first `pages` pages of the list (None: the first page)."""
        query = _invoices_query(total_count=False, filtered=filtered)
        cursors: list[str | None] = [None]
        while len(cursors) < pages:
            variables = {"after": cursors[-1], **({"status": "issued"} if filtered else {})}
            probe = Scenario("walk", "/graphql", LIST_MARKER, (_body(query, variables),))
            info = json.loads(self.answer(probe))["data"]["invoices"]["pageInfo"]
            if not info["hasNextPage"]:
                break
            cursors.append(info["endCursor"])
        return cursors


def _list_scenarios(client: Client, pages: int) -> list[Scenario]:
    every = client.cursors(pages, filtered=False)
    unpaid = client.cursors(pages, filtered=True)

    def bodies(total_count: bool, filtered: bool, cursors: list[str | None]) -> tuple[str, ...]:
        query = _invoices_query(total_count=total_count, filtered=filtered)
        status = {"status": "issued"} if filtered else {}
        return tuple(_body(query, {"after": after, **status}) for after in cursors)

    print(
        f"  list scenarios cycle through {len(every)} pages ({len(unpaid)} of unpaid invoices)",
        flush=True,
    )
    return [
        Scenario("page", "/graphql", LIST_MARKER, bodies(False, False, every)),
        Scenario("page + totalCount", "/graphql", LIST_MARKER, bodies(True, False, every)),
        Scenario(
            "filtered (status) + totalCount", "/graphql", LIST_MARKER, bodies(True, True, unpaid)
        ),
        Scenario("same query repeated", "/graphql", LIST_MARKER, bodies(True, False, [None])),
    ]


def _rename_scenario(customers: list[UUID], run: int) -> Scenario:
    """Each request renames the next customer; two names a run, so every request changes one."""
    chosen = customers[:MUTATED_CUSTOMERS]
    bodies = tuple(
        _body(RENAME, {"input": {"id": str(c), "name": f"Pelanggan {i} (run {run}{turn})"}})
        for turn in "ab"
        for i, c in enumerate(chosen)
    )
    return Scenario(RENAMES, "/graphql", '"ChangeCustomerContactSuccess"', bodies)


def _check_body(scenario: Scenario, seeded: Seeded, run: int) -> str | None:
    """The mutation is checked on a change of its own, so that every timed request changes
    a customer; the reads are checked with their first request."""
    if scenario.name != RENAMES:
        return None
    variables = {"id": str(seeded.customers[-1]), "name": f"Pelanggan (run {run} check)"}
    return _body(RENAME, {"input": variables})


HEALTHZ = Scenario("/healthz", "/healthz", '"ok"')


def _drive(
    base_url: str, seeded: Seeded, args: argparse.Namespace, generator: str, workdir: Path
) -> tuple[dict[str, Measured], list[float]]:
    client = Client(base_url, seeded.token)
    lists = _list_scenarios(client, args.pages)
    load = Load(base_url, client.headers, args.connections, args.seconds, workdir)
    measured: dict[str, Measured] = {}
    loads: list[float] = []
    for run_number in range(1, args.repeat + 1):
        print(f"run {run_number}/{args.repeat}", flush=True)
        for scenario in [HEALTHZ, *lists, _rename_scenario(seeded.customers, run_number)]:
            # A wrong answer stops the bench before it is timed.
            client.answer(scenario, _check_body(scenario, seeded, run_number))
            result = run(load, scenario, generator)
            loads.append(os.getloadavg()[0])
            unit = "requests/s"
            entry = measured.setdefault(scenario.name, Measured(Figure(scenario.name, unit)))
            entry.add(result)
            failures = (
                f", {result.bad} bad, {result.errors} errors" if result.bad or result.errors else ""
            )
            print(
                f"  {scenario.name:<32}{result.rate:>9,.0f} req/s  p50 {result.p50 * 1000:7.1f} ms"
                f"  p99 {result.p99 * 1000:7.1f} ms{failures}  (load {_load()})",
                flush=True,
            )
            time.sleep(1.0)  # requests still in flight at the deadline finish before the next
    return measured, loads


# -- report ----------------------------------------------------------------------------------


def _print(
    args: argparse.Namespace,
    seeded: Seeded,
    measured: dict[str, Measured],
    loads: list[float],
    generator: str,
) -> None:
    baseline = measured[HEALTHZ.name].figure
    others = [m.figure for name, m in measured.items() if name != HEALTHZ.name]
    report(
        f"GraphQL under load: {seeded.invoices:,} invoices of {len(seeded.customers):,} "
        f"customers, {args.connections} connections, {args.seconds:g} s per scenario, {generator}",
        baseline,
        others,
    )
    print(
        f"\nload average (1 min) during the load: {min(loads):.2f} to {max(loads):.2f} "
        f"(2 cores, shared with whatever else runs)"
    )
    print("\nGoals (BENCHMARKS.md):")
    for name, goal in GOALS.items():
        check_goal(f"{name} / /healthz", ratio_of(measured[name].figure, baseline), goal)
    for name in P99_GOALS:
        p99 = statistics.median(measured[name].p99)
        verdict = "meets" if p99 <= P99_GOAL else "MISSES"
        print(f"  {name} p99: {p99 * 1000:.1f} ms (goal <= {P99_GOAL * 1000:.0f} ms) {verdict} it")
    if seeded.invoices < FULL_SIZE:
        print(f"  (the goals are set at {FULL_SIZE:,} invoices; this run had {seeded.invoices:,})")
    failing = [name for name, m in measured.items() if m.bad or m.errors]
    if failing:
        print(f"  WARNING: bad answers or errors in {', '.join(failing)}; see the notes above")


if __name__ == "__main__":
    main()
