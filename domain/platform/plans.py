"""The platform's own plans: what a tenant pays the platform each month, per isolation tier, and
what its usage costs beyond what the plan includes.

Plans are configuration (settings), not events: the operator changes them rarely, the same plans
hold in every environment, and what was charged is kept by Stripe (a Price never changes; a new
amount is a new Price). `niaga platform plans sync` makes Stripe match them.

Amounts are whole rupiah, as everywhere in Niaga; Stripe counts IDR in hundredths, and only the
Stripe adapter converts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.shared.errors import InvalidValue
from domain.shared.text import check_line

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_AMOUNT = 1_000_000_000  # rupiah: a bound that catches a misplaced zero or two


class Tier(StrEnum):
    """Where a tenant's data lives, which decides its monthly fee."""

    SHARED = "shared"
    SCHEMA = "schema"
    DATABASE = "database"


class Meter(StrEnum):
    """What the platform meters and bills by use."""

    AI_TOKENS = "ai_tokens"  # input and output tokens of the tenant's AI calls (summed)
    WHATSAPP_MESSAGES = "whatsapp_messages"  # messages the provider took (summed)
    ACTIVE_SUBSCRIBERS = "active_subscribers"  # a daily count (the last in the period counts)

    @property
    def event_name(self) -> str:
        """The meter's event name in Stripe."""
        return f"niaga_{self.value}"

    @property
    def aggregation(self) -> str:
        return "last" if self is Meter.ACTIVE_SUBSCRIBERS else "sum"


@dataclass(frozen=True)
class UsagePrice:
    """What `per` units of a meter cost beyond the `included` ones, in rupiah."""

    meter: Meter
    included: int
    rupiah: int
    per: int = 1


@dataclass(frozen=True)
class PlatformPlan:
    code: str
    name: str
    monthly: Mapping[Tier, int]  # rupiah per month, per tier
    usage: tuple[UsagePrice, ...]
    limits: Mapping[str, int]  # feature limits, e.g. routers, staff users

    def monthly_for(self, tier: Tier) -> int:
        return self.monthly[tier]


def plan_from(raw: Mapping[str, Any]) -> PlatformPlan:
    """A plan from settings (a JSON object), every field checked and named when refused."""
    code = str(raw.get("code", ""))
    if not _CODE.match(code):
        raise InvalidValue(
            f"plan code {code!r} must be 1-32 lowercase letters, digits or '_'", field="code"
        )
    monthly = _monthly(raw.get("monthly"))
    usage = tuple(_usage(item) for item in raw.get("usage") or ())
    if len({price.meter for price in usage}) != len(usage):
        raise InvalidValue(f"plan {code}: a meter is priced twice", field="usage")
    limits = {str(k): _amount(v, f"limits.{k}") for k, v in (raw.get("limits") or {}).items()}
    name = check_line(str(raw.get("name") or code), "name", max_length=80)
    return PlatformPlan(code, name, monthly, usage, limits)


def plans_from(raw: Sequence[Mapping[str, Any]]) -> tuple[PlatformPlan, ...]:
    plans = tuple(plan_from(item) for item in raw)
    codes = [plan.code for plan in plans]
    if len(set(codes)) != len(codes):
        raise InvalidValue("two plans share a code", field="code")
    return plans


def find_plan(plans: Sequence[PlatformPlan], code: str) -> PlatformPlan:
    for plan in plans:
        if plan.code == code:
            return plan
    known = ", ".join(plan.code for plan in plans) or "none"
    raise InvalidValue(f"no platform plan {code!r} (plans: {known})", field="plan")


def _monthly(raw: object) -> dict[Tier, int]:
    if not isinstance(raw, Mapping) or set(raw) != {tier.value for tier in Tier}:
        raise InvalidValue(
            "monthly needs a price for each tier: shared, schema, database", field="monthly"
        )
    return {Tier(k): _amount(v, f"monthly.{k}") for k, v in raw.items()}


def _usage(raw: Mapping[str, Any]) -> UsagePrice:
    try:
        meter = Meter(str(raw.get("meter")))
    except ValueError:
        known = ", ".join(m.value for m in Meter)
        raise InvalidValue(f"unknown meter {raw.get('meter')!r} ({known})", field="meter") from None
    per = _amount(raw.get("per", 1), "per")
    if per == 0:
        raise InvalidValue("per must be at least 1", field="per")
    return UsagePrice(
        meter,
        _amount(raw.get("included", 0), "included"),
        _amount(raw.get("rupiah"), "rupiah"),
        per,
    )


def _amount(raw: object, field: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_AMOUNT:
        raise InvalidValue(f"{field} must be a whole number from 0 to {MAX_AMOUNT}", field=field)
    return raw


DEFAULT_PLANS: tuple[dict[str, Any], ...] = (
    {
        "code": "starter",
        "name": "Niaga Starter",
        "monthly": {"shared": 150_000, "schema": 450_000, "database": 1_500_000},
        "usage": [
            {"meter": "ai_tokens", "included": 200_000, "rupiah": 20, "per": 1000},
            {"meter": "whatsapp_messages", "included": 500, "rupiah": 150},
            {"meter": "active_subscribers", "included": 100, "rupiah": 1_000},
        ],
        "limits": {"routers": 2, "staff_users": 3},
    },
    {
        "code": "growth",
        "name": "Niaga Growth",
        "monthly": {"shared": 450_000, "schema": 900_000, "database": 2_500_000},
        "usage": [
            {"meter": "ai_tokens", "included": 1_000_000, "rupiah": 15, "per": 1000},
            {"meter": "whatsapp_messages", "included": 3_000, "rupiah": 120},
            {"meter": "active_subscribers", "included": 1_000, "rupiah": 700},
        ],
        "limits": {"routers": 10, "staff_users": 15},
    },
)
