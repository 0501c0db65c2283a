"""`niaga tenants move TENANT --to schema|database|shared [--server S]`, and `--resume` for a
move whose mover died: progress with counts and a time estimate, each step named as it ends."""

from __future__ import annotations

import os
import threading
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import (
    Progress,
    TaskID,
)

from adapters.bootstrap import Niaga
from api.shared.cli_support import OPERATOR, progress_bar, run_on_niaga
from application.platform.moves import MoveReport, Step
from application.shared.ports import Placement

console = Console()
err = Console(stderr=True)
# Stop after a step and wait to be killed: how the suite proves a move resumes after any step.
PAUSE_AFTER_ENV = "NIAGA_MOVE_PAUSE_AFTER"


def tenants_move(
    tenant_id: Annotated[UUID, typer.Argument(help="Tenant id")],
    to: Annotated[Placement | None, typer.Option("--to", help="The tier to move to")] = None,
    server: Annotated[
        str | None,
        typer.Option(help="The server (NIAGA_SERVERS) to move to; default: the region's first"),
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Finish (or roll back) the tenant's unfinished move")
    ] = False,
) -> None:
    """Move a tenant's data to another tier or server; its commands wait a few seconds (they
    answer TENANT_MOVING), its reads go on. Exits 1 when the move was rolled back."""
    if (to is None) == (not resume):
        raise typer.BadParameter("give --to TIER, or --resume", param_hint="--to")
    report = run_on_niaga(lambda niaga: _run(niaga, tenant_id, to, server, resume))
    _print(report)
    if report.outcome is not Step.DONE:
        raise typer.Exit(1)


def _run(
    niaga: Niaga, tenant_id: UUID, to: Placement | None, server: str | None, resume: bool
) -> MoveReport:
    moves = niaga.services.tenant_moves
    with _bar() as bar:
        tasks: dict[str, TaskID] = {}

        def progress(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        def watch(step: Step) -> None:
            bar.console.print(f"step {step.value}")
            if os.environ.get(PAUSE_AFTER_ENV) == step.value:
                bar.console.print(f"paused after {step.value}")
                threading.Event().wait()  # until the process is killed

        if resume or to is None:
            return moves.resume(tenant_id, OPERATOR, progress, watch)
        return moves.move(tenant_id, to, server, OPERATOR, progress, watch)


def _print(report: MoveReport) -> None:
    if report.outcome is Step.DONE:
        console.print(
            f"moved to {report.store}: {report.events} events; commands waited "
            f"{report.frozen_seconds:.1f} s (move {report.move_id})"
        )
    else:
        err.print(
            f"[red]rolled back[/]: the tenant stays in {report.store} ({report.reason}); "
            f"move {report.move_id}"
        )


def _bar() -> Progress:
    return progress_bar(console)
