"""`plan_list`: one row per plan a tenant sells, with its promotions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from domain.billing.plan import Plan
from domain.shared.payloads import to_plain
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.rows import Row

TABLE = "plan_list"
COLUMNS = (
    "id",
    "tenant_id",
    "name",
    "price",
    "router_profile",
    "service_type",
    "billing_mode",
    "validity_days",
    "taxable",
    "retired",
    "promotions",
    "version",
    "created_at",
    "updated_at",
)
JSONB = frozenset({"promotions"})
_TERMS = (
    "name",
    "price",
    "router_profile",
    "service_type",
    "billing_mode",
    "validity_days",
    "taxable",
)


class PlanListProjection:
    name: str = "plan_list"
    event_types: tuple[type, ...] = (
        Plan.Created,
        Plan.PriceChanged,
        Plan.PromotionAdded,
        Plan.Retired,
    )
    tables: tuple[str, ...] = (TABLE,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(cur, schema, TABLE, COLUMNS, events, Plan.Created, _apply, JSONB)


def _apply(plans: dict[Any, Row], recorded: RecordedEvent) -> None:
    event = recorded.event
    if isinstance(event, Plan.Created):
        plans[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": event.tenant_id,
            **{field: getattr(event, field) for field in _TERMS},
            "retired": False,
            "promotions": [],
            "created_at": recorded.timestamp,
        }
    plan = plans[recorded.aggregate_id]
    if isinstance(event, Plan.PriceChanged):
        plan["price"] = event.price
    elif isinstance(event, Plan.PromotionAdded):
        plan["promotions"] = [*plan["promotions"], to_plain(event.promotion)]
    elif isinstance(event, Plan.Retired):
        plan["retired"] = True
    plan["version"] = recorded.version
    plan["updated_at"] = recorded.timestamp
