"""The WhatsApp read side for clients: the channel, templates and their previews, the message
log and campaigns; authorised, scoped to the caller's tenant, validated."""

from __future__ import annotations

from uuid import UUID

from application.messaging.message_templates import Template, TemplateService
from application.messaging.ports import (
    CampaignView,
    ChannelView,
    MessageLogEntry,
    WhatsAppReadModels,
)
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound
from application.shared.event_store import EventStore
from application.shared.ports import Page, Stores

# The message log has always answered pages of up to 200 messages.
MESSAGE_LOG_MAX_PAGE = 200


class MessagingQueries:
    """Reads of a tenant's WhatsApp messaging; credentials never leave the write side."""

    def __init__(
        self, stores: Stores, read_models: WhatsAppReadModels, templates: TemplateService
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._templates = templates

    def channel(self, principal: Principal) -> ChannelView | None:
        """The tenant's provider and sender; None while WhatsApp is not configured."""
        authorize(principal, Permission.READ_CUSTOMERS)
        return self._read_models.channel(self._store(principal), principal.tenant_id)

    def templates(self, principal: Principal) -> list[Template]:
        """Every template: the tenant's wording or the default (the template service checks
        the caller may read customers' messages)."""
        return self._templates.list(principal)

    def preview(
        self,
        principal: Principal,
        name: str,
        text: str | None,
        variables: dict[str, str],
        customer_id: UUID | None = None,
        invoice_id: UUID | None = None,
    ) -> str:
        """A template as a customer would read it (the template service checks the caller may
        read customers' messages); an unknown customer or invoice is NotFound."""
        return self._templates.preview(principal, name, text, variables, customer_id, invoice_id)

    def message_log(
        self,
        principal: Principal,
        status: str | None,
        campaign_id: UUID | None,
        customer_id: UUID | None,
        first: int,
        after: str | None,
    ) -> Page[MessageLogEntry]:
        """Messages oldest first, by status, campaign and customer."""
        authorize(principal, Permission.READ_CUSTOMERS)
        if not 1 <= first <= MESSAGE_LOG_MAX_PAGE:
            raise ApplicationError(
                f"first must be between 1 and {MESSAGE_LOG_MAX_PAGE}", field="first"
            )
        return self._read_models.message_log(
            self._store(principal),
            principal.tenant_id,
            status,
            campaign_id,
            customer_id,
            first,
            after,
        )

    def campaigns(self, principal: Principal) -> list[CampaignView]:
        """Every campaign with its statistics, oldest first."""
        authorize(principal, Permission.READ_CUSTOMERS)
        return self._read_models.campaigns(self._store(principal), principal.tenant_id)

    def campaign(self, principal: Principal, campaign_id: UUID) -> CampaignView:
        for view in self.campaigns(principal):
            if view.id == campaign_id:
                return view
        raise NotFound(f"no campaign {campaign_id}", field="id")

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)
