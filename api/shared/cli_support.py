"""What the `niaga` sub-commands share: running a call on a started Niaga as the operator, and
a domain refusal printed with its code (exit 1) instead of a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.shared.context import Actor, ActorKind
from domain.shared.errors import DomainError

T = TypeVar("T")
err = Console(stderr=True)
OPERATOR = Actor(ActorKind.USER, "cli")


def run_on_niaga(call: Callable[[Niaga], T]) -> T:
    """Start Niaga on the settings of the environment, run `call` on it, and close it."""
    niaga = Niaga.start(Settings())
    try:
        return call(niaga)
    except DomainError as error:
        err.print(f"[red]error ({error.code}):[/] {error.message}")
        raise typer.Exit(1) from None
    finally:
        niaga.close()


def progress_bar(console: Console) -> Progress:
    """Long work's progress: what, a bar, done of total, and the time left."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )
