"""The one place that wires Niaga together: settings -> database -> stores -> services."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from adapters.audit.exports import PostgresExportSource
from adapters.audit.tools import AuditTools
from adapters.embedded import start_embedded_postgres
from adapters.postgres.billing_read_models import PostgresBillingReadModels
from adapters.postgres.database import Database
from adapters.postgres.read_models import PostgresReadModels
from adapters.postgres.router_read_models import PostgresRouterReadModels
from adapters.postgres.stores import PostgresStores
from adapters.projection_service import ProjectionService
from adapters.routeros.gateway import LibrouterosGateway
from adapters.settings import Settings
from application.audit_exports import AuditExports
from application.billing_queries import BillingQueries
from application.billing_run import BillingRun
from application.clock import Clock, SystemClock
from application.customers import CustomerService
from application.dunning import Dunning
from application.invoicing import InvoicingService
from application.payments import PaymentService
from application.plans import PlanService
from application.provisioning import ProvisioningService
from application.queries import Queries
from application.routers import RouterService
from application.secrets import SecretBox, new_key
from application.subscriptions import SubscriptionService
from application.tenancy import tenant_of
from application.tenants import TenantService
from application.time_travel import TimeTravel

log = logging.getLogger(__name__)


@dataclass
class Niaga:
    settings: Settings
    database: Database
    stores: PostgresStores
    read_models: PostgresReadModels
    projections: ProjectionService
    tenants: TenantService
    customers: CustomerService
    queries: Queries
    clock: Clock
    billing_read_models: PostgresBillingReadModels
    plans: PlanService
    subscriptions: SubscriptionService
    invoicing: InvoicingService
    payments: PaymentService
    billing_run: BillingRun
    dunning: Dunning
    billing_queries: BillingQueries
    secrets: SecretBox
    router_read_models: PostgresRouterReadModels
    routers: RouterService
    provisioning: ProvisioningService
    time_travel: TimeTravel
    audit_exports: AuditExports
    audit_tools: AuditTools

    @classmethod
    def start(
        cls, settings: Settings, *, inline_projections: bool = True, clock: Clock | None = None
    ) -> Niaga:
        """Connect (starting embedded PostgreSQL if no DATABASE_URL), migrate the platform store,
        and build the services. `inline_projections` makes each command bring its own store's
        read models up to date before it returns; without it a daemon does that."""
        url = settings.database_url or start_embedded_postgres(settings.niaga_data_dir)
        database = Database(url, settings.niaga_db_pool_min, settings.niaga_db_pool_max)
        stores = PostgresStores(database, settings.niaga_platform_schema)
        stores.migrate_platform()
        read_models = PostgresReadModels(stores)
        projections = ProjectionService(
            stores,
            settings.niaga_projection_page_size,
            inline=inline_projections,
            wait_timeout=settings.niaga_read_model_wait_seconds,
        )
        clock = clock or SystemClock()
        secret_box = SecretBox(_secret_key(settings))
        gateway = LibrouterosGateway()
        router_views = PostgresRouterReadModels(stores)
        billing = PostgresBillingReadModels(stores)
        export_source = PostgresExportSource(stores)
        return cls(
            settings=settings,
            database=database,
            stores=stores,
            read_models=read_models,
            projections=projections,
            tenants=TenantService(stores, read_models, projections),
            customers=CustomerService(stores, projections),
            queries=Queries(stores, read_models),
            clock=clock,
            billing_read_models=billing,
            plans=PlanService(stores, projections),
            subscriptions=SubscriptionService(stores, projections, clock, secret_box),
            invoicing=InvoicingService(stores, projections, clock),
            payments=PaymentService(stores, billing, projections, clock),
            billing_run=BillingRun(stores, billing, projections),
            dunning=Dunning(stores, billing, projections),
            billing_queries=BillingQueries(stores, billing),
            secrets=secret_box,
            router_read_models=router_views,
            routers=RouterService(stores, projections, secret_box, gateway),
            provisioning=ProvisioningService(stores, router_views, secret_box, gateway),
            time_travel=TimeTravel(stores),
            audit_exports=AuditExports(stores, export_source),
            audit_tools=AuditTools(stores, projections, export_source),
        )

    def today(self, tenant_id: UUID) -> date:
        """Today in the tenant's own time zone, by the container's clock."""
        return self.clock.today(tenant_of(self.stores, tenant_id).timezone)

    def close(self) -> None:
        self.stores.close()
        self.database.close()


def _secret_key(settings: Settings) -> str:
    """NIAGA_SECRET_KEY, or (for a single machine) one kept in the data directory."""
    if settings.niaga_secret_key:
        return settings.niaga_secret_key
    path = settings.niaga_data_dir / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new_key())
        path.chmod(0o600)
        log.warning("NIAGA_SECRET_KEY is not set; made one in %s (set it in production)", path)
    return path.read_text().strip()
