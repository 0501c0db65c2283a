"""`niaga gateways ...`: set a tenant's gateway credentials, and re-check kept callbacks."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console

from adapters.bootstrap import Niaga, callback_rechecker
from adapters.shared.settings import Settings
from application.payments.gateway_accounts import ConfigureGateway
from application.shared.context import Actor, ActorKind, Principal
from domain.shared.errors import DomainError
from domain.shared.roles import Role

gateways_app = typer.Typer(help="Payment gateways: credentials and callback re-checks.")
console = Console()
err = Console(stderr=True)


def _pairs(raw: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for item in raw:
        name, sep, value = item.partition("=")
        if not sep or not name:
            err.print(f"[red]error:[/] {option} takes name=value, got {item!r}")
            raise typer.Exit(2)
        pairs[name.strip().replace("-", "_")] = value
    return pairs


@gateways_app.command("configure")
def configure(
    tenant_id: Annotated[UUID, typer.Argument(help="Tenant id")],
    gateway: Annotated[str, typer.Argument(help="midtrans, xendit, tripay or duitku")],
    credential: Annotated[
        list[str], typer.Option(help="name=value, e.g. server_key=SB-Mid-server-...; repeatable")
    ] = [],  # noqa: B006 - typer reads repeatable options from a list default
    endpoint: Annotated[
        list[str], typer.Option(help="api=URL, snap=URL or method=CHANNEL; repeatable")
    ] = [],  # noqa: B006
    link_minutes: Annotated[int | None, typer.Option(help="How long links live")] = None,
) -> None:
    """Set a tenant's credentials at a gateway; they are sealed and never printed."""
    command = ConfigureGateway(
        gateway, _pairs(credential, "--credential"), _pairs(endpoint, "--endpoint"), link_minutes
    )
    niaga = Niaga.start(Settings())
    principal = Principal(tenant_id, Role.OWNER, Actor(ActorKind.USER, "cli"))
    try:
        configured = niaga.services.gateway_accounts.configure(principal, command)
    except DomainError as error:
        err.print(f"[red]error ({error.code}):[/] {error.message}")
        raise typer.Exit(1) from None
    finally:
        niaga.close()
    console.print(f"{configured.value} configured for {tenant_id}")


@gateways_app.command("recheck")
def recheck() -> None:
    """Ask the gateways again about every callback kept while their status API was down."""
    niaga = Niaga.start(Settings())
    try:
        resolved = callback_rechecker(niaga).sweep(everything=True)
    finally:
        niaga.close()
    console.print(f"{resolved} callbacks resolved")
