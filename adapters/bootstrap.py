"""The one place that wires Niaga together: settings -> database -> stores -> services."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar
from uuid import UUID

from adapters.agency.project_wiring import ProjectWiring, project_services
from adapters.agency.quote_wiring import QuoteWiring, quote_services
from adapters.agency.wiring import MediaWiring, media_services
from adapters.ai.cost_read_models import PostgresAiCostReadModels
from adapters.ai.knowledge.dispatcher import KnowledgeDispatcher, embed_effect
from adapters.ai.knowledge.wiring import KnowledgeWiring, knowledge_services
from adapters.ai.wiring import AiWiring, ai_services
from adapters.audit.backup import Backups
from adapters.audit.backup_tools import BackupError as BackupError  # for the CLI
from adapters.audit.exports import PostgresExportSource
from adapters.audit.tools import AuditTools
from adapters.billing.read_models import PostgresBillingReadModels
from adapters.ceo_digest import CeoDigestWiring, ceo_digest_services
from adapters.concierge import ConciergeWiring, concierge_services
from adapters.customers.read_models import PostgresReadModels
from adapters.identity.team_read_models import PostgresTeamReadModels
from adapters.identity.wiring import (
    IdentityAccess,
    IdentityWiring,
    identity_access,
    identity_services,
)
from adapters.integrations.dispatcher import WebhookDispatcher, delivery_effect
from adapters.integrations.read_models import PostgresEventLogReader, PostgresWebhookReadModels
from adapters.integrations.sender import HttpWebhookSender, SocketResolver
from adapters.jobs import Jobs, JobServices, broker_epoch
from adapters.messaging.dispatcher import WhatsAppDispatcher, send_effect
from adapters.messaging.email.dispatcher import EmailDispatcher, email_effect
from adapters.messaging.email.wiring import Email, email_services
from adapters.messaging.whatsapp.wiring import WhatsApp, whatsapp_services
from adapters.payments.gateway_read_models import PostgresGatewayReadModels
from adapters.payments.gateways.recheck import CallbackRechecker
from adapters.payments.gateways.registry import gateway_protocols
from adapters.payments.payment_read_models import PostgresPaymentReadModels
from adapters.platform.console import ConsoleWiring, PostgresSystemHealth, console_services
from adapters.platform.custom_roles import PostgresCustomRoles
from adapters.platform.moves import PostgresMover
from adapters.platform.operator_keys import PostgresOperatorKeys
from adapters.platform.wiring import PlatformBillingWiring, platform_billing_services
from adapters.repairs.counter_read_models import PostgresCounterReadModels
from adapters.repairs.read_models import PostgresRepairReadModels
from adapters.routers.dispatcher import (
    ProvisioningDispatcher,
    provisioning_effect,
    voucher_push_effect,
)
from adapters.routers.read_models import PostgresRouterReadModels
from adapters.routers.routeros.gateway import LibrouterosGateway
from adapters.scheduler import Scheduler
from adapters.shared.api_key_cache import CachedApiKeys
from adapters.shared.database import Database
from adapters.shared.embedded import start_embedded_postgres
from adapters.shared.heartbeats import Heartbeats
from adapters.shared.idempotency import PostgresIdempotencyRecords
from adapters.shared.job_transport import Enqueue, LocalPool
from adapters.shared.preflight import PortInUse as PortInUse
from adapters.shared.preflight import claim_port as claim_port
from adapters.shared.preflight import database_problem as database_problem
from adapters.shared.preflight import health as health
from adapters.shared.projection_service import ProjectionService
from adapters.shared.read_positions import PostgresReadPositions
from adapters.shared.readiness import Readiness
from adapters.shared.schema_sync import SchemaSync
from adapters.shared.settings import ProofStorageKind, Settings
from adapters.shared.storage_local import LocalObjectStorage
from adapters.shared.stores import MAIN_SERVER, PostgresEventStore, PostgresStores, Topology
from adapters.shared.supervision import PartFailed as PartFailed
from adapters.shared.supervision import Supervisor
from adapters.support.wiring import SupportWiring, support_services
from adapters.vouchers.read_models import PostgresVoucherReadModels
from application.agency.estimates import QuoteEstimates
from application.agency.media import MediaLibrary
from application.agency.project_queries import ProjectQueries
from application.agency.projects import Projects
from application.agency.queries import MediaQueries
from application.agency.quotation_queries import QuotationQueries
from application.agency.quotations import Quotations
from application.agency.rate_cards import RateCards
from application.ai.concierge.desk import ConciergeDesk
from application.ai.concierge.queries import ConciergeQueries
from application.ai.costs import AiBudgets, AiCostQueries
from application.ai.digest import CeoDigests
from application.ai.digest_queries import CeoDigestQueries
from application.ai.keys import AiKeys
from application.ai.knowledge.answers import KnowledgeAnswers
from application.ai.knowledge.documents import KnowledgeDocuments
from application.ai.knowledge.queries import KnowledgeQueries
from application.ai.precheck import Prechecks
from application.ai.precheck_rules import PrecheckRuleSettings
from application.ai.queries import AiQueries
from application.ai.service import AiService
from application.ai.settings import AiSwitch
from application.audit.audit_exports import AuditExports
from application.audit.time_travel import TimeTravel
from application.billing.billing_run import BillingRun
from application.billing.dunning import Dunning
from application.billing.invoicing import InvoicingService
from application.billing.plans import PlanService
from application.billing.queries import BillingQueries
from application.billing.subscriptions import SubscriptionService
from application.customers.customer_tags import CustomerTagService
from application.customers.customers import CustomerService
from application.customers.queries import Queries
from application.identity.accounts import Accounts
from application.identity.invitations import Invitations
from application.identity.joining import Joining
from application.identity.passwords import Passwords
from application.identity.rosters import TeamRoleHolders
from application.identity.sessions import SignIns
from application.identity.team_queries import TeamQueries
from application.identity.teams import Teams
from application.integrations.queries import WebhookQueries
from application.integrations.webhook_delivery import WebhookDeliverer
from application.integrations.webhook_targets import TargetPolicy
from application.integrations.webhooks import WebhookService
from application.messaging.campaigns import CampaignRunner, CampaignService, Now
from application.messaging.email import EmailService
from application.messaging.inbound import (
    CommandReplies,
    DeliveryStatuses,
    InboundDispatcher,
    InboundHandler,
)
from application.messaging.message_templates import TemplateService
from application.messaging.messaging import WhatsAppService
from application.messaging.parked_events import ParkedEventNotices
from application.messaging.queries import MessagingQueries
from application.payments.gateway_accounts import GatewayAccounts
from application.payments.gateway_callbacks import GatewayCallbacks
from application.payments.gateway_queries import GatewayQueries
from application.payments.payment_links import PaymentLinks
from application.payments.payment_queries import PaymentQueries
from application.payments.payments import PaymentService
from application.payments.ports import GatewayProtocol
from application.payments.transfer_proofs import TransferProofs
from application.platform.billing import PlatformBilling
from application.platform.billing_webhooks import StripeWebhooks
from application.platform.console import OperatorConsole
from application.platform.custom_roles import CustomRoleService
from application.platform.moves import TenantMoves
from application.platform.operator_keys import OperatorKeys
from application.platform.tenants import TenantService
from application.repairs.counter import CounterService
from application.repairs.counter_queries import CounterQueries
from application.repairs.inventory import InventoryService
from application.repairs.promotions import PromotionService
from application.repairs.queries import RepairQueries
from application.repairs.repairs import RepairService
from application.routers.provisioning import ProvisioningService
from application.routers.queries import RouterQueries
from application.routers.routers import RouterService
from application.shared.clock import Clock, SystemClock
from application.shared.context import Actor
from application.shared.idempotency import IdempotentMutations
from application.shared.object_storage import ObjectStorage
from application.shared.process_manager import Dispatch, SideEffect
from application.shared.read_state import ReadState
from application.shared.secrets import SecretBox, new_key
from application.shared.tenancy import TenantCalendar, tenant_of
from application.shared.unit_of_work import Saver
from application.support.queries import TicketQueries
from application.support.settings import SupportSettingsService
from application.support.tickets import TicketService
from application.vouchers.agents import AgentService
from application.vouchers.queries import VoucherQueries
from application.vouchers.voucher_batches import VoucherBatches
from application.vouchers.voucher_commands import VoucherCommands
from application.vouchers.voucher_provisioning import VoucherProvisioning
from application.vouchers.voucher_sales import VoucherSales
from application.vouchers.vouchers import VoucherService
from domain.payments.gateway import Gateway
from domain.shared.roles import Role
from projections.shared.runner import ParkedEvent

log = logging.getLogger(__name__)
Job = TypeVar("Job")
BROKER_CHECK_EVERY = 5.0  # seconds between looks at whether the broker restarted
BACKLOG_CAP = 1000  # rows counted per store and process manager for /readyz


@dataclass(frozen=True)
class Services:
    """What the interfaces (GraphQL, REST, CLI commands) may use: application services only.
    Stores, pools, settings and read models stay inside the adapters."""

    calendar: TenantCalendar
    tenants: TenantService
    custom_roles: CustomRoleService
    tenant_moves: TenantMoves
    customers: CustomerService
    customer_queries: Queries
    plans: PlanService
    subscriptions: SubscriptionService
    invoicing: InvoicingService
    payments: PaymentService
    billing_run: BillingRun
    dunning: Dunning
    billing_queries: BillingQueries
    routers: RouterService
    provisioning: ProvisioningService
    router_queries: RouterQueries
    repairs: RepairService
    inventory: InventoryService
    counter: CounterService
    repair_queries: RepairQueries
    promotions: PromotionService
    counter_queries: CounterQueries
    webhooks: WebhookService
    webhook_queries: WebhookQueries
    payment_queries: PaymentQueries
    agents: AgentService
    vouchers: VoucherService
    voucher_batches: VoucherBatches
    voucher_queries: VoucherQueries
    voucher_commands: VoucherCommands
    voucher_sales: VoucherSales
    gateway_accounts: GatewayAccounts
    payment_links: PaymentLinks
    gateway_callbacks: GatewayCallbacks
    transfer_proofs: TransferProofs
    gateway_queries: GatewayQueries
    message_templates: TemplateService
    messages: WhatsAppService
    emails: EmailService
    campaigns: CampaignService
    inbound_messages: InboundDispatcher
    delivery_statuses: DeliveryStatuses
    customer_tags: CustomerTagService
    messaging_queries: MessagingQueries
    idempotency: IdempotentMutations
    time_travel: TimeTravel
    audit_exports: AuditExports
    ai: AiService
    ai_keys: AiKeys
    ai_switch: AiSwitch
    ai_queries: AiQueries
    ai_budgets: AiBudgets
    ai_costs: AiCostQueries
    prechecks: Prechecks
    precheck_rules: PrecheckRuleSettings
    read_state: ReadState
    ceo_digests: CeoDigests
    ceo_digest_queries: CeoDigestQueries
    knowledge_documents: KnowledgeDocuments
    knowledge_answers: KnowledgeAnswers
    knowledge_queries: KnowledgeQueries
    concierge_desk: ConciergeDesk
    concierge_queries: ConciergeQueries
    media_library: MediaLibrary
    media_queries: MediaQueries
    rate_cards: RateCards
    quote_estimates: QuoteEstimates
    quotations: Quotations
    quotation_queries: QuotationQueries
    projects: Projects
    project_queries: ProjectQueries
    platform_billing: PlatformBilling
    stripe_webhooks: StripeWebhooks
    operator_console: OperatorConsole
    operator_keys: OperatorKeys
    accounts: Accounts
    sign_ins: SignIns
    passwords: Passwords
    invitations: Invitations
    joining: Joining
    teams: Teams
    team_queries: TeamQueries
    tickets: TicketService
    ticket_queries: TicketQueries
    support_settings: SupportSettingsService


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
    router_queries: RouterQueries
    repair_read_models: PostgresRepairReadModels
    repairs: RepairService
    inventory: InventoryService
    counter: CounterService
    repair_queries: RepairQueries
    promotions: PromotionService
    counter_queries: CounterQueries
    webhook_read_models: PostgresWebhookReadModels
    webhooks: WebhookService
    webhook_queries: WebhookQueries
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
    messaging_queries: MessagingQueries
    time_travel: TimeTravel
    audit_exports: AuditExports
    audit_tools: AuditTools
    idempotency: IdempotentMutations
    ai: AiWiring
    concierge: ConciergeWiring
    support: SupportWiring
    knowledge: KnowledgeWiring
    api_keys: CachedApiKeys
    operator_keys: OperatorKeys
    access: IdentityAccess

    @classmethod
    def start(
        cls, settings: Settings, *, inline_projections: bool = True, clock: Clock | None = None
    ) -> Niaga:
        """Connect (starting embedded PostgreSQL if no DATABASE_URL), migrate the platform store,
        and build the services. `inline_projections` makes each command bring its own store's
        read models up to date before it returns; without it a daemon does that."""
        core = _Core.connect(settings, inline_projections, clock or SystemClock())
        billing = PostgresBillingReadModels(core.stores)
        payments = PaymentService(core.stores, billing, core.projections, core.clock)
        accounts = GatewayAccounts(core.stores, core.projections, core.secrets)
        protocols = gateway_protocols(settings.niaga_gateway_timeout_seconds)
        api_keys = CachedApiKeys(
            core.database,
            settings.niaga_platform_schema,
            settings.niaga_api_key_cache_seconds,
            settings.niaga_api_key_cache_size,
        )
        operator_keys = OperatorKeys(
            PostgresOperatorKeys(core.database, settings.niaga_platform_schema)
        )
        access = identity_access(settings, core.database, _secret_key(settings), core.clock)
        tenants = TenantService(
            core.stores,
            core.read_models,
            core.projections,
            api_keys,
            operator_keys,
            access.person_tokens,
        )
        repairs = RepairService(
            core.stores, core.projections, core.clock, PostgresRepairReadModels(core.stores)
        )
        vouchers = Vouchers.build(
            core.stores,
            core.projections,
            core.clock,
            tenants,
            accounts,
            protocols,
            settings.niaga_public_url,
            core.secrets,
        )
        ai = ai_services(
            settings, core.stores, core.projections, core.secrets, core.clock, core.read_models
        )
        knowledge = knowledge_services(settings, core.stores, core.projections, ai.service)
        support = support_services(core.stores, core.projections, core.clock)
        concierge = concierge_services(
            core.stores,
            core.projections,
            core.clock,
            ai.service,
            settings.niaga_concierge_escalate_minutes,
            knowledge=knowledge.shop,
            defer=vouchers.commands.is_command,
            hand_over=support.escalations.hand_over,
        )
        whatsapp = _whatsapp(core, repairs, vouchers, concierge.inbound, support.keywords)
        return cls(
            **core.fields(),
            tenants=tenants,
            api_keys=api_keys,
            operator_keys=operator_keys,
            access=access,
            vouchers=vouchers,
            whatsapp=whatsapp,
            ai=ai,
            concierge=concierge,
            support=support,
            knowledge=knowledge,
            messaging_queries=MessagingQueries(
                core.stores, whatsapp.read_models, whatsapp.templates
            ),
            **_billing_fields(core, billing, payments),
            **_router_fields(core),
            **_repair_fields(core, repairs),
            **_integration_fields(core),
            **_payment_fields(core, payments, accounts, protocols, vouchers),
            **_audit_fields(core),
        )

    @cached_property
    def services(self) -> Services:
        """The application services, and nothing else, for the interfaces."""
        return Services(
            calendar=TenantCalendar(self.stores, self.clock),
            tenants=self.tenants,
            custom_roles=self.custom_roles,
            customers=self.customers,
            customer_queries=self.queries,
            plans=self.plans,
            subscriptions=self.subscriptions,
            invoicing=self.invoicing,
            payments=self.payments,
            billing_run=self.billing_run,
            dunning=self.dunning,
            billing_queries=self.billing_queries,
            routers=self.routers,
            provisioning=self.provisioning,
            router_queries=self.router_queries,
            repairs=self.repairs,
            inventory=self.inventory,
            counter=self.counter,
            repair_queries=self.repair_queries,
            promotions=self.promotions,
            counter_queries=self.counter_queries,
            webhooks=self.webhooks,
            webhook_queries=self.webhook_queries,
            payment_queries=self.payment_queries,
            agents=self.vouchers.agents,
            vouchers=self.vouchers.service,
            voucher_batches=self.vouchers.batches,
            voucher_queries=self.vouchers.queries,
            voucher_commands=self.vouchers.commands,
            voucher_sales=self.vouchers.sales,
            gateway_accounts=self.gateway_accounts,
            payment_links=self.payment_links,
            gateway_callbacks=self.gateway_callbacks,
            transfer_proofs=self.transfer_proofs,
            gateway_queries=self.gateway_queries,
            message_templates=self.whatsapp.templates,
            messages=self.whatsapp.messages,
            emails=self.email.emails,
            campaigns=self.whatsapp.campaigns,
            inbound_messages=self.whatsapp.inbound,
            delivery_statuses=self.whatsapp.statuses,
            customer_tags=self.whatsapp.tags,
            messaging_queries=self.messaging_queries,
            idempotency=self.idempotency,
            time_travel=self.time_travel,
            audit_exports=self.audit_exports,
            ai=self.ai.service,
            ai_keys=self.ai.keys,
            ai_switch=self.ai.switch,
            ai_queries=self.ai.queries,
            ai_budgets=self.ai.budgets,
            ai_costs=self.ai.costs,
            prechecks=self.ai.prechecks,
            precheck_rules=self.ai.precheck_rules,
            read_state=ReadState(PostgresReadPositions(self.stores), self.clock),
            ceo_digests=self.ceo_digests.service,
            ceo_digest_queries=self.ceo_digests.queries,
            knowledge_documents=self.knowledge.documents,
            knowledge_answers=self.knowledge.answers,
            knowledge_queries=self.knowledge.queries,
            concierge_desk=self.concierge.desk,
            concierge_queries=self.concierge.queries,
            media_library=self.media.library,
            media_queries=self.media.queries,
            rate_cards=self.quotes.rate_cards,
            quote_estimates=self.quotes.estimates,
            quotations=self.quotes.quotations,
            quotation_queries=self.quotes.queries,
            projects=self.projects_wiring.projects,
            project_queries=self.projects_wiring.queries,
            platform_billing=self.platform_billing.billing,
            stripe_webhooks=self.platform_billing.webhooks,
            tenant_moves=self.tenant_moves,
            operator_console=self.operator_console.console,
            operator_keys=self.operator_keys,
            accounts=self.identity.accounts,
            sign_ins=self.identity.sign_ins,
            passwords=self.identity.passwords,
            invitations=self.identity.invitations,
            joining=self.identity.joining,
            teams=self.identity.teams,
            team_queries=self.identity.team_queries,
            tickets=self.support.tickets,
            ticket_queries=self.support.queries,
            support_settings=self.support.settings,
        )

    @cached_property
    def custom_roles(self) -> CustomRoleService:
        """A business's custom roles, and the permission matrix."""
        listed = PostgresCustomRoles(self.database, self.settings.niaga_platform_schema)
        holders = TeamRoleHolders(self.stores)
        return CustomRoleService(self.stores, Saver(self.projections), listed, holders)

    @cached_property
    def tenant_moves(self) -> TenantMoves:
        """Moving a tenant between tiers and servers (`niaga tenants move`)."""
        grace = timedelta(hours=self.settings.niaga_move_grace_hours)
        mover = PostgresMover(self.stores, self.projections, grace)
        return TenantMoves(self.tenants, mover, self.settings.niaga_default_region)

    @cached_property
    def operator_console(self) -> ConsoleWiring:
        """The operator's console (GraphQL): tenants, stores, servers, margins, moves."""
        health = PostgresSystemHealth(
            self.stores, self.projections.status, lambda store: store_backlog(self, store)
        )
        ai_cost = PostgresAiCostReadModels(self.stores).cost
        return console_services(
            self.stores,
            self.tenants,
            self.tenant_moves,
            health,
            ai_cost,
            self.settings,
            self.clock,
        )

    @cached_property
    def email(self) -> Email:
        """E-mail over SMTP (off while NIAGA_SMTP_HOST is unset, and said so once here)."""
        return email_services(
            self.settings,
            self.stores,
            self.projections,
            self.secrets,
            self.whatsapp.read_models,
            self.whatsapp.templates,
        )

    @cached_property
    def identity(self) -> IdentityWiring:
        """People's accounts, sign-in and sessions; their links go by e-mail."""
        return identity_services(
            self.settings,
            self.stores,
            self.projections,
            self.clock,
            _secret_key(self.settings),
            self.access,
            self.tenants,
            self.email.emails,
            self.whatsapp.messages,
            self.custom_roles,
        )

    @cached_property
    def ceo_digests(self) -> CeoDigestWiring:
        """The owner's morning digest: compiled by the scheduler, read in GraphQL."""
        return ceo_digest_services(
            self.stores, self.projections, self.ai.service, self.clock, self.secrets
        )

    @cached_property
    def platform_billing(self) -> PlatformBillingWiring:
        """The platform's own billing of its tenants: Stripe, its webhooks, metering."""
        return platform_billing_services(
            self.settings, self.stores, self.projections, self.clock, self.tenants
        )

    @cached_property
    def media(self) -> MediaWiring:
        """The agency's media library: folders and files in object storage."""
        return media_services(self.settings, self.stores, self.projections)

    @cached_property
    def quotes(self) -> QuoteWiring:
        """The agency's quote calculator: rate card, estimates, quotations."""
        return quote_services(self.stores, self.projections, self.ai.service, self.clock)

    @cached_property
    def projects_wiring(self) -> ProjectWiring:
        """The agency's client projects; their members are people of the tenant's team."""
        team = PostgresTeamReadModels(self.stores)
        return project_services(
            self.stores,
            self.projections,
            self.clock,
            lambda tenant_id: frozenset(team.member_ids(tenant_id)),
        )

    @cached_property
    def heartbeats(self) -> Heartbeats:
        """The long-running parts' heartbeats, in memory and in the platform schema."""
        return Heartbeats(self.database, self.settings.niaga_platform_schema)

    def today(self, tenant_id: UUID) -> date:
        """Today in the tenant's own time zone, by the container's clock."""
        return self.clock.today(tenant_of(self.stores, tenant_id).timezone)

    def close(self) -> None:
        if "operator_console" in self.__dict__:  # moves under way finish first
            self.operator_console.close()
        self.ai.close()
        self.api_keys.close()
        self.access.close()
        self.webhook_sender.close()
        self.stores.close()
        self.database.close()


@dataclass(frozen=True)
class _Core:
    """What every area is built on: settings, the database, the stores and their read models."""

    settings: Settings
    database: Database
    stores: PostgresStores
    read_models: PostgresReadModels
    projections: ProjectionService
    clock: Clock
    secrets: SecretBox

    @classmethod
    def connect(cls, settings: Settings, inline_projections: bool, clock: Clock) -> _Core:
        url = settings.database_url or start_embedded_postgres(settings.niaga_data_dir)
        database = Database(url, settings.niaga_db_pool_min, settings.niaga_db_pool_max)
        stores = PostgresStores(
            database,
            settings.niaga_platform_schema,
            settings.niaga_server_pool_max,
            topology(settings),
        )
        stores.migrate_platform()
        projections = ProjectionService(
            stores,
            settings.niaga_projection_page_size,
            inline=inline_projections,
            wait_timeout=settings.niaga_read_model_wait_seconds,
        )
        projections.on_parked = _staff_notice_of_parked(ParkedEventNotices(stores))
        secrets = SecretBox(_secret_key(settings))
        return cls(
            settings, database, stores, PostgresReadModels(stores), projections, clock, secrets
        )

    def fields(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "database": self.database,
            "stores": self.stores,
            "read_models": self.read_models,
            "projections": self.projections,
            "clock": self.clock,
            "secrets": self.secrets,
            "customers": CustomerService(self.stores, self.projections),
            "queries": Queries(self.stores, self.read_models),
            "idempotency": IdempotentMutations(
                PostgresIdempotencyRecords(self.database, self.settings.niaga_platform_schema)
            ),
        }


def _whatsapp(
    core: _Core,
    repairs: RepairService,
    vouchers: Vouchers,
    concierge: InboundHandler,
    tickets: InboundHandler,
) -> WhatsApp:
    whatsapp = whatsapp_services(core.settings, core.stores, core.projections, core.secrets)
    # After opt-out: answers to repair quotes, tickets asked for (KELUHAN, TIKET), the repair
    # shop's concierge (its customers' other messages, voucher commands excepted), then voucher
    # commands (which answer the rest with help, for tenants that sell vouchers).
    stores, sync, secrets = core.stores, core.projections, core.secrets
    quotes = repairs.answer_quote_from_message
    whatsapp.inbound.register(CommandReplies("repair_quotes", quotes, stores, sync, secrets))
    whatsapp.inbound.register(tickets)
    whatsapp.inbound.register(concierge)
    voucher_commands = vouchers.commands.reply_if_selling
    whatsapp.inbound.register(
        CommandReplies("voucher_commands", voucher_commands, stores, sync, secrets)
    )
    return whatsapp


def _billing_fields(
    core: _Core, billing: PostgresBillingReadModels, payments: PaymentService
) -> dict[str, Any]:
    stores, sync, clock = core.stores, core.projections, core.clock
    return {
        "billing_read_models": billing,
        "plans": PlanService(stores, sync),
        "subscriptions": SubscriptionService(stores, sync, clock, core.secrets),
        "invoicing": InvoicingService(stores, sync, clock),
        "payments": payments,
        "billing_run": BillingRun(stores, billing, sync),
        "dunning": Dunning(stores, billing, sync),
        "billing_queries": BillingQueries(stores, billing, core.read_models),
        "payment_queries": PaymentQueries(stores, PostgresPaymentReadModels(stores)),
    }


def _router_fields(core: _Core) -> dict[str, Any]:
    views = PostgresRouterReadModels(core.stores)
    gateway = LibrouterosGateway()
    return {
        "router_read_models": views,
        "routers": RouterService(core.stores, core.projections, core.secrets, gateway),
        "provisioning": ProvisioningService(core.stores, views, core.secrets, gateway),
        "router_queries": RouterQueries(core.stores, views),
    }


def _repair_fields(core: _Core, repairs: RepairService) -> dict[str, Any]:
    views = PostgresRepairReadModels(core.stores)
    counter_views = PostgresCounterReadModels(core.stores)
    return {
        "repair_read_models": views,
        "repairs": repairs,
        "inventory": InventoryService(core.stores, core.projections),
        "counter": CounterService(core.stores, core.projections, core.clock, counter_views),
        "repair_queries": RepairQueries(core.stores, views),
        "promotions": PromotionService(core.stores, core.projections, core.clock),
        "counter_queries": CounterQueries(core.stores, counter_views, core.clock),
    }


def _integration_fields(core: _Core) -> dict[str, Any]:
    stores, settings = core.stores, core.settings
    views = PostgresWebhookReadModels(stores)
    sender = HttpWebhookSender(
        settings.niaga_webhook_timeout_seconds, settings.niaga_webhook_concurrency
    )
    targets = webhook_targets(settings)
    return {
        "webhook_read_models": views,
        "webhooks": WebhookService(
            stores,
            core.projections,
            PostgresEventLogReader(stores),
            core.secrets,
            targets,
            core.clock,
        ),
        "webhook_queries": WebhookQueries(stores, views),
        "webhook_sender": sender,
        "webhook_deliverer": WebhookDeliverer(
            stores, views, sender, core.secrets, core.clock, targets
        ),
    }


def _payment_fields(
    core: _Core,
    payments: PaymentService,
    accounts: GatewayAccounts,
    protocols: dict[Gateway, GatewayProtocol],
    vouchers: Vouchers,
) -> dict[str, Any]:
    stores, sync, settings = core.stores, core.projections, core.settings
    views = PostgresGatewayReadModels(stores)
    return {
        "gateway_read_models": views,
        "gateway_accounts": accounts,
        "payment_links": PaymentLinks(
            stores, sync, core.clock, accounts, protocols, views, settings.niaga_public_url
        ),
        "gateway_callbacks": GatewayCallbacks(
            stores, sync, accounts, protocols, payments, vouchers.sales
        ),
        "transfer_proofs": TransferProofs(
            stores, payments, _proof_storage(settings), settings.niaga_proof_max_bytes
        ),
        "gateway_queries": GatewayQueries(stores, views, core.clock),
    }


def _audit_fields(core: _Core) -> dict[str, Any]:
    source = PostgresExportSource(core.stores)
    return {
        "time_travel": TimeTravel(core.stores),
        "audit_exports": AuditExports(core.stores, source),
        "audit_tools": AuditTools(core.stores, core.projections, source),
    }


def _staff_notice_of_parked(
    notices: ParkedEventNotices,
) -> Callable[[PostgresEventStore, ParkedEvent], None]:
    """A parked event becomes a notice to its tenant's staff; failing to record the notice is
    logged and never stops the projections."""

    def notify(store: PostgresEventStore, parked: ParkedEvent) -> None:
        if parked.tenant_id is None:
            return
        try:
            notices.parked(
                UUID(parked.tenant_id),
                store.ref.name,
                parked.projection,
                parked.position,
                parked.error,
            )
        except Exception:
            log.exception("could not record the staff notice of a parked event")

    return notify


def webhook_targets(settings: Settings) -> TargetPolicy:
    """Where webhooks may go: https only in production, private ranges only if allowed."""
    return TargetPolicy(
        SocketResolver(),
        allow_private=settings.niaga_webhooks_allow_private,
        require_https=settings.production,
    )


# The daemons: process managers, the scheduler and the jobs, each handed what it uses. A
# `submit` sends jobs to dramatiq workers; without one they run in a pool in this process.


def provisioning_dispatcher(
    niaga: Niaga, submit: Callable[[UUID, UUID], None] | None = None
) -> ProvisioningDispatcher:
    vouchers = VoucherProvisioning(niaga.provisioning)
    return ProvisioningDispatcher(
        niaga.stores,
        niaga.router_read_models,
        vouchers,
        _transport(provisioning_effect(niaga.provisioning), submit),
        None if submit else LocalPool(voucher_push_effect(vouchers)),
        page_size=niaga.settings.niaga_projection_page_size,
    )


def webhook_dispatcher(
    niaga: Niaga, submit: Callable[[UUID, list[UUID]], None] | None = None
) -> WebhookDispatcher:
    return WebhookDispatcher(
        niaga.stores,
        niaga.webhook_read_models,
        niaga.clock,
        _transport(delivery_effect(niaga.webhook_deliverer), submit),
        page_size=niaga.settings.niaga_projection_page_size,
        locked=niaga.read_models.locked_tenants,
    )


def whatsapp_dispatcher(
    niaga: Niaga, submit: Callable[[UUID, UUID], None] | None = None, now: Now | None = None
) -> WhatsAppDispatcher:
    runner = CampaignRunner(
        niaga.stores,
        niaga.whatsapp.read_models,
        niaga.projections,
        now or (lambda: datetime.now(UTC)),
    )
    send = _transport(send_effect(niaga.whatsapp.messages), submit)
    return WhatsAppDispatcher(niaga.stores, niaga.whatsapp.read_models, runner, send)


def email_dispatcher(
    niaga: Niaga, submit: Callable[[UUID, UUID], None] | None = None
) -> EmailDispatcher | None:
    """None while e-mail is off: its rows wait in `email_log` until a host is configured."""
    if not niaga.email.emails.enabled:
        return None
    send = _transport(email_effect(niaga.email.emails), submit)
    return EmailDispatcher(niaga.stores, niaga.email.read_models, send)


def knowledge_dispatcher(
    niaga: Niaga, submit: Callable[[UUID, UUID], None] | None = None
) -> KnowledgeDispatcher:
    """Embeds the knowledge base's documents, a batch of chunks per job."""
    return KnowledgeDispatcher(
        niaga.stores,
        niaga.knowledge.read_models,
        niaga.knowledge.embedder.model,
        _transport(embed_effect(niaga.knowledge.documents), submit),
    )


def callback_rechecker(niaga: Niaga) -> CallbackRechecker:
    return CallbackRechecker(
        niaga.stores,
        niaga.gateway_read_models,
        niaga.gateway_callbacks,
        niaga.settings.niaga_recheck_interval_seconds,
    )


def daily_scheduler(niaga: Niaga) -> Scheduler:
    return Scheduler(
        tenants=niaga.read_models,
        stores=niaga.stores,
        router_views=niaga.router_read_models,
        calendar=TenantCalendar(niaga.stores, niaga.clock),
        billing_run=niaga.billing_run,
        dunning=niaga.dunning,
        repairs=niaga.repairs,
        provisioning=niaga.provisioning,
        vouchers=niaga.vouchers.service,
        backups=backups(niaga.settings, niaga.database.url),
        digests=niaga.ceo_digests.service,
        moves=niaga.tenant_moves,
    )


def schema_sync(settings: Settings) -> SchemaSync:
    """`niaga migrate`. Only the database is opened, not the services: they may read tables
    that the pending migrations are yet to create."""
    servers = topology(settings)
    url = settings.database_url or start_embedded_postgres(settings.niaga_data_dir)
    database = Database(url, settings.niaga_db_pool_min, settings.niaga_db_pool_max)
    stores = PostgresStores(
        database, settings.niaga_platform_schema, settings.niaga_server_pool_max, servers
    )
    return SchemaSync(stores, settings.niaga_migrate_parallel)


def backups(settings: Settings, database_url: str | None = None) -> Backups:
    """`niaga backup` / `niaga restore` and the scheduler's daily backup. A restore runs before
    anything is started on the (empty) database, so this needs only its URL."""
    url = database_url or settings.database_url or start_embedded_postgres(settings.niaga_data_dir)
    return Backups.from_settings(settings, url)


class SideEffects:
    """The process managers a projection daemon runs after each catch-up. One that fails does
    not keep the others from their turn; the cycle then fails as a whole, so the daemon pauses
    and retries. With a broker, a broker that restarted (and lost the jobs it held) makes them
    submit every due job again."""

    def __init__(self, niaga: Niaga, jobs: Jobs | None = None) -> None:
        self._provisioning = provisioning_dispatcher(niaga, _provision_sender(jobs))
        self._webhooks = webhook_dispatcher(niaga, _delivery_sender(jobs))
        self._messages = whatsapp_dispatcher(niaga, _message_sender(jobs))
        self._emails = email_dispatcher(niaga, _email_sender(jobs))
        self._knowledge = knowledge_dispatcher(niaga, _embed_sender(jobs))
        self._concierge = niaga.concierge.sweep  # chats left waiting for a technician
        self._media = niaga.media.dispatcher(niaga.stores)  # deleted files' objects
        # Usage reported to Stripe (when it is configured); its jobs run in this process.
        self._metering = niaga.platform_billing.dispatcher(niaga.stores, niaga.clock)
        # Without workers the gateway re-checks run here too (with them, a job does that).
        self._rechecker = None if jobs else callback_rechecker(niaga)
        self._broker = jobs.broker if jobs else None
        self._epoch: str | None = None
        self._epoch_read_at = float("-inf")

    def run_once(self) -> None:
        self._watch_broker()
        steps: list[Callable[[], object]] = [
            self._provisioning.dispatch,
            self._webhooks.run_once,
            self._messages.dispatch,
            self._knowledge.dispatch,
            self._concierge.sweep_when_due,
            self._media.dispatch,
        ]
        if self._rechecker is not None:
            steps.append(self._rechecker.sweep_when_due)
        if self._emails is not None:
            steps.append(self._emails.dispatch)
        if self._metering is not None:
            steps.append(self._metering.dispatch)
        failures = []
        for step in steps:
            try:
                step()
            except Exception as error:
                log.warning("process manager %s failed: %s", step.__qualname__, error)
                failures.append(error)
        if failures:
            raise failures[0]

    def close(self) -> None:
        """Let jobs under way in this process finish."""
        for dispatcher in (self._provisioning, self._webhooks, self._messages):
            dispatcher.close()
        self._knowledge.close()
        self._media.close()
        if self._emails is not None:
            self._emails.close()
        if self._metering is not None:
            self._metering.close()

    def _watch_broker(self) -> None:
        if self._broker is None or time.monotonic() - self._epoch_read_at < BROKER_CHECK_EVERY:
            return
        epoch = broker_epoch(self._broker)
        self._epoch_read_at = time.monotonic()
        if self._epoch is not None and epoch != self._epoch:
            log.warning("the broker restarted; submitting every due job again")
            for dispatcher in (self._provisioning, self._webhooks, self._messages):
                dispatcher.forget_submissions()
            self._knowledge.forget_submissions()
            if self._emails is not None:
                self._emails.forget_submissions()
        self._epoch = epoch


class InProcessDaemons:
    """The projection daemon (with the process managers) and the scheduler on supervised
    threads of this process (the embedded default): restarted when they die, with the
    process's own `api` heartbeat beside theirs."""

    def __init__(self, niaga: Niaga, *, projections: bool, scheduler: bool) -> None:
        self._stop = threading.Event()
        self._supervisor = Supervisor(niaga.heartbeats, self._stop, beat_as="api")
        self._side_effects: SideEffects | None = None
        beats = niaga.heartbeats
        if projections:
            side_effects = self._side_effects = SideEffects(niaga)
            self._supervisor.start(
                "projections",
                lambda stop: niaga.projections.run_forever(
                    stop,
                    after_catch_up=side_effects.run_once,
                    beat=lambda: beats.beat("projections"),
                ),
            )
        if scheduler:
            cycle = daily_scheduler(niaga)
            interval = niaga.settings.niaga_scheduler_interval_seconds
            self._supervisor.start(
                "scheduler",
                lambda stop: cycle.run(stop, interval, beat=lambda: beats.beat("scheduler")),
            )
        self._supervisor.watch()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the threads, then let jobs under way finish (before the pools close)."""
        self._stop.set()
        self._supervisor.join(timeout)
        if self._side_effects is not None:
            self._side_effects.close()


def dispatcher_backlog(niaga: Niaga) -> dict[str, int]:
    """Rows waiting for their side effect, per process manager (each counted up to a cap)."""
    backlog = {"provisioning": 0, "webhooks": 0, "whatsapp": 0}
    for store in niaga.stores.open_stores():
        for manager, rows in store_backlog(niaga, store).items():
            backlog[manager] = backlog.get(manager, 0) + rows
    return backlog


def store_backlog(niaga: Niaga, store: PostgresEventStore) -> dict[str, int]:
    """One store's rows waiting for their side effect, per process manager (each capped)."""
    now = datetime.now(UTC)
    return {
        "provisioning": len(niaga.router_read_models.unsynced(store, BACKLOG_CAP)),
        "webhooks": len(niaga.webhook_read_models.due(store, now, BACKLOG_CAP)),
        "whatsapp": len(niaga.whatsapp.read_models.pending(store, BACKLOG_CAP)),
        # E-mail off: its rows wait for a host, nobody is behind.
        "email": (
            len(niaga.email.read_models.pending(store, BACKLOG_CAP))
            if niaga.email.emails.enabled
            else 0
        ),
        "knowledge": len(
            niaga.knowledge.read_models.pending(store, niaga.knowledge.embedder.model, BACKLOG_CAP)
        ),
        "media_removal": len(niaga.media.read_models.pending_removals(store, BACKLOG_CAP)),
    }


def readiness(niaga: Niaga) -> Readiness:
    return Readiness(niaga.heartbeats, niaga.projections, lambda: dispatcher_backlog(niaga))


# With no jobs (no broker), a process manager's jobs run in a pool of this process.


def _provision_sender(jobs: Jobs | None) -> Callable[[UUID, UUID], None] | None:
    if jobs is None:
        return None
    return lambda tenant, subscription: jobs.provision.send(str(tenant), str(subscription))


def _delivery_sender(jobs: Jobs | None) -> Callable[[UUID, list[UUID]], None] | None:
    if jobs is None:
        return None
    return lambda tenant, ids: jobs.deliver_webhooks.send(str(tenant), [str(i) for i in ids])


def _embed_sender(jobs: Jobs | None) -> Callable[[UUID, UUID], None] | None:
    if jobs is None:
        return None
    return lambda tenant, document: jobs.embed_knowledge.send(str(tenant), str(document))


def _email_sender(jobs: Jobs | None) -> Callable[[UUID, UUID], None] | None:
    if jobs is None:
        return None
    return lambda tenant, email: jobs.send_email.send(str(tenant), str(email))


def _message_sender(jobs: Jobs | None) -> Callable[[UUID, UUID], None] | None:
    if jobs is None:
        return None
    return lambda tenant, message: jobs.send_whatsapp.send(str(tenant), str(message))


def job_services(niaga: Niaga) -> JobServices:
    """What the dramatiq actors call (see adapters/jobs.py: `declare_jobs`)."""
    return JobServices(
        stores=niaga.stores,
        projections=niaga.projections,
        scheduler=daily_scheduler(niaga),
        provisioning=niaga.provisioning,
        webhooks=niaga.webhook_deliverer,
        rechecker=callback_rechecker(niaga),
        messages=niaga.whatsapp.messages,
        knowledge=niaga.knowledge.documents,
        emails=niaga.email.emails,
    )


def _transport(
    effect: SideEffect[Job], submit: Callable[[UUID, Job], None] | None
) -> Dispatch[Job]:
    return LocalPool(effect) if submit is None else Enqueue(submit)


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
        batches = VoucherBatches(stores, sync, clock, agents, views)
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
            VoucherCommands(
                service, batches, queries, agents, sales, TenantCalendar(stores, clock)
            ),
            sales,
        )


def _proof_storage(settings: Settings) -> ObjectStorage:
    if settings.niaga_proof_storage is ProofStorageKind.S3:
        from adapters.shared.storage_s3 import S3ObjectStorage

        return S3ObjectStorage.from_settings(settings)
    return LocalObjectStorage(settings.niaga_proof_dir or settings.niaga_data_dir / "proofs")


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


def topology(settings: Settings) -> Topology:
    """The servers and regions of the settings, refused at start when a region names a server
    the settings do not."""
    known = {MAIN_SERVER, *settings.niaga_servers}
    for region, servers in settings.niaga_regions.items():
        unknown = [s for s in servers if s not in known]
        if not servers or unknown:
            raise ValueError(f"region {region!r} names no server or unknown ones: {unknown}")
    if settings.niaga_default_region not in settings.niaga_regions:
        raise ValueError(f"the default region {settings.niaga_default_region!r} is not a region")
    regions = {name: tuple(servers) for name, servers in settings.niaga_regions.items()}
    return Topology(dict(settings.niaga_servers), regions, settings.niaga_default_region)
