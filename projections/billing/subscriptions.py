"""`subscription_list`: one row per subscription: its plan terms, state and billing dates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from domain.billing.subscription import PlanTerms, Subscription, SubscriptionState
from domain.shared.payloads import from_plain, to_plain
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.rows import Row

TABLE = "subscription_list"
COLUMNS = (
    "id",
    "tenant_id",
    "customer_id",
    "plan_id",
    "plan_name",
    "price",
    "billing_mode",
    "validity_days",
    "scheduled_terms",
    "state",
    "billing_day",
    "router",
    "username",
    "next_bill_on",
    "activated_on",
    "terminated_on",
    "version",
    "subscribed_at",
    "updated_at",
)
JSONB = frozenset({"scheduled_terms"})
_STATES: dict[type, SubscriptionState] = {
    Subscription.SoftLimited: SubscriptionState.SOFT_LIMITED,
    Subscription.Suspended: SubscriptionState.SUSPENDED,
    Subscription.Reactivated: SubscriptionState.ACTIVE,
}


class SubscriptionListProjection:
    name: str = "subscription_list"
    event_types: tuple[type, ...] = (
        Subscription.Subscribed,
        Subscription.Activated,
        Subscription.Billed,
        Subscription.PlanChanged,
        Subscription.PlanChangeScheduled,
        Subscription.SoftLimited,
        Subscription.Suspended,
        Subscription.Reactivated,
        Subscription.Terminated,
    )
    tables: tuple[str, ...] = (TABLE,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(
            cur, schema, TABLE, COLUMNS, events, Subscription.Subscribed, _apply, JSONB
        )


def _apply(subscriptions: dict[Any, Row], recorded: RecordedEvent) -> None:
    event = recorded.event
    if isinstance(event, Subscription.Subscribed):
        subscriptions[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": event.tenant_id,
            "customer_id": event.customer_id,
            "scheduled_terms": None,
            "state": SubscriptionState.PENDING.value,
            "billing_day": event.billing_day,
            "router": event.router,
            "username": event.username,
            "next_bill_on": None,
            "activated_on": None,
            "terminated_on": None,
            "subscribed_at": recorded.timestamp,
            **_terms(event.terms),
        }
    row = subscriptions[recorded.aggregate_id]
    _change(row, event)
    row["version"] = recorded.version
    row["updated_at"] = recorded.timestamp


def _change(row: Row, event: Any) -> None:
    if isinstance(event, Subscription.Activated):
        row.update(
            state=SubscriptionState.ACTIVE.value,
            activated_on=event.on,
            next_bill_on=event.next_bill_on,
        )
    elif isinstance(event, Subscription.Billed):
        row["next_bill_on"] = event.next_bill_on
        if row["scheduled_terms"] is not None:  # a downgrade takes effect with the next cycle
            scheduled = from_plain(PlanTerms, row["scheduled_terms"])
            row.update(_terms(scheduled), scheduled_terms=None)
    elif isinstance(event, Subscription.PlanChanged):
        row.update(_terms(event.terms), scheduled_terms=None)
    elif isinstance(event, Subscription.PlanChangeScheduled):
        row["scheduled_terms"] = to_plain(event.terms)
    elif isinstance(event, Subscription.Terminated):
        row.update(
            state=SubscriptionState.TERMINATED.value, terminated_on=event.on, next_bill_on=None
        )
    elif type(event) in _STATES:
        row["state"] = _STATES[type(event)].value


def _terms(terms: PlanTerms) -> Row:
    return {
        "plan_id": terms.plan_id,
        "plan_name": terms.name,
        "price": terms.price,
        "billing_mode": terms.billing_mode.value,
        "validity_days": terms.validity_days,
    }
