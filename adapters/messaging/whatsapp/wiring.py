"""The WhatsApp services of one container, wired from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from adapters.messaging.read_models import PostgresWhatsAppReadModels
from adapters.messaging.whatsapp.cloud_api import CloudApiProvider
from adapters.messaging.whatsapp.fonnte import FonnteProvider
from adapters.shared.settings import Settings
from adapters.shared.stores import PostgresStores
from application.customers.customer_tags import CustomerTagService
from application.messaging.campaigns import CampaignService
from application.messaging.inbound import DeliveryStatuses, InboundDispatcher, OptOut, ReplyTracker
from application.messaging.message_templates import TemplateService
from application.messaging.messaging import WhatsAppService
from application.messaging.ports import WhatsAppProvider
from application.shared.ports import ReadModelSync
from application.shared.secrets import SecretBox
from domain.messaging.whatsapp import Provider


@dataclass
class WhatsApp:
    read_models: PostgresWhatsAppReadModels
    templates: TemplateService
    messages: WhatsAppService
    campaigns: CampaignService
    inbound: InboundDispatcher
    statuses: DeliveryStatuses
    tags: CustomerTagService


def whatsapp_services(
    settings: Settings, stores: PostgresStores, sync: ReadModelSync, secrets: SecretBox
) -> WhatsApp:
    read_models = PostgresWhatsAppReadModels(
        stores, timedelta(hours=settings.niaga_whatsapp_max_age_hours)
    )
    templates = TemplateService(stores, sync)
    providers: dict[str, WhatsAppProvider] = {
        Provider.CLOUD_API.value: CloudApiProvider(settings.niaga_whatsapp_cloud_api_url),
        Provider.FONNTE.value: FonnteProvider(settings.niaga_fonnte_url),
    }
    inbound = InboundDispatcher(OptOut(stores, read_models, sync, secrets))
    inbound.register(ReplyTracker(stores, read_models, sync))
    return WhatsApp(
        read_models=read_models,
        templates=templates,
        messages=WhatsAppService(
            stores,
            read_models,
            sync,
            secrets,
            templates,
            providers,
            settings.niaga_payment_link_base,
        ),
        campaigns=CampaignService(stores, read_models, sync, templates),
        inbound=inbound,
        statuses=DeliveryStatuses(stores, read_models, sync),
        tags=CustomerTagService(stores, sync),
    )
