"""Webhook use-cases: a tenant's endpoints (create, change, rotate the secret, disable, enable,
delete), manual redelivery and replay of the log to one endpoint. The read side is
`application.integrations.queries`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from application.integrations.ports import EventLogReader, WebhookEndpointView
from application.integrations.public_events import SOURCE_TOPICS, validate_types
from application.integrations.webhook_delivery import deliveries_for, messages_for, save_new
from application.integrations.webhook_signing import new_secret
from application.integrations.webhook_targets import TargetPolicy
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.secrets import SecretBox
from application.shared.unit_of_work import Saver, load
from domain.integrations.webhook import WebhookEndpoint, WebhookRefused
from domain.integrations.webhook_delivery import WebhookDelivery

DEFAULT_OVERLAP = timedelta(hours=24)
REPLAY_PAGE = 500


@dataclass(frozen=True)
class CreateWebhookEndpoint:
    url: str
    event_types: list[str]
    description: str | None = None


@dataclass(frozen=True)
class UpdateWebhookEndpoint:
    endpoint_id: UUID
    url: str | None = None
    event_types: list[str] | None = None
    description: str | None = None


@dataclass(frozen=True)
class ReplayWebhookEvents:
    """From a log position (exclusive) or from a time (ISO 8601 with a zone), not both."""

    endpoint_id: UUID
    after_position: int | None = None
    since: str | None = None


@dataclass(frozen=True)
class Replay:
    id: str
    from_position: int
    to_position: int
    scheduled: int


@dataclass(frozen=True)
class NewSecret:
    endpoint_id: UUID
    secret: str  # shown once; only its sealed form is stored


class WebhookService:
    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        log: EventLogReader,
        secrets: SecretBox,
        policy: TargetPolicy,
        clock: Clock,
    ) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._log = log
        self._secrets = secrets
        self._policy = policy
        self._clock = clock

    # -- endpoints -------------------------------------------------------------------------

    def create(self, principal: Principal, command: CreateWebhookEndpoint) -> NewSecret:
        authorize(principal, Permission.MANAGE_WEBHOOKS)
        event_types = validate_types(command.event_types)
        url = self._policy.check(command.url)
        secret = new_secret()
        endpoint = WebhookEndpoint.create(
            principal.tenant_id,
            url,
            event_types,
            self._secrets.seal(secret),
            command.description,
        )
        self._save(principal, "CreateWebhookEndpoint", endpoint)
        return NewSecret(endpoint.id, secret)

    def update(self, principal: Principal, command: UpdateWebhookEndpoint) -> None:
        authorize(principal, Permission.MANAGE_WEBHOOKS)
        event_types = (
            validate_types(command.event_types) if command.event_types is not None else None
        )
        url = self._policy.check(command.url) if command.url is not None else None
        endpoint = self._endpoint(principal, command.endpoint_id)
        endpoint.update(url, event_types, command.description)
        self._save(principal, "UpdateWebhookEndpoint", endpoint)

    def rotate_secret(
        self, principal: Principal, endpoint_id: UUID, overlap: timedelta = DEFAULT_OVERLAP
    ) -> NewSecret:
        """A new secret signs from now on; the old one signs too until the overlap ends."""
        authorize(principal, Permission.MANAGE_WEBHOOKS)
        endpoint = self._endpoint(principal, endpoint_id)
        secret = new_secret()
        endpoint.rotate_secret(self._secrets.seal(secret), self._clock.now(), overlap)
        self._save(principal, "RotateWebhookSecret", endpoint)
        return NewSecret(endpoint.id, secret)

    def disable(self, principal: Principal, endpoint_id: UUID) -> None:
        authorize(principal, Permission.MANAGE_WEBHOOKS)
        endpoint = self._endpoint(principal, endpoint_id)
        endpoint.disable("manual")
        self._save(principal, "DisableWebhookEndpoint", endpoint)

    def enable(self, principal: Principal, endpoint_id: UUID) -> None:
        authorize(principal, Permission.MANAGE_WEBHOOKS)
        endpoint = self._endpoint(principal, endpoint_id)
        endpoint.enable()
        self._save(principal, "EnableWebhookEndpoint", endpoint)

    def delete(self, principal: Principal, endpoint_id: UUID) -> None:
        authorize(principal, Permission.MANAGE_WEBHOOKS)
        endpoint = self._endpoint(principal, endpoint_id)
        endpoint.delete()
        self._save(principal, "DeleteWebhookEndpoint", endpoint)

    # -- deliveries ------------------------------------------------------------------------

    def redeliver(self, principal: Principal, delivery_id: UUID) -> None:
        """Send a delivery again now, on a fresh retry schedule."""
        authorize(principal, Permission.MANAGE_WEBHOOKS)
        store = self._store(principal)
        delivery = load(store, WebhookDelivery, delivery_id, principal.tenant_id, "delivery")
        self._sendable(self._endpoint(principal, delivery.endpoint_id))
        delivery.requeue(self._clock.now())
        self._save(principal, "RedeliverWebhook", delivery)

    def replay(self, principal: Principal, command: ReplayWebhookEvents) -> Replay:
        """Schedule every public event of the tenant after a position (or since a time) for
        one endpoint, up to the head of the log as it is now."""
        authorize(principal, Permission.MANAGE_WEBHOOKS)
        store = self._store(principal)
        endpoint = self._sendable(self._endpoint(principal, command.endpoint_id))
        head = self._log.head(store)
        start = self._start(store, command, head)
        replay_id = f"replay_{uuid.uuid4().hex[:12]}"
        view = _view_of(endpoint)
        scheduled, position = 0, start
        tenant = str(endpoint.tenant_id)
        while position < head:
            page = self._log.read(store, position, REPLAY_PAGE, SOURCE_TOPICS)
            mine = [r for r in page if r.position <= head and r.meta.tenant_id == tenant]
            deliveries = deliveries_for(
                messages_for(store, mine), [view], self._clock.now(), replay_id
            )
            scheduled += save_new(store, deliveries, "ReplayWebhookEvents")
            position = page[-1].position if len(page) == REPLAY_PAGE else head
        return Replay(replay_id, start, head, scheduled)

    # -- plumbing --------------------------------------------------------------------------

    def _start(self, store: EventStore, command: ReplayWebhookEvents, head: int) -> int:
        if (command.after_position is None) == (command.since is None):
            raise ApplicationError("give either a position or a time to replay from", field="from")
        if command.since is not None:
            return self._log.position_at(store, parse_time(command.since, "since"))
        position = command.after_position or 0
        if position < 0:
            raise ApplicationError("the position must be 0 or more", field="position")
        if position > head:
            raise ApplicationError(
                f"position {position} is beyond the log (its last position is {head})",
                field="position",
            )
        return position

    def _endpoint(self, principal: Principal, endpoint_id: UUID) -> WebhookEndpoint:
        endpoint = load(
            self._store(principal),
            WebhookEndpoint,
            endpoint_id,
            principal.tenant_id,
            "webhook endpoint",
        )
        if endpoint.deleted:
            raise NotFound(f"no webhook endpoint {endpoint_id}", field="id")
        return endpoint

    @staticmethod
    def _sendable(endpoint: WebhookEndpoint) -> WebhookEndpoint:
        if not endpoint.enabled:
            raise WebhookRefused("the endpoint is disabled; enable it first", field="id")
        return endpoint

    def _save(self, principal: Principal, command: str, *objs: object) -> None:
        self._saver.save(self._store(principal), principal, command, *objs)

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)


def parse_time(raw: str, field: str) -> datetime:
    """An ISO 8601 instant with its zone (2026-01-05T10:00:00+07:00), or a clear error."""
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except (ValueError, AttributeError):
        raise ApplicationError(
            f"{field} must be an ISO 8601 time such as 2026-01-05T10:00:00+07:00, got {raw!r}",
            field=field,
        ) from None
    if parsed.tzinfo is None:
        raise ApplicationError(
            f"{field} must say its time zone (e.g. +07:00 or Z), got {raw!r}", field=field
        )
    return parsed


def _view_of(endpoint: WebhookEndpoint) -> WebhookEndpointView:
    return WebhookEndpointView(
        id=endpoint.id,
        tenant_id=endpoint.tenant_id,
        url=endpoint.url,
        event_types=list(endpoint.event_types),
        description=endpoint.description,
        enabled=endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        secret_rotated_at=None,
        created_at=endpoint.created_on,
        updated_at=endpoint.modified_on,
    )
