"""WhatsApp in GraphQL: the channel, templates and preview, the message log, and campaigns.
Credentials go in, never out."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from adapters.bootstrap import Services
from api.graphql.messaging import types as t
from api.graphql.shared.parsing import found, parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.messaging.ports import Audience
from application.shared.context import Principal
from domain.messaging.campaign import Guardrails


def _campaign(services: Services, who: Principal, campaign_id: UUID) -> t.CampaignSuccess:
    view = services.messaging_queries.campaign(who, campaign_id)
    return t.CampaignSuccess(campaign=t.Campaign.from_view(view))


def _audience(given: t.AudienceInput) -> Audience:
    return Audience(
        given.plan,
        tuple(given.states),
        given.area,
        given.last_payment_before,
        given.last_payment_after,
        tuple(given.tags),
    )


def _guardrails(given: t.GuardrailsInput) -> Guardrails:
    return Guardrails(
        given.min_gap_seconds,
        given.max_gap_seconds,
        given.window_start,
        given.window_end,
        given.skip_weekends,
        given.daily_cap,
    )


def _optional_id(raw: strawberry.ID | None, field: str) -> UUID | None:
    return parse_id(raw, field) if raw else None


@strawberry.type
class WhatsAppQuery:
    @strawberry.field(description="Your tenant's WhatsApp provider; null when not configured.")
    async def whatsapp_channel(self, info: NiagaInfo) -> t.WhatsAppChannel | None:
        services, who = info.context.services, info.context.principal
        view = await query(lambda: services.messaging_queries.channel(who))
        return t.WhatsAppChannel.from_view(view) if view else None

    @strawberry.field(description="Every message template: your wording or the default.")
    async def message_templates(self, info: NiagaInfo) -> list[t.MessageTemplate]:
        services, who = info.context.services, info.context.principal
        templates = await query(lambda: services.messaging_queries.templates(who))
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
        services, who = info.context.services, info.context.principal
        values = {v.name: v.value for v in variables or []}

        def read() -> t.TemplatePreview:
            customer = _optional_id(customer_id, "customerId")
            invoice = _optional_id(invoice_id, "invoiceId")
            rendered = services.messaging_queries.preview(
                who, name, text, values, customer, invoice
            )
            return t.TemplatePreview(text=rendered)

        return await query(read)

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
        services, who = info.context.services, info.context.principal

        def read() -> t.MessageLogConnection:
            campaign = _optional_id(campaign_id, "campaignId")
            customer = _optional_id(customer_id, "customerId")
            page = services.messaging_queries.message_log(
                who, status, campaign, customer, first, after
            )
            return t.MessageLogConnection.from_page(page)

        return await query(read)

    @strawberry.field(description="Broadcast campaigns with their statistics, oldest first.")
    async def campaigns(self, info: NiagaInfo) -> list[t.Campaign]:
        services, who = info.context.services, info.context.principal
        views = await query(lambda: services.messaging_queries.campaigns(who))
        return [t.Campaign.from_view(v) for v in views]

    @strawberry.field(description="One campaign and its statistics.")
    async def campaign(self, info: NiagaInfo, id: strawberry.ID) -> t.Campaign:
        services, who = info.context.services, info.context.principal
        view = await query(lambda: services.messaging_queries.campaign(who, parse_id(id, "id")))
        return t.Campaign.from_view(view)


@strawberry.type
class WhatsAppMutation:
    @strawberry.mutation(description="Choose the WhatsApp provider; credentials are sealed.")
    async def configure_whatsapp(
        self, info: NiagaInfo, input: t.ConfigureWhatsAppInput
    ) -> t.WhatsAppChannelResult:
        services, who = info.context.services, info.context.principal
        given = {
            "access_token": input.access_token,
            "app_secret": input.app_secret,
            "verify_token": input.verify_token,
            "token": input.token,
        }
        credentials = {k: v for k, v in given.items() if v}

        def configure() -> t.WhatsAppChannelSuccess:
            services.messages.configure(who, input.provider, input.sender, credentials)
            view = services.messaging_queries.channel(who)
            channel = found(view, "WhatsApp channel", "provider")
            return t.WhatsAppChannelSuccess(channel=t.WhatsAppChannel.from_view(channel))

        return await run_command(configure)

    @strawberry.mutation(description="Reword a message template; unknown variables are refused.")
    async def set_message_template(
        self, info: NiagaInfo, input: t.SetMessageTemplateInput
    ) -> t.MessageTemplateResult:
        services, who = info.context.services, info.context.principal

        def set_template() -> t.MessageTemplateSuccess:
            saved = services.message_templates.set(
                who, input.name, input.text, input.meta_template, input.language
            )
            return t.MessageTemplateSuccess(template=t.MessageTemplate.from_template(saved))

        return await run_command(set_template)

    @strawberry.mutation(description="Go back to the default wording of a template.")
    async def reset_message_template(self, info: NiagaInfo, name: str) -> t.MessageTemplateResult:
        services, who = info.context.services, info.context.principal

        def reset() -> t.MessageTemplateSuccess:
            saved = services.message_templates.reset(who, name)
            template = t.MessageTemplate.from_template(saved) if saved else None
            return t.MessageTemplateSuccess(template=template)

        return await run_command(reset)

    @strawberry.mutation(description="A draft broadcast to an audience, within guardrails.")
    async def create_campaign(
        self, info: NiagaInfo, input: t.CreateCampaignInput
    ) -> t.CampaignResult:
        services, who = info.context.services, info.context.principal
        variables = {v.name: v.value for v in input.variables}

        def create() -> t.CampaignSuccess:
            audience, rails = _audience(input.audience), _guardrails(input.guardrails)
            campaign_id = services.campaigns.create(
                who, input.name, input.template, variables, audience, rails
            )
            return _campaign(services, who, campaign_id)

        return await run_command(create)

    @strawberry.mutation(description="Fix the audience now and start sending at startAt.")
    async def schedule_campaign(
        self, info: NiagaInfo, id: strawberry.ID, start_at: datetime
    ) -> t.CampaignResult:
        services, who = info.context.services, info.context.principal

        def schedule() -> t.CampaignSuccess:
            campaign_id = parse_id(id, "id")
            services.campaigns.schedule(who, campaign_id, start_at)
            return _campaign(services, who, campaign_id)

        return await run_command(schedule)

    @strawberry.mutation(description="Stop a campaign at once; messages not yet sent are not.")
    async def stop_campaign(
        self, info: NiagaInfo, id: strawberry.ID, reason: str = "dihentikan"
    ) -> t.CampaignResult:
        services, who = info.context.services, info.context.principal

        def stop() -> t.CampaignSuccess:
            campaign_id = parse_id(id, "id")
            services.campaigns.stop(who, campaign_id, reason)
            return _campaign(services, who, campaign_id)

        return await run_command(stop)

    @strawberry.mutation(description="Add and remove a customer's tags (for campaign audiences).")
    async def tag_customer(
        self,
        info: NiagaInfo,
        id: strawberry.ID,
        add: list[str] | None = None,
        remove: list[str] | None = None,
    ) -> t.CustomerTagsResult:
        services, who = info.context.services, info.context.principal

        def change() -> t.CustomerTagsSuccess:
            customer_id = parse_id(id, "id")
            tags = services.customer_tags.change(who, customer_id, add or [], remove or [])
            return t.CustomerTagsSuccess(customer_id=id, tags=tags)

        return await run_command(change)

    @strawberry.mutation(description="Emergency stop: every unfinished campaign, at once.")
    async def stop_all_campaigns(
        self, info: NiagaInfo, reason: str = "dihentikan darurat"
    ) -> t.StopAllCampaignsResult:
        services, who = info.context.services, info.context.principal
        return await run_command(
            lambda: t.StopAllCampaignsSuccess(stopped=services.campaigns.stop_all(who, reason))
        )
