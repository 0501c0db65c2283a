"""WhatsApp in GraphQL: the channel, templates and preview, the message log, and campaigns.
Credentials go in, never out."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry
from graphql import GraphQLError

from api.graphql.billing.support import parse_id
from api.graphql.messaging import types as t
from api.graphql.shared.errors import ValidationError
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.messaging.ports import Audience
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import NotFound
from domain.messaging.campaign import Guardrails


def _campaign(info: NiagaInfo, campaign_id: UUID) -> t.Campaign:
    niaga, who = info.context.niaga, info.context.principal
    authorize(who, Permission.READ_CUSTOMERS)
    store = niaga.stores.for_tenant(who.tenant_id)
    for view in niaga.whatsapp.read_models.campaigns(store, who.tenant_id):
        if view.id == campaign_id:
            return t.Campaign.from_view(view)
    raise NotFound(f"no campaign {campaign_id}", field="id")


def _channel(info: NiagaInfo, who: Principal) -> t.WhatsAppChannelSuccess:
    niaga = info.context.niaga
    store = niaga.stores.for_tenant(who.tenant_id)
    view = niaga.whatsapp.read_models.channel(store, who.tenant_id)
    if view is None:
        raise NotFound("WhatsApp is not configured", field="provider")
    return t.WhatsAppChannelSuccess(channel=t.WhatsAppChannel.from_view(view))


def _invalid_id(error: GraphQLError, field: str) -> ValidationError:
    return ValidationError(message=error.message, code="INVALID_VALUE", field=field)


@strawberry.type
class WhatsAppQuery:
    @strawberry.field(description="Your tenant's WhatsApp provider; null when not configured.")
    async def whatsapp_channel(self, info: NiagaInfo) -> t.WhatsAppChannel | None:
        niaga, who = info.context.niaga, info.context.principal

        def read() -> t.WhatsAppChannel | None:
            authorize(who, Permission.READ_CUSTOMERS)
            store = niaga.stores.for_tenant(who.tenant_id)
            view = niaga.whatsapp.read_models.channel(store, who.tenant_id)
            return t.WhatsAppChannel.from_view(view) if view else None

        return await query(read)

    @strawberry.field(description="Every message template: your wording or the default.")
    async def message_templates(self, info: NiagaInfo) -> list[t.MessageTemplate]:
        niaga, who = info.context.niaga, info.context.principal
        templates = await query(lambda: niaga.whatsapp.templates.list(who))
        return [t.MessageTemplate.from_template(x) for x in templates]

    @strawberry.field(
        description="A template as a customer would read it: sample data, overridden by the "
        "given variables, and real data: an invoice's number, amount and due date with invoiceId, "
        "a customer's name with customerId. With `text`, "
        "previews (and validates) a wording before it is saved."
    )
    async def preview_template(
        self,
        info: NiagaInfo,
        name: str,
        text: str | None = None,
        customer_id: strawberry.ID | None = None,
        invoice_id: strawberry.ID | None = None,
        variables: list[t.VariableInput] | None = None,
    ) -> t.TemplatePreview:
        niaga, who = info.context.niaga, info.context.principal
        customer = parse_id(customer_id, "customerId") if customer_id else None
        invoice = parse_id(invoice_id, "invoiceId") if invoice_id else None
        values = {v.name: v.value for v in variables or []}
        rendered = await query(
            lambda: niaga.whatsapp.templates.preview(who, name, text, values, customer, invoice)
        )
        return t.TemplatePreview(text=rendered)

    @strawberry.field(description="WhatsApp messages, oldest first, with their status timeline.")
    async def message_log(
        self,
        info: NiagaInfo,
        status: str | None = None,
        campaign_id: strawberry.ID | None = None,
        customer_id: strawberry.ID | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> t.MessageLogConnection:
        niaga, who = info.context.niaga, info.context.principal
        campaign = parse_id(campaign_id, "campaignId") if campaign_id else None
        customer = parse_id(customer_id, "customerId") if customer_id else None

        def read() -> t.MessageLogConnection:
            authorize(who, Permission.READ_CUSTOMERS)
            store = niaga.stores.for_tenant(who.tenant_id)
            page = niaga.whatsapp.read_models.message_log(
                store, who.tenant_id, status, campaign, customer, max(1, min(first, 200)), after
            )
            return t.MessageLogConnection.from_page(page)

        return await query(read)

    @strawberry.field(description="Broadcast campaigns with their statistics, oldest first.")
    async def campaigns(self, info: NiagaInfo) -> list[t.Campaign]:
        niaga, who = info.context.niaga, info.context.principal

        def read() -> list[t.Campaign]:
            authorize(who, Permission.READ_CUSTOMERS)
            store = niaga.stores.for_tenant(who.tenant_id)
            views = niaga.whatsapp.read_models.campaigns(store, who.tenant_id)
            return [t.Campaign.from_view(v) for v in views]

        return await query(read)

    @strawberry.field(description="One campaign and its statistics.")
    async def campaign(self, info: NiagaInfo, id: strawberry.ID) -> t.Campaign:
        campaign_id = parse_id(id, "id")
        return await query(lambda: _campaign(info, campaign_id))


@strawberry.type
class WhatsAppMutation:
    @strawberry.mutation(description="Choose the WhatsApp provider; credentials are sealed.")
    async def configure_whatsapp(
        self, info: NiagaInfo, input: t.ConfigureWhatsAppInput
    ) -> t.WhatsAppChannelResult:
        niaga, who = info.context.niaga, info.context.principal
        given = {
            "access_token": input.access_token,
            "app_secret": input.app_secret,
            "verify_token": input.verify_token,
            "token": input.token,
        }
        credentials = {k: v for k, v in given.items() if v}

        def configure() -> t.WhatsAppChannelSuccess:
            niaga.whatsapp.messages.configure(who, input.provider, input.sender, credentials)
            return _channel(info, who)

        return await run_command(configure)

    @strawberry.mutation(description="Reword a message template; unknown variables are refused.")
    async def set_message_template(
        self, info: NiagaInfo, input: t.SetMessageTemplateInput
    ) -> t.MessageTemplateResult:
        niaga, who = info.context.niaga, info.context.principal

        def set_template() -> t.MessageTemplateSuccess:
            saved = niaga.whatsapp.templates.set(
                who, input.name, input.text, input.meta_template, input.language
            )
            return t.MessageTemplateSuccess(template=t.MessageTemplate.from_template(saved))

        return await run_command(set_template)

    @strawberry.mutation(description="Go back to the default wording of a template.")
    async def reset_message_template(self, info: NiagaInfo, name: str) -> t.MessageTemplateResult:
        niaga, who = info.context.niaga, info.context.principal

        def reset() -> t.MessageTemplateSuccess:
            saved = niaga.whatsapp.templates.reset(who, name)
            template = t.MessageTemplate.from_template(saved) if saved else None
            return t.MessageTemplateSuccess(template=template)

        return await run_command(reset)

    @strawberry.mutation(description="A draft broadcast to an audience, within guardrails.")
    async def create_campaign(
        self, info: NiagaInfo, input: t.CreateCampaignInput
    ) -> t.CampaignResult:
        niaga, who = info.context.niaga, info.context.principal
        a, g = input.audience, input.guardrails

        def create() -> t.Campaign | t.CampaignSuccess:
            audience = Audience(
                a.plan,
                tuple(a.states),
                a.area,
                a.last_payment_before,
                a.last_payment_after,
                tuple(a.tags),
            )
            rails = Guardrails(
                g.min_gap_seconds,
                g.max_gap_seconds,
                g.window_start,
                g.window_end,
                g.skip_weekends,
                g.daily_cap,
            )
            variables = {v.name: v.value for v in input.variables}
            campaign_id = niaga.whatsapp.campaigns.create(
                who, input.name, input.template, variables, audience, rails
            )
            return t.CampaignSuccess(campaign=_campaign(info, campaign_id))

        return await run_command(create)

    @strawberry.mutation(description="Fix the audience now and start sending at startAt.")
    async def schedule_campaign(
        self, info: NiagaInfo, id: strawberry.ID, start_at: datetime
    ) -> t.CampaignResult:
        niaga, who = info.context.niaga, info.context.principal
        try:
            campaign_id = parse_id(id, "id")
        except GraphQLError as error:
            return _invalid_id(error, "id")

        def schedule() -> t.CampaignSuccess:
            niaga.whatsapp.campaigns.schedule(who, campaign_id, start_at)
            return t.CampaignSuccess(campaign=_campaign(info, campaign_id))

        return await run_command(schedule)

    @strawberry.mutation(description="Stop a campaign at once; messages not yet sent are not.")
    async def stop_campaign(
        self, info: NiagaInfo, id: strawberry.ID, reason: str = "dihentikan"
    ) -> t.CampaignResult:
        niaga, who = info.context.niaga, info.context.principal
        try:
            campaign_id = parse_id(id, "id")
        except GraphQLError as error:
            return _invalid_id(error, "id")

        def stop() -> t.CampaignSuccess:
            niaga.whatsapp.campaigns.stop(who, campaign_id, reason)
            return t.CampaignSuccess(campaign=_campaign(info, campaign_id))

        return await run_command(stop)

    @strawberry.mutation(description="Add and remove a customer's tags (for campaign audiences).")
    async def tag_customer(
        self,
        info: NiagaInfo,
        id: strawberry.ID,
        add: list[str] | None = None,
        remove: list[str] | None = None,
    ) -> t.CustomerTagsResult:
        niaga, who = info.context.niaga, info.context.principal
        try:
            customer_id = parse_id(id, "id")
        except GraphQLError as error:
            return _invalid_id(error, "id")

        def change() -> t.CustomerTagsSuccess:
            tags = niaga.whatsapp.tags.change(who, customer_id, add or [], remove or [])
            return t.CustomerTagsSuccess(customer_id=id, tags=tags)

        return await run_command(change)

    @strawberry.mutation(description="Emergency stop: every unfinished campaign, at once.")
    async def stop_all_campaigns(
        self, info: NiagaInfo, reason: str = "dihentikan darurat"
    ) -> t.StopAllCampaignsResult:
        niaga, who = info.context.niaga, info.context.principal
        return await run_command(
            lambda: t.StopAllCampaignsSuccess(
                stopped=niaga.whatsapp.campaigns.stop_all(who, reason)
            )
        )
