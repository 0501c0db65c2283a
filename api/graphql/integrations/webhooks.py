"""Outbound webhooks in GraphQL: endpoints, deliveries, redelivery and replay. A signing secret
is shown once, when it is made; it is never read back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import strawberry
from graphql import GraphQLError

from api.graphql.billing.support import parse_id
from api.graphql.integrations.types import (
    CreateWebhookEndpointInput,
    UpdateWebhookEndpointInput,
    WebhookDeleteResult,
    WebhookDelivery,
    WebhookDeliveryConnection,
    WebhookDeliveryEdge,
    WebhookEndpoint,
    WebhookEndpointDeleted,
    WebhookEndpointResult,
    WebhookEndpointSuccess,
    WebhookEventType,
    WebhookRedeliveryResult,
    WebhookRedeliverySuccess,
    WebhookReplayResult,
    WebhookReplaySuccess,
    WebhookSecretResult,
    WebhookSecretSuccess,
)
from api.graphql.shared.errors import ValidationError
from api.graphql.shared.support import NiagaInfo, query, run_command
from api.graphql.shared.types import connection_parts
from application.integrations.ports import DeliveryFilter
from application.integrations.public_events import CATALOGUE
from application.integrations.webhooks import (
    CreateWebhookEndpoint,
    ReplayWebhookEvents,
    UpdateWebhookEndpoint,
)
from application.shared.context import Principal

MAX_OVERLAP_HOURS = 7 * 24


def _endpoint(info: NiagaInfo, endpoint_id: UUID) -> WebhookEndpoint:
    niaga, who = info.context.niaga, info.context.principal
    view = next(v for v in niaga.webhooks.endpoints(who) if v.id == endpoint_id)
    return WebhookEndpoint.from_view(view)


def _bad_id(error: GraphQLError, field: str) -> ValidationError:
    return ValidationError(message=error.message, code="INVALID_VALUE", field=field)


async def _on_endpoint(
    info: NiagaInfo, raw_id: str, change: Callable[[Principal, UUID], object]
) -> Any:
    """Parse the id, run the change, answer with the endpoint as it is now."""
    try:
        endpoint_id = parse_id(raw_id, "id")
    except GraphQLError as error:
        return _bad_id(error, "id")

    def run() -> WebhookEndpointSuccess:
        change(info.context.principal, endpoint_id)
        return WebhookEndpointSuccess(endpoint=_endpoint(info, endpoint_id))

    return await run_command(run)


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Your tenant's webhook endpoints (secrets are never returned).")
    async def webhook_endpoints(self, info: NiagaInfo) -> list[WebhookEndpoint]:
        niaga, who = info.context.niaga, info.context.principal
        views = await query(lambda: niaga.webhooks.endpoints(who))
        return [WebhookEndpoint.from_view(v) for v in views]

    @strawberry.field(description="Deliveries, newest first; filter by endpoint, status, type.")
    async def webhook_deliveries(
        self,
        info: NiagaInfo,
        endpoint_id: strawberry.ID | None = None,
        status: str | None = None,
        event_type: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> WebhookDeliveryConnection:
        niaga, who = info.context.niaga, info.context.principal
        where = DeliveryFilter(
            parse_id(endpoint_id, "endpointId") if endpoint_id else None, status, event_type
        )
        page = await query(lambda: niaga.webhooks.deliveries(who, where, first, after))
        return WebhookDeliveryConnection(
            **connection_parts(page, WebhookDelivery.from_view, WebhookDeliveryEdge)
        )

    @strawberry.field(description="The public event types an endpoint can subscribe to.")
    def webhook_event_types(self) -> list[WebhookEventType]:
        return [
            WebhookEventType(name=t.name, version=t.version, description=t.description)
            for t in CATALOGUE
        ]


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Add an endpoint; the answer carries its signing secret.")
    async def create_webhook_endpoint(
        self, info: NiagaInfo, input: CreateWebhookEndpointInput
    ) -> WebhookSecretResult:
        niaga, who = info.context.niaga, info.context.principal
        command = CreateWebhookEndpoint(input.url, list(input.event_types), input.description)

        def create() -> WebhookSecretSuccess:
            made = niaga.webhooks.create(who, command)
            return WebhookSecretSuccess(
                endpoint=_endpoint(info, made.endpoint_id), secret=made.secret
            )

        return await run_command(create)

    @strawberry.mutation(description="Change an endpoint's URL, event types or description.")
    async def update_webhook_endpoint(
        self, info: NiagaInfo, input: UpdateWebhookEndpointInput
    ) -> WebhookEndpointResult:
        niaga = info.context.niaga

        def update(who: Principal, endpoint_id: UUID) -> None:
            niaga.webhooks.update(
                who,
                UpdateWebhookEndpoint(endpoint_id, input.url, input.event_types, input.description),
            )

        return await _on_endpoint(info, input.id, update)

    @strawberry.mutation(
        description="A new signing secret; the old one keeps signing too for `overlapHours`."
    )
    async def rotate_webhook_secret(
        self, info: NiagaInfo, id: strawberry.ID, overlap_hours: int = 24
    ) -> WebhookSecretResult:
        niaga, who = info.context.niaga, info.context.principal
        try:
            endpoint_id = parse_id(id, "id")
        except GraphQLError as error:
            return _bad_id(error, "id")
        if not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
            return ValidationError(
                message=f"overlapHours must be 0-{MAX_OVERLAP_HOURS}",
                code="INVALID_VALUE",
                field="overlapHours",
            )

        def rotate() -> WebhookSecretSuccess:
            made = niaga.webhooks.rotate_secret(who, endpoint_id, timedelta(hours=overlap_hours))
            return WebhookSecretSuccess(endpoint=_endpoint(info, endpoint_id), secret=made.secret)

        return await run_command(rotate)

    @strawberry.mutation(description="Stop sending to an endpoint (pending deliveries cancel).")
    async def disable_webhook_endpoint(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> WebhookEndpointResult:
        return await _on_endpoint(info, id, info.context.niaga.webhooks.disable)

    @strawberry.mutation(description="Send to an endpoint again (replay what it missed).")
    async def enable_webhook_endpoint(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> WebhookEndpointResult:
        return await _on_endpoint(info, id, info.context.niaga.webhooks.enable)

    @strawberry.mutation(description="Remove an endpoint for good.")
    async def delete_webhook_endpoint(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> WebhookDeleteResult:
        niaga, who = info.context.niaga, info.context.principal
        try:
            endpoint_id = parse_id(id, "id")
        except GraphQLError as error:
            return _bad_id(error, "id")

        def delete() -> WebhookEndpointDeleted:
            niaga.webhooks.delete(who, endpoint_id)
            return WebhookEndpointDeleted(id=id)

        return await run_command(delete)

    @strawberry.mutation(description="Send a delivery again now, on a fresh retry schedule.")
    async def redeliver_webhook(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> WebhookRedeliveryResult:
        niaga, who = info.context.niaga, info.context.principal
        try:
            delivery_id = parse_id(id, "id")
        except GraphQLError as error:
            return _bad_id(error, "id")

        def redeliver() -> WebhookRedeliverySuccess:
            niaga.webhooks.redeliver(who, delivery_id)
            return WebhookRedeliverySuccess(delivery_id=id)

        return await run_command(redeliver)

    @strawberry.mutation(
        description="Send every event after a log position, or since an ISO 8601 time, to one "
        "endpoint again."
    )
    async def replay_webhook_events(
        self,
        info: NiagaInfo,
        endpoint_id: strawberry.ID,
        after_position: int | None = None,
        since: str | None = None,
    ) -> WebhookReplayResult:
        niaga, who = info.context.niaga, info.context.principal
        try:
            endpoint = parse_id(endpoint_id, "endpointId")
        except GraphQLError as error:
            return _bad_id(error, "endpointId")

        def replay() -> WebhookReplaySuccess:
            done = niaga.webhooks.replay(who, ReplayWebhookEvents(endpoint, after_position, since))
            return WebhookReplaySuccess(
                replay_id=done.id,
                from_position=done.from_position,
                to_position=done.to_position,
                scheduled=done.scheduled,
            )

        return await run_command(replay)
