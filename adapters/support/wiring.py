"""The support area of one container: its read models, its services, the WhatsApp keyword
handler and the hook the concierge's escalation calls."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.shared.stores import PostgresStores
from adapters.support.read_models import PostgresSupportReadModels
from application.shared.clock import Clock
from application.shared.ports import ReadModelSync
from application.support.escalation import EscalationTickets
from application.support.queries import TicketQueries
from application.support.settings import SupportSettingsService
from application.support.tickets import TicketService
from application.support.whatsapp import TicketKeywords


@dataclass(frozen=True)
class SupportWiring:
    tickets: TicketService
    queries: TicketQueries
    settings: SupportSettingsService
    keywords: TicketKeywords  # registered with the WhatsApp inbound dispatcher
    escalations: EscalationTickets  # handed to the concierge's escalation


def support_services(stores: PostgresStores, sync: ReadModelSync, clock: Clock) -> SupportWiring:
    read_models = PostgresSupportReadModels(stores)
    return SupportWiring(
        TicketService(stores, sync, clock),
        TicketQueries(stores, read_models, clock),
        SupportSettingsService(stores, sync),
        TicketKeywords(stores, sync, clock),
        EscalationTickets(stores, read_models),
    )
