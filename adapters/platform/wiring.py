"""Wires the platform's own billing: Stripe (when a key is set), its webhooks, and metering."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from adapters.platform.dispatcher import MeteringDispatcher, report_effect
from adapters.platform.read_models import PostgresPlatformBillingReadModels
from adapters.platform.stripe_billing import StripeBillingClient, StripeWebhookVerifier
from adapters.shared.job_transport import LocalPool
from adapters.shared.settings import Settings
from adapters.shared.stores import PostgresStores
from application.platform.billing import PlatformBilling
from application.platform.billing_metering import PlatformMetering
from application.platform.billing_ports import TenantLocks
from application.platform.billing_webhooks import StripeWebhooks
from application.shared.clock import Clock
from application.shared.errors import UnknownTenant
from application.shared.ports import ReadModelSync
from application.shared.unit_of_work import find
from domain.ai.digest import DigestRecipients
from domain.platform.plans import DEFAULT_PLANS, Tier, plans_from
from domain.platform.tenant import Tenant

# How the tenant's placement is spelled on its aggregate, as the platform's tier.
_TIERS = {"shared": Tier.SHARED, "schema": Tier.SCHEMA, "own_schema": Tier.SCHEMA}


@dataclass
class PlatformBillingWiring:
    read_models: PostgresPlatformBillingReadModels
    billing: PlatformBilling
    webhooks: StripeWebhooks
    metering: PlatformMetering | None  # None while Stripe is not configured

    def dispatcher(self, stores: PostgresStores, clock: Clock) -> MeteringDispatcher | None:
        """The process manager of the meter reports (None while Stripe is not configured)."""
        if self.metering is None:
            return None
        transport = LocalPool(report_effect(self.metering))
        return MeteringDispatcher(stores, self.read_models, self.metering, transport, clock)


def platform_billing_services(
    settings: Settings,
    stores: PostgresStores,
    sync: ReadModelSync,
    clock: Clock,
    locks: TenantLocks,
) -> PlatformBillingWiring:
    plans = plans_from(settings.niaga_platform_plans or DEFAULT_PLANS)
    stripe = (
        StripeBillingClient(settings.niaga_stripe_api_key, settings.niaga_stripe_api_base)
        if settings.niaga_stripe_api_key
        else None
    )
    secret = settings.niaga_stripe_webhook_secret
    read_models = PostgresPlatformBillingReadModels(stores)
    tenants = _Tenants(stores)
    return PlatformBillingWiring(
        read_models,
        PlatformBilling(stores, sync, plans, stripe, tenants.tier_of),
        StripeWebhooks(
            stores,
            sync,
            StripeWebhookVerifier(secret) if secret else None,
            read_models,
            locks,
            tenants,
            tenants.tier_of,
        ),
        PlatformMetering(stores, sync, read_models, stripe, clock) if stripe else None,
    )


class _Tenants:
    """What the platform's billing reads of a tenant: its name and tier (its aggregate in the
    platform store) and its owner's numbers and addresses (its CEO-digest recipients,
    sealed)."""

    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def tier_of(self, tenant_id: UUID) -> tuple[str, Tier]:
        tenant = find(self._stores.platform(), Tenant, tenant_id)
        if tenant is None:
            raise UnknownTenant(f"no tenant {tenant_id}", field="tenant")
        placement = str(getattr(tenant, "tier", "shared"))
        return tenant.name, _TIERS.get(placement, Tier(placement))

    def phones(self, tenant_id: UUID) -> list[str]:
        store = self._stores.for_tenant(tenant_id)
        recipients = find(store, DigestRecipients, DigestRecipients.id_for(tenant_id))
        return list(recipients.phones_sealed) if recipients else []

    def emails(self, tenant_id: UUID) -> list[str]:
        store = self._stores.for_tenant(tenant_id)
        recipients = find(store, DigestRecipients, DigestRecipients.id_for(tenant_id))
        return list(recipients.emails_sealed) if recipients else []
