"""The one place that wires Niaga together: settings -> database -> stores -> services."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from adapters.audit.exports import PostgresExportSource
from adapters.audit.tools import AuditTools
from adapters.embedded import start_embedded_postgres
from adapters.gateways.registry import gateway_protocols
from adapters.postgres.billing_read_models import PostgresBillingReadModels
from adapters.postgres.database import Database
from adapters.postgres.gateway_read_models import PostgresGatewayReadModels
from adapters.postgres.payment_read_models import PostgresPaymentReadModels
from adapters.postgres.read_models import PostgresReadModels
from adapters.postgres.repair_read_models import PostgresRepairReadModels
from adapters.postgres.router_read_models import PostgresRouterReadModels
from adapters.postgres.stores import PostgresStores
from adapters.postgres.voucher_read_models import PostgresVoucherReadModels
from adapters.postgres.webhook_read_models import PostgresEventLogReader, PostgresWebhookReadModels
from adapters.projection_service import ProjectionService
from adapters.routeros.gateway import LibrouterosGateway
from adapters.settings import ProofStorageKind, Settings
from adapters.storage.local import LocalProofStorage
from adapters.webhooks.sender import HttpWebhookSender, SocketResolver
from adapters.whatsapp.wiring import WhatsApp, whatsapp_services
from application.agents import AgentService
from application.audit_exports import AuditExports
from application.billing_queries import BillingQueries
from application.billing_run import BillingRun
from application.clock import Clock, SystemClock
from application.context import Actor
from application.counter import CounterService
from application.customers import CustomerService
from application.dunning import Dunning
from application.gateway_accounts import GatewayAccounts
from application.gateway_callbacks import GatewayCallbacks
from application.gateway_ports import GatewayProtocol
from application.gateway_queries import GatewayQueries
from application.inbound import CommandReplies
from application.inventory import InventoryService
from application.invoicing import InvoicingService
from application.payment_links import PaymentLinks
from application.payment_queries import PaymentQueries
from application.payments import PaymentService
from application.plans import PlanService
from application.provisioning import ProvisioningService
from application.queries import Queries
from application.repairs import RepairService
from application.routers import RouterService
from application.secrets import SecretBox, new_key
from application.subscriptions import SubscriptionService
from application.tenancy import tenant_of
from application.tenants import TenantService
from application.time_travel import TimeTravel
from application.transfer_proofs import ProofStorage, TransferProofs
from application.voucher_batches import VoucherBatches
from application.voucher_commands import VoucherCommands
from application.voucher_queries import VoucherQueries
from application.voucher_sales import VoucherSales
from application.vouchers import VoucherService
from application.webhook_delivery import WebhookDeliverer
from application.webhook_targets import TargetPolicy
from application.webhooks import WebhookService
from domain.gateway import Gateway
from domain.roles import Role

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
    repair_read_models: PostgresRepairReadModels
    repairs: RepairService
    inventory: InventoryService
    counter: CounterService
    webhook_read_models: PostgresWebhookReadModels
    webhooks: WebhookService
    webhook_sender: HttpWebhookSender
    webhook_deliverer: WebhookDeliverer
    payment_queries: PaymentQueries
    vouchers: Vouchers
    gateway_read_models: PostgresGatewayReadModels
    gateway_accounts: GatewayAccounts
    payment_links: PaymentLinks
    gateway_callbacks: GatewayCallbacks
    transfer_proofs: TransferProofs
    gateway_queries: GatewayQueries
    whatsapp: WhatsApp
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
        repair_views = PostgresRepairReadModels(stores)
        webhook_views = PostgresWebhookReadModels(stores)
        webhook_sender = HttpWebhookSender(
            settings.niaga_webhook_timeout_seconds, settings.niaga_webhook_concurrency
        )
        payments = PaymentService(stores, billing, projections, clock)
        gateway_views = PostgresGatewayReadModels(stores)
        accounts = GatewayAccounts(stores, projections, secret_box)
        protocols = gateway_protocols(settings.niaga_gateway_timeout_seconds)
        export_source = PostgresExportSource(stores)
        tenants = TenantService(stores, read_models, projections)
        repairs = RepairService(stores, projections, clock, repair_views)
        vouchers = Vouchers.build(
            stores,
            projections,
            clock,
            tenants,
            accounts,
            protocols,
            settings.niaga_public_url,
            secret_box,
        )
        whatsapp = whatsapp_services(settings, stores, projections, secret_box)
        # After opt-out: answers to repair quotes, then voucher commands (which answer the rest
        # with help, for tenants that sell vouchers).
        for name, interpret in (
            ("repair_quotes", repairs.answer_quote_from_message),
            ("voucher_commands", vouchers.commands.reply_if_selling),
        ):
            whatsapp.inbound.register(
                CommandReplies(name, interpret, stores, projections, secret_box)
            )
        return cls(
            settings=settings,
            database=database,
            stores=stores,
            read_models=read_models,
            projections=projections,
            tenants=tenants,
            customers=CustomerService(stores, projections),
            queries=Queries(stores, read_models),
            clock=clock,
            billing_read_models=billing,
            plans=PlanService(stores, projections),
            subscriptions=SubscriptionService(stores, projections, clock, secret_box),
            invoicing=InvoicingService(stores, projections, clock),
            payments=payments,
            billing_run=BillingRun(stores, billing, projections),
            dunning=Dunning(stores, billing, projections),
            billing_queries=BillingQueries(stores, billing),
            secrets=secret_box,
            router_read_models=router_views,
            routers=RouterService(stores, projections, secret_box, gateway),
            provisioning=ProvisioningService(stores, router_views, secret_box, gateway),
            repair_read_models=repair_views,
            repairs=repairs,
            inventory=InventoryService(stores, projections),
            counter=CounterService(stores, projections, clock),
            webhook_read_models=webhook_views,
            webhooks=WebhookService(
                stores,
                projections,
                webhook_views,
                PostgresEventLogReader(stores),
                secret_box,
                webhook_targets(settings),
                clock,
            ),
            webhook_sender=webhook_sender,
            webhook_deliverer=WebhookDeliverer(
                stores, webhook_views, webhook_sender, secret_box, clock, webhook_targets(settings)
            ),
            payment_queries=PaymentQueries(stores, PostgresPaymentReadModels(stores)),
            vouchers=vouchers,
            gateway_read_models=gateway_views,
            gateway_accounts=accounts,
            payment_links=PaymentLinks(
                stores,
                projections,
                clock,
                accounts,
                protocols,
                gateway_views,
                settings.niaga_public_url,
            ),
            gateway_callbacks=GatewayCallbacks(
                stores, projections, accounts, protocols, payments, vouchers.sales
            ),
            transfer_proofs=TransferProofs(
                stores, payments, _proof_storage(settings), settings.niaga_proof_max_bytes
            ),
            gateway_queries=GatewayQueries(stores, gateway_views, clock),
            whatsapp=whatsapp,
            time_travel=TimeTravel(stores),
            audit_exports=AuditExports(stores, export_source),
            audit_tools=AuditTools(stores, projections, export_source),
        )

    def today(self, tenant_id: UUID) -> date:
        """Today in the tenant's own time zone, by the container's clock."""
        return self.clock.today(tenant_of(self.stores, tenant_id).timezone)

    def close(self) -> None:
        self.webhook_sender.close()
        self.stores.close()
        self.database.close()


def webhook_targets(settings: Settings) -> TargetPolicy:
    """Where webhooks may go: https only in production, private ranges only if allowed."""
    return TargetPolicy(
        SocketResolver(),
        allow_private=settings.niaga_webhooks_allow_private,
        require_https=settings.production,
    )


@dataclass
class Vouchers:
    """Hotspot vouchers and the agents who resell them."""

    read_models: PostgresVoucherReadModels
    agents: AgentService
    service: VoucherService
    batches: VoucherBatches
    queries: VoucherQueries
    commands: VoucherCommands
    sales: VoucherSales

    @classmethod
    def build(
        cls,
        stores: PostgresStores,
        sync: ProjectionService,
        clock: Clock,
        tenants: TenantService,
        accounts: GatewayAccounts,
        protocols: dict[Gateway, GatewayProtocol],
        public_url: str,
        secrets: SecretBox,
    ) -> Vouchers:
        views = PostgresVoucherReadModels(stores)

        def issue_key(tenant_id: UUID, label: str, actor: Actor) -> tuple[str, str]:
            issued = tenants.issue_api_key(tenant_id, Role.AGENT, label, actor)
            return issued.key_id, issued.token

        agents = AgentService(stores, sync, views, issue_key)
        service = VoucherService(stores, sync, clock, agents, views)
        batches = VoucherBatches(stores, sync, clock, agents)
        queries = VoucherQueries(stores, views, agents)
        sales = VoucherSales(
            stores, sync, clock, agents, batches, views, accounts, protocols, public_url, secrets
        )
        return cls(
            views,
            agents,
            service,
            batches,
            queries,
            VoucherCommands(service, batches, queries, agents, sales),
            sales,
        )


def _proof_storage(settings: Settings) -> ProofStorage:
    if settings.niaga_proof_storage is ProofStorageKind.S3:
        from adapters.storage.s3 import S3ProofStorage

        return S3ProofStorage.from_settings(settings)
    return LocalProofStorage(settings.niaga_proof_dir or settings.niaga_data_dir / "proofs")


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
