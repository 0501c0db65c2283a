"""Every projection Niaga maintains, by name."""

from projections.agents import AgentLedgerProjection, AgentListProjection
from projections.audit_log import AuditLogProjection
from projections.base import Projection
from projections.customer_list import CustomerListProjection
from projections.customer_tags import CustomerTagsProjection
from projections.gateways import (
    GatewayAccountListProjection,
    PaymentCallbackLogProjection,
    PaymentLinkListProjection,
)
from projections.inventory import InventoryProjection, PurchaseOrdersProjection
from projections.invoices import InvoicesProjection
from projections.notifications import NotificationOutboxProjection
from projections.payments import PaymentsProjection
from projections.plans import PlanListProjection
from projections.provisioning import (
    HotspotUsersWantedProjection,
    ProvisioningStatusProjection,
    RouterListProjection,
)
from projections.repairs import RepairBoardProjection, TechniciansProjection
from projections.subscriptions import SubscriptionListProjection
from projections.tenants import TenantsProjection
from projections.vouchers import VoucherProfilesProjection, VoucherStockProjection
from projections.webhooks import WebhookDeliveriesProjection, WebhookEndpointsProjection
from projections.whatsapp import (
    CampaignListProjection,
    MessageLogProjection,
    WhatsAppChannelProjection,
)


def all_projections() -> list[Projection]:
    return [
        TenantsProjection(),
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
        WhatsAppChannelProjection(),
        CampaignListProjection(),
        CustomerTagsProjection(),
    ]


def by_name(name: str) -> Projection:
    for projection in all_projections():
        if projection.name == name:
            return projection
    known = ", ".join(p.name for p in all_projections())
    raise KeyError(f"unknown projection {name!r}; known: {known}")
