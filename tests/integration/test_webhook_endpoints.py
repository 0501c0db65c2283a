"""Managing webhook endpoints and replaying the log to one: bad input is refused with a clear
error and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from adapters.bootstrap import Niaga, webhook_targets
from adapters.integrations.read_models import PostgresEventLogReader
from adapters.integrations.sender import SocketResolver
from adapters.shared.settings import Environment, Settings
from application.integrations.ports import DeliveryFilter
from application.integrations.webhook_targets import TargetPolicy, TargetRefused
from application.integrations.webhooks import (
    CreateWebhookEndpoint,
    ReplayWebhookEvents,
    UpdateWebhookEndpoint,
    WebhookService,
)
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound, PermissionDenied
from application.shared.ports import Placement
from domain.integrations.webhook import WebhookRefused
from domain.shared.errors import InvalidValue
from domain.shared.roles import Role
from tests.conftest import principal_for
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.integration.webhooks import (
    deliveries,
    register,
    step,
    synchronous_dispatcher,
    verified,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"niaga_webhooks_allow_private": True})


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


def _service(niaga: Niaga, policy: TargetPolicy) -> WebhookService:
    """The container's service, but with another operator policy for targets."""
    return WebhookService(
        niaga.stores,
        niaga.projections,
        PostgresEventLogReader(niaga.stores),
        niaga.secrets,
        policy,
        niaga.clock,
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/hooks",
        "http://localhost/hooks",
        "http://10.1.2.3/hooks",
        "http://192.168.88.1/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hooks",
        "http://[::ffff:10.0.0.1]/hooks",
    ],
)
def test_targets_in_private_ranges_are_refused_unless_allowed(
    niaga: Niaga, owner: Principal, url: str
) -> None:
    guarded = _service(niaga, TargetPolicy(SocketResolver()))
    with pytest.raises(TargetRefused, match="private, loopback or link-local"):
        guarded.create(owner, CreateWebhookEndpoint(url, []))
    assert niaga.webhook_queries.endpoints(owner) == []


def test_production_refuses_plain_http(niaga: Niaga, owner: Principal, settings: Settings) -> None:
    in_production = settings.model_copy(update={"niaga_env": Environment.PRODUCTION})
    production = _service(niaga, webhook_targets(in_production))
    with pytest.raises(TargetRefused, match="https"):
        production.create(owner, CreateWebhookEndpoint("http://hooks.example.com/in", []))
    assert niaga.webhook_queries.endpoints(owner) == []


def test_paging_through_deliveries_newest_first(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    for name, phone in [("Budi", "081234567890"), ("Siti", "081298765432"), ("Agus", "0857111")]:
        register(niaga, owner, name, phone + "0" * (12 - len(phone)))
    endpoint = niaga.webhooks.create(owner, CreateWebhookEndpoint(receiver.url, [])).endpoint_id
    niaga.webhooks.replay(owner, ReplayWebhookEvents(endpoint, 0))
    niaga.projections.catch_up_all()
    where = DeliveryFilter(endpoint_id=endpoint, status="pending")
    first = niaga.webhook_queries.deliveries(owner, where, 2, None)
    assert (len(first.items), first.has_next_page, first.total_count) == (2, True, 3)
    rest = niaga.webhook_queries.deliveries(owner, where, 2, first.end_cursor)
    assert (len(rest.items), rest.has_next_page) == (1, False)
    seen = [d.id for d in first.items + rest.items]
    assert len(set(seen)) == 3
    created = [d.created_at for d in first.items + rest.items]
    assert created == sorted(created, reverse=True)


def test_a_host_that_does_not_resolve_is_refused(niaga: Niaga, owner: Principal) -> None:
    guarded = _service(niaga, TargetPolicy(SocketResolver()))
    with pytest.raises(TargetRefused, match="does not resolve"):
        guarded.create(owner, CreateWebhookEndpoint("https://no-such-host.invalid/in", []))


def test_an_unknown_event_type_is_refused_naming_the_known_ones(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    with pytest.raises(ApplicationError) as refused:
        niaga.webhooks.create(
            owner, CreateWebhookEndpoint(receiver.url, ["invoice.paid", "invoice.exploded"])
        )
    assert "invoice.exploded" in refused.value.message
    assert "invoice.issued" in refused.value.message
    assert "payment.received" in refused.value.message
    assert niaga.webhook_queries.endpoints(owner) == []


@pytest.mark.parametrize("url", ["ftp://example.com/x", "not a url", "https://u:p@example.com/"])
def test_malformed_urls_are_refused(niaga: Niaga, owner: Principal, url: str) -> None:
    with pytest.raises(InvalidValue):
        niaga.webhooks.create(owner, CreateWebhookEndpoint(url, []))
    assert niaga.webhook_queries.endpoints(owner) == []


def test_an_update_with_an_unknown_type_changes_nothing(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    niaga.webhooks.create(owner, CreateWebhookEndpoint(receiver.url, ["invoice.paid"]))
    (before,) = niaga.webhook_queries.endpoints(owner)
    with pytest.raises(ApplicationError, match="unknown event type"):
        niaga.webhooks.update(owner, UpdateWebhookEndpoint(before.id, event_types=["nope"]))
    assert niaga.webhook_queries.endpoints(owner) == [before]

    niaga.webhooks.update(
        owner, UpdateWebhookEndpoint(before.id, event_types=["invoice.issued", "invoice.paid"])
    )
    (after,) = niaga.webhook_queries.endpoints(owner)
    assert after.event_types == ["invoice.issued", "invoice.paid"]


def test_only_owners_and_admins_manage_endpoints(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    staff = principal_for(owner.tenant_id, Role.STAFF)
    with pytest.raises(PermissionDenied):
        niaga.webhooks.create(staff, CreateWebhookEndpoint(receiver.url, []))


def test_another_tenants_endpoint_is_not_found(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    endpoint = niaga.webhooks.create(owner, CreateWebhookEndpoint(receiver.url, [])).endpoint_id
    other = principal_for(niaga.tenants.create("Lain", Placement.SHARED))
    with pytest.raises(NotFound):
        niaga.webhooks.disable(other, endpoint)


def test_disable_enable_and_delete(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    endpoint = niaga.webhooks.create(owner, CreateWebhookEndpoint(receiver.url, [])).endpoint_id
    niaga.webhooks.disable(owner, endpoint)
    assert [(e.enabled, e.disabled_reason) for e in niaga.webhook_queries.endpoints(owner)] == [
        (False, "manual")
    ]
    niaga.webhooks.enable(owner, endpoint)
    assert [e.enabled for e in niaga.webhook_queries.endpoints(owner)] == [True]
    niaga.webhooks.delete(owner, endpoint)
    assert niaga.webhook_queries.endpoints(owner) == []
    with pytest.raises(NotFound):
        niaga.webhooks.enable(owner, endpoint)


def test_replay_from_a_position_sends_the_history_to_a_new_endpoint(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    customers = [
        register(niaga, owner, name, phone)
        for name, phone in [("Budi", "081234567890"), ("Siti", "081298765432")]
    ]
    created = niaga.webhooks.create(owner, CreateWebhookEndpoint(receiver.url, []))
    dispatcher = synchronous_dispatcher(niaga)
    step(niaga, dispatcher)
    assert receiver.received == [], "history is not sent without a replay"

    replay = niaga.webhooks.replay(owner, ReplayWebhookEvents(created.endpoint_id, 0))
    assert replay.scheduled == 2
    niaga.projections.catch_up_all()
    step(niaga, dispatcher)
    got = [verified(created.secret, r)["data"]["customer_id"] for r in receiver.received]
    assert sorted(got) == sorted(str(c) for c in customers)  # sent concurrently: any order

    # A second replay is a new batch: sent again.
    again = niaga.webhooks.replay(owner, ReplayWebhookEvents(created.endpoint_id, 0))
    assert again.scheduled == 2
    assert again.id != replay.id


def test_replay_from_a_time_starts_at_the_first_event_since(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    register(niaga, owner, "Budi", "081234567890")
    since = datetime.now(UTC)
    later = register(niaga, owner, "Siti", "081298765432")
    created = niaga.webhooks.create(owner, CreateWebhookEndpoint(receiver.url, []))
    replay = niaga.webhooks.replay(
        owner, ReplayWebhookEvents(created.endpoint_id, since=since.isoformat())
    )
    assert replay.scheduled == 1
    niaga.projections.catch_up_all()
    step(niaga, synchronous_dispatcher(niaga))
    (request,) = receiver.received
    assert verified(created.secret, request)["data"]["customer_id"] == str(later)

    future = (since + timedelta(days=1)).isoformat()
    none = niaga.webhooks.replay(owner, ReplayWebhookEvents(created.endpoint_id, since=future))
    assert none.scheduled == 0


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ({"after_position": 10**9}, "beyond the log"),
        ({"after_position": -1}, "0 or more"),
        ({"since": "yesterday"}, "ISO 8601"),
        ({"since": "2026-01-05T10:00:00"}, "time zone"),
        ({}, "either a position or a time"),
        ({"after_position": 0, "since": "2026-01-05T10:00:00Z"}, "either a position or a time"),
    ],
)
def test_bad_replays_are_refused_and_schedule_nothing(
    niaga: Niaga,
    owner: Principal,
    receiver: WebhookReceiver,
    command: dict[str, object],
    message: str,
) -> None:
    register(niaga, owner, "Budi", "081234567890")
    endpoint = niaga.webhooks.create(owner, CreateWebhookEndpoint(receiver.url, [])).endpoint_id
    with pytest.raises(ApplicationError, match=message):
        niaga.webhooks.replay(owner, ReplayWebhookEvents(endpoint, **command))  # type: ignore[arg-type]
    niaga.projections.catch_up_all()
    assert deliveries(niaga, owner) == []


def test_a_disabled_endpoint_gets_no_replay(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver
) -> None:
    endpoint = niaga.webhooks.create(owner, CreateWebhookEndpoint(receiver.url, [])).endpoint_id
    niaga.webhooks.disable(owner, endpoint)
    with pytest.raises(WebhookRefused, match="disabled"):
        niaga.webhooks.replay(owner, ReplayWebhookEvents(endpoint, 0))


def test_delivery_filters_are_checked(niaga: Niaga, owner: Principal) -> None:
    with pytest.raises(ApplicationError, match="unknown status"):
        niaga.webhook_queries.deliveries(owner, DeliveryFilter(status="lost"), 10, None)
    with pytest.raises(ApplicationError, match="unknown event type"):
        niaga.webhook_queries.deliveries(owner, DeliveryFilter(event_type="x.y"), 10, None)
    with pytest.raises(ApplicationError, match="malformed cursor"):
        niaga.webhook_queries.deliveries(owner, DeliveryFilter(endpoint_id=uuid4()), 10, "zzz")
