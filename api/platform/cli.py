"""`niaga platform ...`: the operator bills tenants with Stripe. `plans sync` makes Stripe hold
the platform's plans, `subscribe` puts a tenant on a plan, `change-plan` moves it (prorated)."""

from __future__ import annotations

from typing import Annotated, TypeVar
from uuid import UUID

import typer
from rich.console import Console

from api.shared.cli_support import OPERATOR, run_on_niaga
from application.platform.billing_ports import PlatformSubscriptionView

platform_app = typer.Typer(help="The platform's own billing of its tenants (Stripe).")
plans_app = typer.Typer(help="The platform's plans in Stripe.")
platform_app.add_typer(plans_app, name="plans")
operator_keys_app = typer.Typer(help="The platform operator's API keys (the operator's console).")
platform_app.add_typer(operator_keys_app, name="operator-key")
console = Console()
err = Console(stderr=True)
T = TypeVar("T")
PlanOption = Annotated[str, typer.Option("--plan", help="The plan's code, e.g. starter")]


@plans_app.command("sync")
def plans_sync() -> None:
    """Create in Stripe what the plans need and it lacks; a second sync creates nothing."""
    report = run_on_niaga(lambda niaga: niaga.services.platform_billing.sync_plans())
    for made in report.created:
        console.print(f"created {made}")
    console.print(f"{len(report.created)} created, {len(report.unchanged)} already current")


@platform_app.command("subscribe")
def subscribe(tenant: UUID, plan: PlanOption) -> None:
    """Subscribe a tenant to a plan, priced for the tier its data is in."""
    made = run_on_niaga(
        lambda niaga: niaga.services.platform_billing.subscribe(tenant, plan, OPERATOR)
    )
    _show(made)


@platform_app.command("change-plan")
def change_plan(tenant: UUID, plan: PlanOption) -> None:
    """Move a tenant to another plan (or to its new tier's price); Stripe prorates."""
    changed = run_on_niaga(
        lambda niaga: niaga.services.platform_billing.change_plan(tenant, plan, OPERATOR)
    )
    _show(changed)


def _show(subscription: PlatformSubscriptionView) -> None:
    console.print(
        f"tenant {subscription.tenant_id}: plan {subscription.plan} ({subscription.tier}), "
        f"Stripe customer {subscription.customer_id}, subscription {subscription.subscription_id}"
    )


@operator_keys_app.command("create")
def operator_key_create(
    name: Annotated[str, typer.Argument(help="Who holds it: a person or a tool")],
) -> None:
    """Make an operator key and print it once: `Authorization: Bearer nop_...` reaches the
    operator's console in GraphQL, and nothing of any tenant's."""
    issued = run_on_niaga(lambda niaga: niaga.services.operator_keys.create(name))
    console.print(f"operator key {issued.key_id} ({issued.name}); shown once, keep it safe:")
    console.print(issued.token, soft_wrap=True)


@operator_keys_app.command("revoke")
def operator_key_revoke(
    name: Annotated[str, typer.Argument(help="The name the key was created with")],
) -> None:
    """Revoke an operator key at once (its next request is refused)."""
    run_on_niaga(lambda niaga: niaga.services.operator_keys.revoke(name))
    console.print(f"operator key {name!r} revoked")
