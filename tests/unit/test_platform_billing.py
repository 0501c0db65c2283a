"""The platform's own billing, without I/O: plans from settings, a tenant's platform
subscription through dunning, meter reports, the usage an event records, and the Stripe
webhook signature."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from adapters.platform.stripe_billing import StripeWebhookVerifier, metered_terms
from application.platform.billing_ports import WebhookRefused
from domain.ai.usage import AiUsage
from domain.platform.metering import MeterReport, identifier_for, report_id
from domain.platform.plans import DEFAULT_PLANS, Meter, Tier, UsagePrice, find_plan, plans_from
from domain.platform.subscription import PlatformSubscription, PlatformSubscriptionRefused
from domain.shared.errors import InvalidValue
from domain.shared.recorded import EventMeta, RecordedEvent
from projections.platform.platform_billing import usages_in
from tests.fakes.stripe_fake import decode_form, signed_event

SECRET = "whsec_unit"


def _plan(**changes: Any) -> dict[str, Any]:
    return {**DEFAULT_PLANS[0], **changes}


def test_the_built_in_plans_price_every_tier_and_meter() -> None:
    plans = plans_from(DEFAULT_PLANS)
    starter = find_plan(plans, "starter")
    assert starter.monthly_for(Tier.DATABASE) == 1_500_000
    assert {price.meter for price in starter.usage} == set(Meter)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "Gold Plan"}, "code"),
        ({"monthly": {"shared": 1, "schema": 2}}, "monthly"),
        ({"monthly": {"shared": -1, "schema": 2, "database": 3}}, "monthly.shared"),
        ({"usage": [{"meter": "sms", "rupiah": 1}]}, "meter"),
        ({"usage": [{"meter": "ai_tokens", "rupiah": 1, "per": 0}]}, "per"),
        ({"name": "bad\x00name"}, "name"),
    ],
)
def test_a_plan_with_a_bad_value_is_refused_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        plans_from([_plan(**changes)])
    assert refused.value.field == field


def test_an_unknown_plan_is_refused_with_the_known_ones() -> None:
    with pytest.raises(InvalidValue, match="starter, growth") as refused:
        find_plan(plans_from(DEFAULT_PLANS), "gold")
    assert refused.value.field == "plan"


def _subscription() -> PlatformSubscription:
    return PlatformSubscription.start(uuid4(), "starter", Tier.SHARED, "cus_1", "sub_1")


def test_the_third_failed_payment_in_a_row_reaches_the_lock() -> None:
    subscription = _subscription()
    reached = [subscription.payment_failed("in_1", f"evt_{n}") for n in range(4)]
    assert reached == [False, False, True, False]
    assert subscription.locks


def test_a_paid_invoice_starts_the_count_again() -> None:
    subscription = _subscription()
    subscription.payment_failed("in_1", "evt_1")
    subscription.payment_failed("in_1", "evt_2")
    subscription.paid("in_1", "evt_3")
    assert not subscription.payment_failed("in_2", "evt_4")
    assert subscription.failures == 1


def test_changing_to_the_plan_and_tier_it_is_on_is_refused() -> None:
    subscription = _subscription()
    with pytest.raises(PlatformSubscriptionRefused):
        subscription.change_plan("starter", Tier.SHARED)
    subscription.change_plan("starter", Tier.SCHEMA)  # a move to another tier re-prices
    assert subscription.tier is Tier.SCHEMA


def test_a_subscription_without_a_stripe_id_is_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        PlatformSubscription.start(uuid4(), "starter", Tier.SHARED, "", "sub_1")
    assert refused.value.field == "customer_id"


def test_a_meter_report_finishes_once_reported_and_keeps_its_identifiers_id() -> None:
    identifier = identifier_for(Meter.AI_TOKENS, uuid4(), 3)
    report = MeterReport.start(uuid4(), Meter.AI_TOKENS, identifier, 1200)
    report.failed("Stripe is unavailable")
    report.reported()
    assert (report.finished, report.attempts, report.id) == (True, 2, report_id(identifier))
    assert len(identifier) <= 100


def _recorded(event: Any) -> RecordedEvent:
    return RecordedEvent(1, event, EventMeta(None, "system", "Test", "", ""))


class _Answered:
    """An AI outcome event as the metered events carry it (only what is read)."""

    def __init__(self, *usages: AiUsage) -> None:
        self.ai_usages = usages
        self.originator_id = uuid4()
        self.originator_version = 4
        self.timestamp = datetime(2026, 1, 5, tzinfo=UTC)


def _usage(tenant: Any, tokens: int) -> AiUsage:
    return AiUsage(tenant, "kb", "gemini", None, tokens, tokens, 0, 10, "ok")


def test_an_ai_outcome_is_metered_as_its_tokens_and_an_ai_call_without_tokens_is_not() -> None:
    tenant = uuid4()
    event = _Answered(_usage(tenant, 100), _usage(tenant, 50))
    (usage,) = usages_in(_recorded(event))
    assert (usage.tenant_id, usage.meter, usage.value) == (tenant, Meter.AI_TOKENS, 300)
    assert usage.identifier == identifier_for(Meter.AI_TOKENS, event.originator_id, 4)
    assert list(usages_in(_recorded(_Answered(_usage(tenant, 0))))) == []


def test_usage_beyond_what_is_included_is_priced_in_sen_per_unit() -> None:
    terms = metered_terms(UsagePrice(Meter.AI_TOKENS, 1000, 20, per=1000), "mtr_1")
    assert terms["tiers"] == [
        {"up_to": 1000, "unit_amount": 0},
        {"up_to": "inf", "unit_amount_decimal": "2"},
    ]
    thirds = metered_terms(UsagePrice(Meter.WHATSAPP_MESSAGES, 0, 1, per=3), "mtr_2")
    assert thirds["unit_amount_decimal"] == "33.333333333333"


def test_a_webhook_signed_with_the_secret_within_five_minutes_is_verified() -> None:
    body, header = signed_event(SECRET, "invoice.paid", {"id": "in_1", "customer": "cus_1"})
    event = StripeWebhookVerifier(SECRET).verify(body, header)
    assert (event.type, event.data["customer"]) == ("invoice.paid", "cus_1")
    assert event.id == json.loads(body)["id"]


@pytest.mark.parametrize(
    ("secret", "age"),
    [("whsec_other", 0), (SECRET, 301)],
    ids=["forged", "stale"],
)
def test_a_forged_or_stale_webhook_is_refused(secret: str, age: int) -> None:
    body, header = signed_event(secret, "invoice.paid", {}, at=int(time.time()) - age)
    with pytest.raises(WebhookRefused):
        StripeWebhookVerifier(SECRET).verify(body, header)


def test_the_fake_reads_stripes_nested_form_encoding() -> None:
    pairs = [("items[0][price]", "p1"), ("items[1][price]", "p2"), ("metadata[a]", "b")]
    assert decode_form(pairs) == {
        "items": [{"price": "p1"}, {"price": "p2"}],
        "metadata": {"a": "b"},
    }
