"""Stripe through its official client (`stripe.StripeClient`): plans as Products and Prices,
tenants as Customers and Subscriptions, usage as Billing Meter events, and the verification of
its webhooks.

Idempotent by construction: a Product's id is ours (`niaga_plan_<code>`), a Price is found by
its lookup key and carries its terms in metadata (a changed amount makes a new Price that takes
over the lookup key), a Meter is found by its event name, and creating a Customer or a
Subscription sends an idempotency key derived from the tenant.

Stripe counts IDR in hundredths (sen); Niaga counts whole rupiah: amounts are converted here
and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NoReturn
from uuid import UUID

import stripe

from application.platform.billing_ports import (
    StripeEvent,
    StripeRefused,
    StripeSubscription,
    StripeUnavailable,
    SyncReport,
    WebhookRefused,
)
from domain.platform.plans import Meter, PlatformPlan, Tier, UsagePrice

CURRENCY = "idr"
SEN_PER_RUPIAH = 100
WEBHOOK_TOLERANCE = 300  # seconds
FIXED = "fixed"  # the `niaga_kind` of a plan's monthly price; metered prices carry their meter


def product_id(plan: PlatformPlan) -> str:
    return f"niaga_plan_{plan.code}"


def lookup_key(plan: PlatformPlan, kind: str) -> str:
    """`niaga_starter_shared` for a monthly price, `niaga_starter_ai_tokens` for a metered one."""
    return f"niaga_{plan.code}_{kind}"


class StripeBillingClient:
    """Implements StripeBilling on the official client."""

    def __init__(self, api_key: str, api_base: str | None = None, timeout: float = 20.0) -> None:
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=0,  # retries are the process manager's
            http_client=stripe.HTTPXClient(timeout=timeout, allow_sync_methods=True),
        )

    # -- plans -----------------------------------------------------------------------------------

    def sync_plans(self, plans: Sequence[PlatformPlan]) -> SyncReport:
        report = SyncReport()
        meters = self._meters(report)
        for plan in plans:
            self._product(plan, report)
            for tier in Tier:
                self._price(plan, tier.value, fixed_terms(plan, tier), report)
            for usage in plan.usage:
                terms = metered_terms(usage, meters[usage.meter])
                self._price(plan, usage.meter.value, terms, report)
        return report

    def _meters(self, report: SyncReport) -> dict[Meter, str]:
        found = {
            m["event_name"]: m["id"]
            for m in _plain(_call(lambda: self._client.v1.billing.meters.list({"limit": 100})))
            if m.get("status", "active") == "active"
        }
        meters = {}
        for meter in Meter:
            if meter.event_name in found:
                meters[meter] = found[meter.event_name]
                report.unchanged.append(f"meter {meter.event_name}")
                continue
            params: Any = _meter_params(meter)
            made = _call(lambda p=params: self._client.v1.billing.meters.create(p))
            meters[meter] = made["id"]
            report.created.append(f"meter {meter.event_name}")
        return meters

    def _product(self, plan: PlatformPlan, report: SyncReport) -> None:
        params: Any = {
            "name": plan.name,
            "metadata": {
                "niaga_plan": plan.code,
                **{f"limit_{k}": str(v) for k, v in plan.limits.items()},
            },
        }
        try:
            found = self._client.v1.products.retrieve(product_id(plan)).to_dict()
        except stripe.InvalidRequestError as error:
            if error.http_status != 404:
                _raise(error)
            created: Any = {"id": product_id(plan), **params}
            _call(lambda: self._client.v1.products.create(created))
            report.created.append(f"product {product_id(plan)}")
            return
        except stripe.StripeError as error:
            _raise(error)
        if found["name"] != plan.name or (found.get("metadata") or {}) != params["metadata"]:
            _call(lambda: self._client.v1.products.update(product_id(plan), params))
            report.created.append(f"product {product_id(plan)} (updated)")
        else:
            report.unchanged.append(f"product {product_id(plan)}")

    def _price(
        self, plan: PlatformPlan, kind: str, terms: dict[str, Any], report: SyncReport
    ) -> None:
        key = lookup_key(plan, kind)
        signature = json.dumps(terms, sort_keys=True)
        existing = self._prices([key]).get(key)
        if (
            existing is not None
            and (existing.get("metadata") or {}).get("niaga_terms") == signature
        ):
            report.unchanged.append(f"price {key}")
            return
        params = {
            **terms,
            "currency": CURRENCY,
            "product": product_id(plan),
            "lookup_key": key,
            "transfer_lookup_key": existing is not None,
            "metadata": {"niaga_plan": plan.code, "niaga_kind": kind, "niaga_terms": signature},
        }
        _call(lambda: self._client.v1.prices.create(params))  # type: ignore[arg-type]
        report.created.append(f"price {key}")

    def _prices(self, keys: list[str]) -> dict[str, Any]:
        listed = _call(
            lambda: self._client.v1.prices.list({"lookup_keys": keys, "active": True, "limit": 20})
        )
        return {p["lookup_key"]: p for p in _plain(listed)}

    # -- subscriptions ---------------------------------------------------------------------------

    def subscribe(
        self, tenant_id: UUID, tenant_name: str, plan: PlatformPlan, tier: Tier
    ) -> StripeSubscription:
        customer = _call(
            lambda: self._client.v1.customers.create(
                {"name": tenant_name[:256], "metadata": {"niaga_tenant": str(tenant_id)}},
                {"idempotency_key": f"niaga-customer-{tenant_id}"},
            )
        )
        prices = self._plan_prices(plan, tier)
        made = _call(
            lambda: self._client.v1.subscriptions.create(
                {
                    "customer": customer["id"],
                    "items": [{"price": price["id"]} for price in prices.values()],
                    "payment_behavior": "default_incomplete",
                    "metadata": {"niaga_tenant": str(tenant_id), "niaga_plan": plan.code},
                },
                {"idempotency_key": f"niaga-subscription-{tenant_id}"},
            )
        )
        return StripeSubscription(customer["id"], made["id"])

    def change_plan(self, subscription_id: str, plan: PlatformPlan, tier: Tier) -> None:
        wanted = self._plan_prices(plan, tier)
        current = _call(lambda: self._client.v1.subscriptions.retrieve(subscription_id)).to_dict()
        items: list[dict[str, Any]] = []
        for item in current["items"]["data"]:
            kind = (item["price"].get("metadata") or {}).get("niaga_kind", "")
            price = wanted.pop(kind, None)
            items.append({"id": item["id"], "price": price["id"]} if price else _removed(item))
        items.extend({"price": price["id"]} for price in wanted.values())
        update: Any = {
            "items": items,
            "proration_behavior": "create_prorations",
            "metadata": {"niaga_plan": plan.code},
        }
        _call(lambda: self._client.v1.subscriptions.update(subscription_id, update))

    def _plan_prices(self, plan: PlatformPlan, tier: Tier) -> dict[str, Any]:
        """The plan's prices for a tier, by kind (`fixed`, or the meter)."""
        kinds = {tier.value: FIXED, **{u.meter.value: u.meter.value for u in plan.usage}}
        found = self._prices([lookup_key(plan, kind) for kind in kinds])
        missing = [lookup_key(plan, k) for k in kinds if lookup_key(plan, k) not in found]
        if missing:
            raise StripeRefused(
                f"Stripe has no price {', '.join(missing)}: run `niaga platform plans sync`",
                field="plan",
            )
        return {kinds[k]: found[lookup_key(plan, k)] for k in kinds}

    # -- usage -----------------------------------------------------------------------------------

    def report_usage(
        self, meter: Meter, customer_id: str, value: int, identifier: str, occurred_at: datetime
    ) -> None:
        _call(
            lambda: self._client.v1.billing.meter_events.create(
                {
                    "event_name": meter.event_name,
                    "payload": {"stripe_customer_id": customer_id, "value": str(value)},
                    "identifier": identifier,
                    "timestamp": int(occurred_at.timestamp()),
                }
            )
        )


class StripeWebhookVerifier:
    """Checks the Stripe-Signature header with the endpoint's secret (`whsec_...`)."""

    def __init__(self, secret: str, tolerance: int = WEBHOOK_TOLERANCE) -> None:
        self._secret = secret
        self._tolerance = tolerance

    def verify(self, body: bytes, signature: str) -> StripeEvent:
        if not signature:
            raise WebhookRefused("no Stripe-Signature header", field="stripe-signature")
        try:
            event = stripe.Webhook.construct_event(
                body.decode("utf-8"), signature, self._secret, self._tolerance
            )
        except stripe.SignatureVerificationError as error:
            raise WebhookRefused(
                f"signature refused: {error.user_message or error}", field="stripe-signature"
            ) from None
        except (ValueError, UnicodeDecodeError):
            raise WebhookRefused("the body is not a JSON event", field="body") from None
        data = json.loads(body).get("data", {}).get("object", {})
        return StripeEvent(str(event.id), str(event.type), data if isinstance(data, dict) else {})


def fixed_terms(plan: PlatformPlan, tier: Tier) -> dict[str, Any]:
    return {
        "unit_amount": plan.monthly_for(tier) * SEN_PER_RUPIAH,
        "recurring": {"interval": "month", "usage_type": "licensed"},
        "nickname": f"{plan.name} ({tier.value})",
    }


def metered_terms(usage: UsagePrice, meter_id: str) -> dict[str, Any]:
    """A metered monthly price: the included units free, then `rupiah` per `per` units."""
    # Stripe takes at most 12 decimal places of a cent (here, of a sen).
    sen = Decimal(usage.rupiah * SEN_PER_RUPIAH) / Decimal(usage.per)
    per_unit = format(sen.quantize(Decimal("1e-12")).normalize(), "f")
    recurring = {"interval": "month", "usage_type": "metered", "meter": meter_id}
    if usage.included == 0:
        return {"unit_amount_decimal": per_unit, "recurring": recurring}
    return {
        "billing_scheme": "tiered",
        "tiers_mode": "graduated",
        "tiers": [
            {"up_to": usage.included, "unit_amount": 0},
            {"up_to": "inf", "unit_amount_decimal": per_unit},
        ],
        "recurring": recurring,
    }


def _meter_params(meter: Meter) -> dict[str, Any]:
    return {
        "display_name": f"Niaga {meter.value.replace('_', ' ')}",
        "event_name": meter.event_name,
        "default_aggregation": {"formula": meter.aggregation},
        "customer_mapping": {"event_payload_key": "stripe_customer_id", "type": "by_id"},
        "value_settings": {"event_payload_key": "value"},
    }


def _removed(item: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": item["id"], "deleted": True}


def _plain(listed: Any) -> list[dict[str, Any]]:
    """A list's objects as plain dicts (the client's objects are not dicts)."""
    return [item.to_dict() for item in listed.data]


def _call(request: Any) -> Any:
    """Run one request; Stripe's failures become the port's two kinds."""
    try:
        return request()
    except stripe.StripeError as error:
        _raise(error)


def _raise(error: stripe.StripeError) -> NoReturn:
    status = error.http_status or 0
    message = (error.user_message or str(error))[:300]
    if isinstance(error, (stripe.APIConnectionError, stripe.RateLimitError)) or status >= 500:
        raise StripeUnavailable(f"Stripe is unavailable: {message}") from error
    raise StripeRefused(f"Stripe refused the request ({status}): {message}") from error
