"""`niaga audit ...`: time travel, replay verification, the hash chain, and exports."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO
from uuid import UUID

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from adapters.audit.exports import lines
from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from api.shared.cli_support import progress_bar
from application.audit.audit_exports import ExportKind
from application.audit.time_travel import parse_moment
from application.shared.context import Actor, ActorKind, Principal
from domain.shared.errors import DomainError
from domain.shared.roles import Role

audit_app = typer.Typer(help="Auditing: time travel, replay verification, hash chain, exports.")
console = Console()
err = Console(stderr=True)
CLI_AUDITOR = Actor(ActorKind.SYSTEM, "cli")


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


class ExportWhat(StrEnum):
    audit = "audit"
    events = "events"


@audit_app.command("show")
def show(
    type_name: Annotated[str, typer.Argument(metavar="TYPE", help="e.g. Customer, Invoice")],
    aggregate_id: Annotated[UUID, typer.Argument(metavar="ID")],
    version: Annotated[int | None, typer.Option(help="As of this version")] = None,
    at: Annotated[
        str | None, typer.Option(help="As of this time, e.g. 2026-01-05T10:00+07:00")
    ] = None,
    tenant: Annotated[
        UUID | None, typer.Option(help="Its tenant (not needed for a Tenant)")
    ] = None,
) -> None:
    """An aggregate replayed from its events, as of a version or a time (default: its latest)."""
    if version is not None and at is not None:
        _usage("give --version or --at, not both")
    with _refusals(exit_code=2):
        moment = parse_moment(at, "--at") if at is not None else None
    with _niaga() as niaga, _refusals():
        who = _auditor(type_name, aggregate_id, tenant)
        if version is None and moment is None:
            version = niaga.services.time_travel.history(
                who, type_name, aggregate_id, first=1
            ).total_versions
        snapshot = niaga.services.time_travel.at(
            who, type_name, aggregate_id, version=version, at=moment
        )
        console.print(
            f"{snapshot.type} {snapshot.id} version {snapshot.version} "
            f"(recorded {snapshot.recorded_at.isoformat()})"
        )
        console.print_json(json.dumps(snapshot.state, ensure_ascii=False))


@audit_app.command("history")
def history(
    type_name: Annotated[str, typer.Argument(metavar="TYPE", help="e.g. Customer, Invoice")],
    aggregate_id: Annotated[UUID, typer.Argument(metavar="ID")],
    tenant: Annotated[
        UUID | None, typer.Option(help="Its tenant (not needed for a Tenant)")
    ] = None,
) -> None:
    """Every event of an aggregate: version, time, actor, command and the fields it changed."""
    with _niaga() as niaga, _refusals():
        who = _auditor(type_name, aggregate_id, tenant)
        table = Table("version", "time", "actor", "command", "event", "changes")
        after = 0
        while True:
            page = niaga.services.time_travel.history(who, type_name, aggregate_id, after, 100)
            for entry in page.entries:
                changes = "\n".join(
                    f"{c.field}: {_short(c.old)} -> {_short(c.new)}" for c in entry.changes
                )
                table.add_row(
                    str(entry.version),
                    entry.occurred_at.isoformat(timespec="seconds"),
                    entry.actor,
                    entry.command,
                    entry.action,
                    changes,
                )
            if not page.has_more:
                break
            after = page.entries[-1].version
        console.print(table)


@audit_app.command("verify")
def verify(
    tenant: Annotated[UUID | None, typer.Option(help="Only this tenant's store and rows")] = None,
    store: Annotated[str | None, typer.Option(help="Only this store (default: all)")] = None,
) -> None:
    """Rebuild every read model from the log into a scratch schema and compare it, row by row,
    with the live one. Exit status 1 if anything differs."""
    if tenant is not None and store is not None:
        _usage("give --tenant or --store, not both")
    differing = 0
    with _niaga() as niaga, _refusals(exit_code=2):
        targets = niaga.audit_tools.select(store, tenant)
        with _progress() as progress:
            for target in targets:
                task = progress.add_task(target.ref.name, total=None)

                def advance(
                    name: str,
                    position: int,
                    head: int,
                    task: Any = task,
                    where: str = target.ref.name,
                ) -> None:
                    progress.update(
                        task,
                        description=f"{where}/{name}",
                        completed=position,
                        total=head,
                    )

                for report in niaga.audit_tools.verify_read_models(target, tenant, advance):
                    differing += _print_replay(report)
    if differing:
        err.print(f"[red]{differing} read model(s) differ from a rebuild[/]")
        raise typer.Exit(1)
    console.print("every read model equals its rebuild from the event log")


@audit_app.command("verify-chain")
def verify_chain(
    store: Annotated[str | None, typer.Option(help="Only this store (default: all)")] = None,
    anchor: Annotated[
        list[str] | None,
        typer.Option(help="ID:HASH of a head printed earlier and kept elsewhere (with --store)"),
    ] = None,
) -> None:
    """Recompute each store's hash chain; name any event altered, deleted or inserted out of
    band. Exit status 1 if the chain is broken."""
    anchors = _anchors(anchor or [])
    if anchors and store is None:
        _usage("--anchor needs --store: a head belongs to one store")
    broken = 0
    with _niaga() as niaga, _refusals(exit_code=2):
        targets = niaga.audit_tools.select(store)
        with _progress() as progress:
            reports = []
            for target in targets:
                task = progress.add_task(f"chain {target.ref.name}", total=None)

                def advance(done: int, total: int, task: Any = task) -> None:
                    progress.update(task, completed=done, total=total)

                reports.append(niaga.audit_tools.verify_chain(target, advance, anchors))
    for report in reports:
        if report.intact:
            console.print(
                f"{report.store}: intact, {report.checked} events; "
                f"head {report.head_id} {report.head_hash.hex()}"
            )
            continue
        broken += 1
        first = report.problems[0]
        err.print(f"[red]{report.store}: chain broken at {escape(first.describe())}[/]")
        for problem in report.problems[1:]:
            err.print(f"  also {escape(problem.describe())}")
    if broken:
        raise typer.Exit(1)


@audit_app.command("export")
def export(
    start: Annotated[str, typer.Option("--from", help="From this time (inclusive), ISO 8601")],
    end: Annotated[str, typer.Option("--to", help="To this time (exclusive), ISO 8601")],
    fmt: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.jsonl,
    what: Annotated[
        ExportWhat, typer.Option(help="The audit log or the events")
    ] = ExportWhat.audit,
    output: Annotated[
        Path | None, typer.Option(help="Write here (default: standard output)")
    ] = None,
    tenant: Annotated[UUID | None, typer.Option(help="Only this tenant (default: all)")] = None,
) -> None:
    """Stream the audit log or the events of a period as CSV or JSON Lines, a page at a time."""
    with _refusals(exit_code=2):
        period = parse_moment(start, "--from"), parse_moment(end, "--to")
    with _niaga() as niaga, _refusals():
        kind = ExportKind(what.value)
        rows = niaga.audit_tools.export(kind, *period, tenant)
        with _opened(output) as sink:
            written = sum(sink.write(line) > 0 for line in lines(rows, kind, fmt.value))
    if output is not None:
        console.print(f"wrote {written - (fmt is ExportFormat.csv)} rows to {output}")


def _anchors(raw: list[str]) -> dict[int, bytes]:
    anchors: dict[int, bytes] = {}
    for text in raw:
        position, _, digest = text.partition(":")
        try:
            link = bytes.fromhex(digest)
            anchors[int(position)] = link
        except ValueError:
            link = b""
        if len(link) != 32:
            _usage(f"--anchor {text!r} is not ID:HASH (a notification id, 64 hex digits)")
    return anchors


def _auditor(type_name: str, aggregate_id: UUID, tenant: UUID | None) -> Principal:
    if tenant is None and type_name != "Tenant":
        _usage("--tenant is needed for anything but a Tenant")
    return Principal(tenant or aggregate_id, Role.AUDITOR, CLI_AUDITOR)


def _print_replay(report: Any) -> int:
    where = f"{report.store}/{report.projection}"
    if report.equal:
        console.print(f"{where}: equal at position {report.position}")
        return 0
    if report.unaligned:
        err.print(f"[red]{where}: {report.unaligned}[/]")
    for difference in report.differences:
        err.print(f"[red]{where}:[/] {escape(difference.describe())}")
    if report.more:
        err.print(f"[red]{where}: and {report.more} more difference(s)[/]")
    return 1


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if value is not None else "-"
    return text if len(text) <= 60 else text[:57] + "..."


def _usage(message: str) -> None:
    err.print(f"[red]error:[/] {message}")
    raise typer.Exit(2)


@contextmanager
def _niaga() -> Iterator[Niaga]:
    try:
        niaga = Niaga.start(Settings())
    except Exception as error:
        err.print(f"[red]cannot start Niaga:[/] {error}")
        raise typer.Exit(2) from None
    try:
        yield niaga
    finally:
        niaga.close()


@contextmanager
def _refusals(exit_code: int = 1) -> Iterator[None]:
    try:
        yield
    except DomainError as error:
        err.print(f"[red]error ({error.code}):[/] {escape(error.message)}")
        raise typer.Exit(exit_code) from None


@contextmanager
def _opened(output: Path | None) -> Iterator[TextIO]:
    if output is None:
        yield sys.stdout
        return
    with output.open("w", encoding="utf-8", newline="") as sink:
        yield sink


def _progress() -> Progress:
    return progress_bar(err)
