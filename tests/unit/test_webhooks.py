"""Webhook rules without I/O: retry schedule, secret overlap, target ranges, signatures (checked
against the `standardwebhooks` reference implementation), event-type filters, token buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from standardwebhooks import Webhook

from api.shared.rate_limit import TokenBuckets, retry_after
from application.integrations.public_events import CATALOGUE, validate_types
from application.integrations.webhook_signing import headers, new_secret, signature
from application.integrations.webhook_targets import is_public
from application.shared.errors import ApplicationError
from domain.integrations.webhook import WebhookEndpoint, WebhookRefused
from domain.integrations.webhook_delivery import RETRY_SCHEDULE, WebhookDelivery
from domain.shared.errors import InvalidValue

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _delivery() -> WebhookDelivery:
    return WebhookDelivery.schedule(
        uuid4(), uuid4(), uuid4(), "evt_1", "invoice.paid", 7, "{}", NOW
    )


def _fail(delivery: WebhookDelivery, at: datetime) -> None:
    delivery.record_failure(at, 503, 12, "sibuk", None, jitter=1.0)


def test_failures_are_retried_on_the_schedule_then_given_up() -> None:
    delivery = _delivery()
    at = NOW
    for delay in RETRY_SCHEDULE:
        _fail(delivery, at)
        assert delivery.due_at == at + delay
        at = delivery.due_at
    _fail(delivery, at)
    assert delivery.gave_up
    assert delivery.due_at is None
    assert delivery.attempts == len(RETRY_SCHEDULE) + 1
    assert delivery.first_attempt_at == NOW


def test_a_redelivery_starts_a_fresh_schedule() -> None:
    delivery = _delivery()
    for _ in range(len(RETRY_SCHEDULE) + 1):
        _fail(delivery, NOW)
    delivery.requeue(NOW)
    assert delivery.is_due(NOW)
    _fail(delivery, NOW)
    assert delivery.due_at == NOW + RETRY_SCHEDULE[0]


def test_a_delivered_message_records_its_outcome_and_is_no_longer_due() -> None:
    delivery = _delivery()
    delivery.record_success(NOW, 204, 30, "")
    events = delivery.collect_events()
    assert [type(e).__name__ for e in events] == ["Scheduled", "Delivered"]
    assert not delivery.is_due(NOW + timedelta(days=1))


def test_a_rotated_secret_signs_beside_the_new_one_until_the_overlap_ends() -> None:
    endpoint = WebhookEndpoint.create(uuid4(), "https://erp.example.com/in", [], "old")
    endpoint.rotate_secret("new", NOW, timedelta(hours=2))
    assert endpoint.signing_secrets(NOW + timedelta(hours=1)) == ["new", "old"]
    assert endpoint.signing_secrets(NOW + timedelta(hours=2)) == ["new"]
    with pytest.raises(InvalidValue):
        endpoint.rotate_secret("newer", NOW, timedelta(days=30))


def test_a_deleted_endpoint_refuses_changes() -> None:
    endpoint = WebhookEndpoint.create(uuid4(), "https://erp.example.com/in", [], "s")
    endpoint.delete()
    with pytest.raises(WebhookRefused):
        endpoint.update("https://other.example.com/", None, None)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.88.1", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),  # carrier-grade NAT, common behind Indonesian ISPs
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:192.168.1.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
    ],
)
def test_only_public_addresses_are_targets(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_signatures_verify_with_the_reference_implementation() -> None:
    secret, other = new_secret(), new_secret()
    body = '{"type":"invoice.paid"}'
    timestamp = int(datetime.now(UTC).timestamp())
    signed = headers([secret, other], "evt_1", timestamp, body)
    assert Webhook(secret).verify(body, signed) == {"type": "invoice.paid"}
    assert Webhook(other).verify(body, signed) == {"type": "invoice.paid"}
    reference = Webhook(secret).sign("evt_1", datetime.fromtimestamp(timestamp, UTC), body)
    assert signature(secret, "evt_1", timestamp, body) == reference


def test_unknown_event_types_are_refused_naming_the_known() -> None:
    with pytest.raises(ApplicationError) as refused:
        validate_types(["invoice.paid", "voucher.exploded"])
    assert "voucher.exploded" in refused.value.message
    assert all(t.name in refused.value.message for t in CATALOGUE)
    assert validate_types(["invoice.paid", "invoice.paid"]) == ["invoice.paid"]


def test_public_type_names_are_unique_and_dotted() -> None:
    names = [t.name for t in CATALOGUE]
    assert len(names) == len(set(names))
    assert all(n.count(".") == 1 and n == n.lower() for n in names)


def test_a_token_bucket_allows_a_burst_then_the_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=2.0, burst=3, clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = buckets.take("a")
    assert wait == pytest.approx(0.5)
    assert retry_after(wait) == "1"
    assert buckets.take("b") == 0.0
    now[0] = 0.5
    assert buckets.take("a") == 0.0
