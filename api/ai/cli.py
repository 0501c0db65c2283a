"""`niaga ai keys ...`: API keys for the language model, the platform's or a tenant's own;
`niaga ai switch`, a tenant's AI on or off; `niaga ai digest`, a tenant's CEO digest now;
`niaga ai costs` and `niaga ai budget`, what AI costs each tenant and its monthly limit."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, TypeVar
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

from adapters.bootstrap import Niaga
from api.shared.cli_support import OPERATOR, run_on_niaga
from application.ai.digest_ports import CeoDigestView
from application.ai.digest_text import figures_text
from application.ai.keys import AddAiKey
from application.ai.ports import AiKeyView
from application.shared.context import Principal
from domain.ai.budget import MICRO
from domain.shared.roles import Role

ai_app = typer.Typer(help="AI: API keys for the language model, and each tenant's switch.")
keys_app = typer.Typer(help="AI keys: add (sealed, never shown), list, disable.")
ai_app.add_typer(keys_app, name="keys")
console = Console()
err = Console(stderr=True)
T = TypeVar("T")

TenantOption = Annotated[
    UUID | None, typer.Option("--tenant", help="A tenant's own key; unset: the platform's keys")
]


def as_owner(tenant_id: UUID) -> Principal:
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
        return niaga.services.ai_keys.add(as_owner(tenant), command)

    key_id = run_on_niaga(call)
    console.print(f"AI key {key_id} added ({'platform' if tenant is None else tenant})")


@keys_app.command("list")
def list_keys(tenant: TenantOption = None) -> None:
    """Keys with their state (active, cooling, disabled) and last error; never the keys."""

    def call(niaga: Niaga) -> list[AiKeyView]:
        if tenant is None:
            return niaga.services.ai_queries.platform_keys()
        return niaga.services.ai_queries.keys(as_owner(tenant))

    table = Table("id", "label", "scope", "status", "cooling until", "last error")
    for view in run_on_niaga(call):
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
            niaga.services.ai_keys.disable(as_owner(tenant), key_id)

    run_on_niaga(call)
    console.print(f"AI key {key_id} disabled")


@ai_app.command("switch")
def switch(
    tenant: Annotated[UUID, typer.Argument(help="Tenant id")],
    enabled: Annotated[bool, typer.Option("--on/--off", help="AI on or off for the tenant")],
) -> None:
    """Switch AI on or off for a tenant; off, features answer with their rules only."""
    run_on_niaga(lambda niaga: niaga.services.ai_switch.switch(as_owner(tenant), enabled))
    console.print(f"AI {'on' if enabled else 'off'} for {tenant}")


@ai_app.command("digest")
def digest(
    tenant: Annotated[UUID, typer.Argument(help="Tenant id")],
    day: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="The day (default: yesterday)"),
    ] = None,
) -> None:
    """Compile a tenant's CEO digest now (of yesterday, or of --date); idempotent: a day's
    digest that exists is shown, not compiled again."""

    def call(niaga: Niaga) -> CeoDigestView | None:
        owner, services = as_owner(tenant), niaga.services
        on = day.date() if day else services.calendar.today(tenant) - timedelta(days=1)
        services.ceo_digests.compile(owner, on)
        return services.ceo_digest_queries.digest(owner, on)

    view = run_on_niaga(call)
    if view is None:  # compiled, but not yet in the read model (a projection daemon lags)
        console.print("CEO digest compiled")
        return
    console.print(f"CEO digest {view.day:%d/%m/%Y} ({view.mode}, AI: {view.ai_status})")
    console.print(figures_text(view.figures, view.names))
    for number, insight in enumerate(view.insights, 1):
        console.print(f"{number}. {insight.title}: {insight.detail}")


@ai_app.command("costs")
def costs(
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM (WIB); default: this month")
    ] = None,
) -> None:
    """What AI cost each tenant in a month, the top spender first, beside its budget and (where
    the platform records it) what the tenant paid the platform."""
    lines = run_on_niaga(lambda niaga: niaga.services.ai_costs.platform(month))
    table = Table(
        "tenant", "name", "calls", "failed", "tokens in", "tokens out", "cost (Rp)",
        "budget (Rp)", "revenue (Rp)", "margin (Rp)",
    )  # fmt: skip
    for line in lines:
        cost = line.cost
        table.add_row(
            str(line.tenant_id),
            line.name,
            str(cost.calls),
            str(cost.failures),
            str(cost.input_tokens),
            str(cost.output_tokens),
            _rupiah(cost.cost_micro_idr) + (" (reached)" if cost.budget_reached else ""),
            "none" if cost.budget_idr is None else f"{cost.budget_idr:,}",
            "unknown" if line.revenue_idr is None else f"{line.revenue_idr:,}",
            "unknown" if line.margin_micro_idr is None else _rupiah(line.margin_micro_idr),
        )
    shown = lines[0].cost.month if lines else None
    console.print(f"AI costs {shown:%Y-%m}" if shown else "No tenants")
    console.print(table)
    if any(line.revenue_idr is None for line in lines):
        console.print("Revenue to the platform is not recorded yet: margin unknown.")


def _rupiah(micro_idr: int) -> str:
    """Millionths of a rupiah shown to the sen: 1234567890 -> 1,234.57."""
    return f"{Decimal(micro_idr) / MICRO:,.2f}"


@ai_app.command("budget")
def budget(
    tenant: Annotated[UUID, typer.Argument(help="Tenant id")],
    rupiah: Annotated[
        int | None, typer.Option("--rupiah", help="Rupiah a month AI may cost the tenant")
    ] = None,
    unlimited: Annotated[bool, typer.Option("--unlimited", help="No limit")] = False,
) -> None:
    """Set a tenant's monthly AI budget; once its month's AI cost reaches it, features answer
    with their rules only until the month ends."""
    if (rupiah is None) == (not unlimited):
        err.print("[red]error:[/] give either --rupiah N or --unlimited")
        raise typer.Exit(2)
    monthly = run_on_niaga(lambda niaga: niaga.services.ai_budgets.set(tenant, rupiah, OPERATOR))
    shown = "no limit" if monthly is None else f"Rp{monthly:,} a month".replace(",", ".")
    console.print(f"AI budget for {tenant}: {shown}")
