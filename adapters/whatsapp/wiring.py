"""The WhatsApp services of one container, wired from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from adapters.postgres.stores import PostgresStores
from adapters.postgres.whatsapp_read_models import PostgresWhatsAppReadModels
from adapters.settings import Settings
from adapters.whatsapp.cloud_api import CloudApiProvider
from adapters.whatsapp.fonnte import FonnteProvider
from application.campaigns import CampaignService
from application.customer_tags import CustomerTagService
from application.inbound import DeliveryStatuses, InboundDispatcher, OptOut, ReplyTracker
from application.message_templates import TemplateService
from application.messaging import WhatsAppService
from application.ports import ReadModelSync
from application.secrets import SecretBox
from application.whatsapp_ports import WhatsAppProvider
from domain.whatsapp import Provider


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
