"""Outbound webhooks in GraphQL: endpoints, deliveries, redelivery and replay. A signing secret
is shown once, when it is made; it is never read back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import strawberry

from adapters.bootstrap import Services
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
from api.graphql.shared.parsing import parse_id
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
from domain.shared.errors import InvalidValue

MAX_OVERLAP_HOURS = 7 * 24


def _endpoint(services: Services, who: Principal, endpoint_id: UUID) -> WebhookEndpoint:
    return WebhookEndpoint.from_view(services.webhook_queries.endpoint(who, endpoint_id))


def _overlap(hours: int) -> timedelta:
    if not 0 <= hours <= MAX_OVERLAP_HOURS:
        raise InvalidValue(f"overlapHours must be 0-{MAX_OVERLAP_HOURS}", field="overlapHours")
    return timedelta(hours=hours)


async def _on_endpoint(
    info: NiagaInfo, raw_id: str, change: Callable[[Principal, UUID], object]
) -> Any:
    """Parse the id, run the change, answer with the endpoint as it is now."""
    services, who = info.context.services, info.context.principal

    def run() -> WebhookEndpointSuccess:
        endpoint_id = parse_id(raw_id, "id")
        change(who, endpoint_id)
        return WebhookEndpointSuccess(endpoint=_endpoint(services, who, endpoint_id))

    return await run_command(run)


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Your tenant's webhook endpoints (secrets are never returned).")
    async def webhook_endpoints(self, info: NiagaInfo) -> list[WebhookEndpoint]:
        services, who = info.context.services, info.context.principal
        views = await query(lambda: services.webhook_queries.endpoints(who))
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
        services, who = info.context.services, info.context.principal

        def read() -> WebhookDeliveryConnection:
            endpoint = parse_id(endpoint_id, "endpointId") if endpoint_id else None
            where = DeliveryFilter(endpoint, status, event_type)
            page = services.webhook_queries.deliveries(who, where, first, after)
            return WebhookDeliveryConnection(
                **connection_parts(page, WebhookDelivery.from_view, WebhookDeliveryEdge)
            )

        return await query(read)

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
        services, who = info.context.services, info.context.principal
        command = CreateWebhookEndpoint(input.url, list(input.event_types), input.description)

        def create() -> WebhookSecretSuccess:
            made = services.webhooks.create(who, command)
            endpoint = _endpoint(services, who, made.endpoint_id)
            return WebhookSecretSuccess(endpoint=endpoint, secret=made.secret)

        return await run_command(create)

    @strawberry.mutation(description="Change an endpoint's URL, event types or description.")
    async def update_webhook_endpoint(
        self, info: NiagaInfo, input: UpdateWebhookEndpointInput
    ) -> WebhookEndpointResult:
        services = info.context.services

        def update(who: Principal, endpoint_id: UUID) -> None:
            services.webhooks.update(
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
        services, who = info.context.services, info.context.principal

        def rotate() -> WebhookSecretSuccess:
            endpoint_id = parse_id(id, "id")
            made = services.webhooks.rotate_secret(who, endpoint_id, _overlap(overlap_hours))
            endpoint = _endpoint(services, who, endpoint_id)
            return WebhookSecretSuccess(endpoint=endpoint, secret=made.secret)

        return await run_command(rotate)

    @strawberry.mutation(description="Stop sending to an endpoint (pending deliveries cancel).")
    async def disable_webhook_endpoint(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> WebhookEndpointResult:
        return await _on_endpoint(info, id, info.context.services.webhooks.disable)

    @strawberry.mutation(description="Send to an endpoint again (replay what it missed).")
    async def enable_webhook_endpoint(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> WebhookEndpointResult:
        return await _on_endpoint(info, id, info.context.services.webhooks.enable)

    @strawberry.mutation(description="Remove an endpoint for good.")
    async def delete_webhook_endpoint(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> WebhookDeleteResult:
        services, who = info.context.services, info.context.principal

        def delete() -> WebhookEndpointDeleted:
            services.webhooks.delete(who, parse_id(id, "id"))
            return WebhookEndpointDeleted(id=id)

        return await run_command(delete)

    @strawberry.mutation(description="Send a delivery again now, on a fresh retry schedule.")
    async def redeliver_webhook(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> WebhookRedeliveryResult:
        services, who = info.context.services, info.context.principal

        def redeliver() -> WebhookRedeliverySuccess:
            services.webhooks.redeliver(who, parse_id(id, "id"))
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
        services, who = info.context.services, info.context.principal

        def replay() -> WebhookReplaySuccess:
            endpoint = parse_id(endpoint_id, "endpointId")
            done = services.webhooks.replay(
                who, ReplayWebhookEvents(endpoint, after_position, since)
            )
            return WebhookReplaySuccess(
                replay_id=done.id,
                from_position=done.from_position,
                to_position=done.to_position,
                scheduled=done.scheduled,
            )

        return await run_command(replay)
