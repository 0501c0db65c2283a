"""GraphQL types of outbound webhooks: endpoints, deliveries, event types, results."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.graphql.shared.errors import Errors
from api.graphql.shared.types import Connection
from application.integrations.ports import WebhookDeliveryView, WebhookEndpointView


@strawberry.type(description="Where a tenant's events are POSTed, signed per Standard Webhooks.")
class WebhookEndpoint:
    id: strawberry.ID
    url: str
    event_types: list[str] = strawberry.field(description="Public event types; empty: all")
    description: str | None
    enabled: bool
    disabled_reason: str | None = strawberry.field(description="manual or persistent_failure")
    secret_rotated_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_view(cls, view: WebhookEndpointView) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(str(view.id)),
            url=view.url,
            event_types=view.event_types,
            description=view.description,
            enabled=view.enabled,
            disabled_reason=view.disabled_reason,
            secret_rotated_at=view.secret_rotated_at,
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


@strawberry.type(description="One message on its way to one endpoint, with its last attempt.")
class WebhookDelivery:
    id: strawberry.ID
    endpoint_id: strawberry.ID
    message_id: str = strawberry.field(description="The webhook-id header and envelope id")
    event_type: str
    position: int = strawberry.field(description="Of the event in its store's log")
    status: str = strawberry.field(description="pending, delivered, failed or cancelled")
    attempts: int
    last_status_code: int | None
    last_latency_ms: int | None
    last_response_excerpt: str | None
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    created_at: datetime

    @classmethod
    def from_view(cls, view: WebhookDeliveryView) -> WebhookDelivery:
        fields = {k: v for k, v in vars(view).items() if k not in {"tenant_id", "updated_at"}}
        fields.update(
            id=strawberry.ID(str(view.id)), endpoint_id=strawberry.ID(str(view.endpoint_id))
        )
        return cls(**fields)


@strawberry.type
class WebhookDeliveryEdge:
    cursor: str
    node: WebhookDelivery


@strawberry.type
class WebhookDeliveryConnection(Connection[WebhookDeliveryEdge]):
    """Deliveries, newest first."""


@strawberry.type(description="A type of the public event schema (see docs/webhooks.md).")
class WebhookEventType:
    name: str
    version: int
    description: str


@strawberry.input
class CreateWebhookEndpointInput:
    url: str
    event_types: list[str] = strawberry.field(
        default_factory=list, description="Public event types; empty: every type"
    )
    description: str | None = None


@strawberry.input(description="Fields left out keep their value.")
class UpdateWebhookEndpointInput:
    id: strawberry.ID
    url: str | None = None
    event_types: list[str] | None = None
    description: str | None = None


@strawberry.type
class WebhookEndpointSuccess:
    endpoint: WebhookEndpoint


@strawberry.type(description="The secret is shown only here: keep it (whsec_...).")
class WebhookSecretSuccess:
    endpoint: WebhookEndpoint
    secret: str


@strawberry.type
class WebhookEndpointDeleted:
    id: strawberry.ID


@strawberry.type
class WebhookRedeliverySuccess:
    delivery_id: strawberry.ID


@strawberry.type
class WebhookReplaySuccess:
    replay_id: str
    from_position: int
    to_position: int
    scheduled: int = strawberry.field(description="Deliveries scheduled for the endpoint")


WebhookEndpointResult = Annotated[
    WebhookEndpointSuccess | Errors, strawberry.union("WebhookEndpointResult")
]
WebhookSecretResult = Annotated[
    WebhookSecretSuccess | Errors, strawberry.union("WebhookSecretResult")
]
WebhookDeleteResult = Annotated[
    WebhookEndpointDeleted | Errors, strawberry.union("WebhookDeleteResult")
]
WebhookRedeliveryResult = Annotated[
    WebhookRedeliverySuccess | Errors, strawberry.union("WebhookRedeliveryResult")
]
WebhookReplayResult = Annotated[
    WebhookReplaySuccess | Errors, strawberry.union("WebhookReplayResult")
]
