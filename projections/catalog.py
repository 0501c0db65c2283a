"""Every projection Niaga maintains, by name."""

from projections.agency.media_library import MediaLibraryProjection
from projections.agency.project_list import ProjectListProjection
from projections.agency.quotation_list import QuotationListProjection
from projections.ai.concierge import ConciergeProjection
from projections.ai.costs import AiBudgetsProjection, AiCostsProjection
from projections.ai.digests import CeoDigestsProjection
from projections.ai.keys import AiKeyListProjection
from projections.ai.knowledge import KnowledgeBaseProjection
from projections.audit.audit_log import AuditLogProjection
from projections.billing.invoices import InvoicesProjection
from projections.billing.notifications import NotificationOutboxProjection
from projections.billing.plans import PlanListProjection
from projections.billing.subscriptions import SubscriptionListProjection
from projections.customers.customer_list import CustomerListProjection
from projections.customers.customer_tags import CustomerTagsProjection
from projections.identity.people import PeopleProjection, PersonSessionsProjection
from projections.identity.teams import TeamInvitationsProjection
from projections.integrations.webhooks import (
    WebhookDeliveriesProjection,
    WebhookEndpointsProjection,
)
from projections.messaging.email_log import EmailLogProjection
from projections.messaging.message_log import MessageLogProjection
from projections.messaging.whatsapp import CampaignListProjection, WhatsAppChannelProjection
from projections.payments.gateways import (
    GatewayAccountListProjection,
    PaymentCallbackLogProjection,
    PaymentLinkListProjection,
)
from projections.payments.payments import PaymentsProjection
from projections.platform.platform_billing import (
    PlatformMeterReportsProjection,
    PlatformSubscriptionsProjection,
)
from projections.platform.tenants import TenantsProjection
from projections.repairs.counter import DailySalesProjection, PromotionsProjection
from projections.repairs.inventory import InventoryProjection, PurchaseOrdersProjection
from projections.repairs.repairs import RepairBoardProjection, TechniciansProjection
from projections.routers.provisioning import (
    HotspotUsersWantedProjection,
    ProvisioningStatusProjection,
    RouterListProjection,
)
from projections.shared.base import Projection
from projections.support.tickets import SupportTicketsProjection
from projections.vouchers.agents import AgentLedgerProjection, AgentListProjection
from projections.vouchers.vouchers import VoucherProfilesProjection, VoucherStockProjection


def all_projections() -> list[Projection]:
    return [
        TenantsProjection(),
        PeopleProjection(),
        PersonSessionsProjection(),
        TeamInvitationsProjection(),
        CustomerListProjection(),
        AuditLogProjection(),
        PlanListProjection(),
        SubscriptionListProjection(),
        InvoicesProjection(),
        PaymentsProjection(),
        NotificationOutboxProjection(),
        RouterListProjection(),
        ProvisioningStatusProjection(),
        RepairBoardProjection(),
        TechniciansProjection(),
        InventoryProjection(),
        PurchaseOrdersProjection(),
        PromotionsProjection(),
        DailySalesProjection(),
        WebhookEndpointsProjection(),
        WebhookDeliveriesProjection(),
        VoucherProfilesProjection(),
        VoucherStockProjection(),
        AgentListProjection(),
        AgentLedgerProjection(),
        HotspotUsersWantedProjection(),
        PaymentLinkListProjection(),
        PaymentCallbackLogProjection(),
        GatewayAccountListProjection(),
        MessageLogProjection(),
        EmailLogProjection(),
        WhatsAppChannelProjection(),
        CampaignListProjection(),
        CustomerTagsProjection(),
        AiKeyListProjection(),
        KnowledgeBaseProjection(),
        AiCostsProjection(),
        AiBudgetsProjection(),
        CeoDigestsProjection(),
        ConciergeProjection(),
        MediaLibraryProjection(),
        QuotationListProjection(),
        ProjectListProjection(),
        SupportTicketsProjection(),
        PlatformSubscriptionsProjection(),
        PlatformMeterReportsProjection(),
    ]


def by_name(name: str) -> Projection:
    for projection in all_projections():
        if projection.name == name:
            return projection
    known = ", ".join(p.name for p in all_projections())
    raise KeyError(f"unknown projection {name!r}; known: {known}")
