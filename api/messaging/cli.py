"""`niaga whatsapp ...`: a tenant's provider and credentials, from the command line."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.shared.context import Actor, ActorKind, Principal
from domain.shared.errors import DomainError
from domain.shared.roles import Role

whatsapp_app = typer.Typer(help="WhatsApp: a tenant's provider and credentials.")
console = Console()
err = Console(stderr=True)


class ProviderChoice(StrEnum):
    cloud_api = "cloud_api"
    fonnte = "fonnte"


@whatsapp_app.command("configure")
def configure(
    tenant_id: Annotated[UUID, typer.Argument(help="Tenant id")],
    provider: Annotated[ProviderChoice, typer.Option(help="cloud_api or fonnte")],
    sender: Annotated[
        str, typer.Option(help="Cloud API phone_number_id, or the Fonnte device number")
    ],
    access_token: Annotated[str | None, typer.Option(help="Cloud API bearer token")] = None,
    app_secret: Annotated[str | None, typer.Option(help="Cloud API app secret")] = None,
    verify_token: Annotated[str | None, typer.Option(help="Cloud API webhook token")] = None,
    token: Annotated[str | None, typer.Option(help="Fonnte device token")] = None,
) -> None:
    """Choose a tenant's WhatsApp provider; credentials are sealed and never shown again."""
    niaga = Niaga.start(Settings())
    who = Principal(tenant_id, Role.OWNER, Actor(ActorKind.SYSTEM, "cli"))
    given = {
        "access_token": access_token,
        "app_secret": app_secret,
        "verify_token": verify_token,
        "token": token,
    }
    try:
        niaga.services.messages.configure(
            who, provider.value, sender, {k: v for k, v in given.items() if v}
        )
    except DomainError as error:
        err.print(f"[red]{error.code}[/red]: {error.message}")
        raise typer.Exit(2) from None
    finally:
        niaga.close()
    console.print(f"WhatsApp for {tenant_id} sends through {provider.value}")
