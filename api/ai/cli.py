"""`niaga ai keys ...`: API keys for the language model, the platform's or a tenant's own; and
`niaga ai switch`, a tenant's AI on or off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.ai.keys import AddAiKey
from application.ai.ports import AiKeyView
from application.shared.context import Actor, ActorKind, Principal
from domain.shared.errors import DomainError
from domain.shared.roles import Role

ai_app = typer.Typer(help="AI: API keys for the language model, and each tenant's switch.")
keys_app = typer.Typer(help="AI keys: add (sealed, never shown), list, disable.")
ai_app.add_typer(keys_app, name="keys")
console = Console()
err = Console(stderr=True)
OPERATOR = Actor(ActorKind.USER, "cli")
T = TypeVar("T")

TenantOption = Annotated[
    UUID | None, typer.Option("--tenant", help="A tenant's own key; unset: the platform's keys")
]


def _run(call: Callable[[Niaga], T]) -> T:
    niaga = Niaga.start(Settings())
    try:
        return call(niaga)
    except DomainError as error:
        err.print(f"[red]error ({error.code}):[/] {error.message}")
        raise typer.Exit(1) from None
    finally:
        niaga.close()


def _owner(tenant_id: UUID) -> Principal:
    return Principal(tenant_id, Role.OWNER, OPERATOR)


@keys_app.command("add")
def add(
    label: Annotated[str, typer.Option(help="A name to tell the key by")] = "key",
    tenant: TenantOption = None,
    key: Annotated[
        str,
        typer.Option(
            prompt="API key",
            hide_input=True,
            envvar="NIAGA_AI_KEY",
            help="The key (asked for when not given; or NIAGA_AI_KEY)",
        ),
    ] = "",
) -> None:
    """Add a key; it is sealed at rest and never printed."""
    command = AddAiKey(key, label)

    def call(niaga: Niaga) -> UUID:
        if tenant is None:
            return niaga.services.ai_keys.add_platform_key(command, OPERATOR)
        return niaga.services.ai_keys.add(_owner(tenant), command)

    key_id = _run(call)
    console.print(f"AI key {key_id} added ({'platform' if tenant is None else tenant})")


@keys_app.command("list")
def list_keys(tenant: TenantOption = None) -> None:
    """Keys with their state (active, cooling, disabled) and last error; never the keys."""

    def call(niaga: Niaga) -> list[AiKeyView]:
        if tenant is None:
            return niaga.services.ai_queries.platform_keys()
        return niaga.services.ai_queries.keys(_owner(tenant))

    table = Table("id", "label", "scope", "status", "cooling until", "last error")
    for view in _run(call):
        until = f"{view.cooling_until:%Y-%m-%d %H:%M:%S}" if view.cooling_until else ""
        table.add_row(
            str(view.id), view.label, view.scope, view.status, until, view.last_error or ""
        )
    console.print(table)


@keys_app.command("disable")
def disable(
    key_id: Annotated[UUID, typer.Argument(help="The key's id (from `niaga ai keys list`)")],
    tenant: TenantOption = None,
) -> None:
    """Disable a key for good."""

    def call(niaga: Niaga) -> None:
        if tenant is None:
            niaga.services.ai_keys.disable_platform_key(key_id, OPERATOR)
        else:
            niaga.services.ai_keys.disable(_owner(tenant), key_id)

    _run(call)
    console.print(f"AI key {key_id} disabled")


@ai_app.command("switch")
def switch(
    tenant: Annotated[UUID, typer.Argument(help="Tenant id")],
    enabled: Annotated[bool, typer.Option("--on/--off", help="AI on or off for the tenant")],
) -> None:
    """Switch AI on or off for a tenant; off, features answer with their rules only."""
    _run(lambda niaga: niaga.services.ai_switch.switch(_owner(tenant), enabled))
    console.print(f"AI {'on' if enabled else 'off'} for {tenant}")
