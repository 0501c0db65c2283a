"""GraphQL types of WhatsApp: channel, templates, message log and campaigns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from api.graphql.shared.errors import Errors
from api.graphql.shared.types import Connection, connection_parts
from application.messaging.message_templates import Template
from application.messaging.ports import CampaignView, ChannelView, MessageLogEntry
from application.shared.ports import Page


@strawberry.type(description="A tenant's WhatsApp provider; its credentials are never returned.")
class WhatsAppChannel:
    provider: str
    sender: str
    configured_at: datetime

    @classmethod
    def from_view(cls, view: ChannelView) -> WhatsAppChannel:
        return cls(provider=view.provider, sender=view.sender, configured_at=view.configured_at)


@strawberry.type
class MessageTemplate:
    name: str
    text: str
    custom: bool = strawberry.field(description="The tenant's own wording, not the default")
    meta_template: str | None
    language: str
    variables: list[str]

    @classmethod
    def from_template(cls, t: Template) -> MessageTemplate:
        return cls(
            name=t.name,
            text=t.text,
            custom=t.custom,
            meta_template=t.meta_template,
            language=t.language,
            variables=t.variables,
        )


@strawberry.type
class TemplatePreview:
    text: str


@strawberry.type(description="One WhatsApp message and what became of it.")
class MessageLogItem:
    id: strawberry.ID
    customer_id: strawberry.ID | None
    template: str
    campaign_id: strawberry.ID | None
    status: str = strawberry.field(
        description="queued, retrying, sent, delivered, read, failed, or skipped_<why>"
    )
    provider_message_id: str | None
    error: str | None = strawberry.field(description="The provider's own message")
    attempts: int
    replied: bool
    timeline: JSON
    requested_at: datetime
    updated_at: datetime

    @classmethod
    def from_view(cls, v: MessageLogEntry) -> MessageLogItem:
        return cls(
            id=strawberry.ID(str(v.id)),
            customer_id=strawberry.ID(str(v.customer_id)) if v.customer_id else None,
            template=v.template,
            campaign_id=strawberry.ID(str(v.campaign_id)) if v.campaign_id else None,
            status=v.status,
            provider_message_id=v.provider_message_id,
            error=v.error,
            attempts=v.attempts,
            replied=v.replied,
            timeline=cast(JSON, v.timeline),
            requested_at=v.requested_at,
            updated_at=v.updated_at,
        )


@strawberry.type
class MessageLogEdge:
    cursor: str
    node: MessageLogItem


@strawberry.type
class MessageLogConnection(Connection[MessageLogEdge]):
    @classmethod
    def from_page(cls, page: Page[MessageLogEntry]) -> MessageLogConnection:
        return cls(**connection_parts(page, MessageLogItem.from_view, MessageLogEdge))


@strawberry.type
class CampaignStats:
    queued: int = strawberry.field(description="Messages queued so far (all outcomes)")
    waiting: int = strawberry.field(description="Queued and not sent yet")
    sent: int
    delivered: int
    read: int
    failed: int
    replied: int
    opted_out: int


@strawberry.type
class Campaign:
    id: strawberry.ID
    name: str
    template: str
    state: str = strawberry.field(description="draft, scheduled, completed or stopped")
    start_at: datetime | None
    recipients: int
    audience: JSON
    guardrails: JSON
    created_at: datetime
    stats: CampaignStats

    @classmethod
    def from_view(cls, v: CampaignView) -> Campaign:
        return cls(
            id=strawberry.ID(str(v.id)),
            name=v.name,
            template=v.template,
            state=v.state,
            start_at=v.start_at,
            recipients=v.recipients,
            audience=cast(JSON, v.audience),
            guardrails=cast(JSON, v.guardrails),
            created_at=v.created_at,
            stats=CampaignStats(**v.stats),
        )


@strawberry.input
class VariableInput:
    name: str
    value: str


@strawberry.input
class ConfigureWhatsAppInput:
    provider: str = strawberry.field(description="cloud_api or fonnte")
    sender: str = strawberry.field(description="Cloud API phone_number_id, or Fonnte's number")
    access_token: str | None = None
    app_secret: str | None = None
    verify_token: str | None = None
    token: str | None = strawberry.field(default=None, description="Fonnte device token")


@strawberry.input
class SetMessageTemplateInput:
    name: str
    text: str = strawberry.field(description="Indonesian text with variables such as {nama}")
    meta_template: str | None = strawberry.field(
        default=None, description="An approved Cloud API template to send instead of text"
    )
    language: str = "id"


@strawberry.input(description="Every filter given must hold.")
class AudienceInput:
    plan: str | None = strawberry.field(default=None, description="A plan's id or name")
    states: list[str] = strawberry.field(default_factory=lambda: ["active"])
    area: str | None = strawberry.field(default=None, description="The serving router")
    last_payment_before: date | None = None
    last_payment_after: date | None = None
    tags: list[str] = strawberry.field(
        default_factory=list, description="Customers carrying any of these tags"
    )


@strawberry.input
class GuardrailsInput:
    min_gap_seconds: int = 30
    max_gap_seconds: int = 60
    window_start: str = "09:00"
    window_end: str = "18:00"
    skip_weekends: bool = False
    daily_cap: int = 120


@strawberry.input
class CreateCampaignInput:
    name: str
    template: str
    variables: list[VariableInput] = strawberry.field(default_factory=list)
    audience: AudienceInput = strawberry.field(default_factory=AudienceInput)
    guardrails: GuardrailsInput = strawberry.field(default_factory=GuardrailsInput)


@strawberry.type
class WhatsAppChannelSuccess:
    channel: WhatsAppChannel


@strawberry.type
class MessageTemplateSuccess:
    template: MessageTemplate | None = strawberry.field(
        description="Null after resetting a template that has no default wording"
    )


@strawberry.type
class CampaignSuccess:
    campaign: Campaign


@strawberry.type
class CustomerTagsSuccess:
    customer_id: strawberry.ID
    tags: list[str]


@strawberry.type
class StopAllCampaignsSuccess:
    stopped: int


WhatsAppChannelResult = Annotated[
    WhatsAppChannelSuccess | Errors, strawberry.union("WhatsAppChannelResult")
]
MessageTemplateResult = Annotated[
    MessageTemplateSuccess | Errors, strawberry.union("MessageTemplateResult")
]
CampaignResult = Annotated[CampaignSuccess | Errors, strawberry.union("CampaignResult")]
CustomerTagsResult = Annotated[CustomerTagsSuccess | Errors, strawberry.union("CustomerTagsResult")]
StopAllCampaignsResult = Annotated[
    StopAllCampaignsSuccess | Errors, strawberry.union("StopAllCampaignsResult")
]
