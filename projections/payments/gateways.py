"""`payment_link_list`, `payment_callback_log` and `gateway_account_list`: the links customers
pay, every callback a gateway sent with its verdict, and which credentials each gateway has."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from domain.payments.gateway import (
    GatewayAccount,
    GatewayCallback,
    LinkPurpose,
    LinkStatus,
    PaymentLink,
)
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.rows import Row

LINKS = "payment_link_list"
LINK_COLUMNS = (
    "id",
    "tenant_id",
    "invoice_id",
    "customer_id",
    "gateway",
    "order_id",
    "reference",
    "url",
    "amount",
    "currency",
    "expires_at",
    "status",
    "payment_id",
    "review_reason",
    "version",
    "created_at",
    "updated_at",
)
CALLBACKS = "payment_callback_log"
CALLBACK_COLUMNS = (
    "id",
    "tenant_id",
    "tenant_ref",
    "gateway",
    "order_id",
    "reference",
    "claimed_status",
    "amount",
    "currency",
    "verdict",
    "reason",
    "http_status",
    "headers",
    "body",
    "payment_id",
    "attempts",
    "received_at",
    "updated_at",
)
ACCOUNTS = "gateway_account_list"
ACCOUNT_COLUMNS = (
    "id",
    "tenant_id",
    "gateway",
    "credentials_set",
    "endpoints",
    "link_minutes",
    "updated_at",
)
_LINK_EVENTS = (
    PaymentLink.Created,
    PaymentLink.Paid,
    PaymentLink.Expired,
    PaymentLink.FlaggedForReview,
)


class PaymentLinkListProjection:
    name: str = "payment_link_list"
    event_types: tuple[type, ...] = _LINK_EVENTS
    tables: tuple[str, ...] = (LINKS,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(
            cur, schema, LINKS, LINK_COLUMNS, events, PaymentLink.Created, _apply_link
        )


def _apply_link(links: dict[Any, Row], recorded: RecordedEvent) -> None:
    event = recorded.event
    if isinstance(event, PaymentLink.Created):
        if event.purpose != LinkPurpose.INVOICE.value:
            return  # links for voucher orders and top-ups are read from their subjects
        links[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": event.tenant_id,
            "invoice_id": event.invoice_id,
            "customer_id": event.customer_id,
            "gateway": event.gateway,
            "order_id": event.order_id,
            "reference": event.reference,
            "url": event.url,
            "amount": event.amount,
            "currency": event.currency,
            "expires_at": event.expires_at,
            "status": LinkStatus.ACTIVE.value,
            "payment_id": None,
            "review_reason": None,
            "created_at": recorded.timestamp,
        }
    row = links.get(recorded.aggregate_id)
    if row is None:
        return  # a link this list does not hold
    if isinstance(event, PaymentLink.Paid):
        row.update(status=LinkStatus.PAID.value, payment_id=event.payment_id)
    elif isinstance(event, PaymentLink.Expired):
        row["status"] = LinkStatus.EXPIRED.value
    elif isinstance(event, PaymentLink.FlaggedForReview):
        row.update(status=LinkStatus.REVIEW.value, review_reason=event.reason)
    row["version"] = recorded.version
    row["updated_at"] = recorded.timestamp


class PaymentCallbackLogProjection:
    name: str = "payment_callback_log"
    event_types: tuple[type, ...] = (GatewayCallback.Received, GatewayCallback.Rechecked)
    tables: tuple[str, ...] = (CALLBACKS,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(
            cur,
            schema,
            CALLBACKS,
            CALLBACK_COLUMNS,
            events,
            GatewayCallback.Received,
            _apply_callback,
            frozenset({"headers"}),
        )


def _apply_callback(rows: dict[Any, Row], recorded: RecordedEvent) -> None:
    event = recorded.event
    if isinstance(event, GatewayCallback.Received):
        rows[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": event.tenant_id,
            "tenant_ref": event.tenant_ref,
            "gateway": event.gateway,
            "order_id": event.order_id,
            "reference": event.reference,
            "claimed_status": event.claimed_status,
            "amount": event.amount,
            "currency": event.currency,
            "verdict": event.verdict,
            "reason": event.reason,
            "http_status": event.http_status,
            "headers": event.headers,
            "body": event.body,
            "payment_id": None,
            "attempts": 0,
            "received_at": recorded.timestamp,
        }
    row = rows[recorded.aggregate_id]
    if isinstance(event, GatewayCallback.Rechecked):
        row.update(
            verdict=event.verdict,
            reason=event.reason,
            payment_id=event.payment_id,
            attempts=event.attempt,
        )
    row["updated_at"] = recorded.timestamp


class GatewayAccountListProjection:
    name: str = "gateway_account_list"
    event_types: tuple[type, ...] = (GatewayAccount.Configured, GatewayAccount.Reconfigured)
    tables: tuple[str, ...] = (ACCOUNTS,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(
            cur,
            schema,
            ACCOUNTS,
            ACCOUNT_COLUMNS,
            events,
            GatewayAccount.Configured,
            _apply_account,
            frozenset({"credentials_set", "endpoints"}),
        )


def _apply_account(rows: dict[Any, Row], recorded: RecordedEvent) -> None:
    event = recorded.event
    if isinstance(event, GatewayAccount.Configured):
        rows[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": event.tenant_id,
            "gateway": event.gateway,
        }
    rows[recorded.aggregate_id].update(
        credentials_set=sorted(event.credentials_sealed),
        endpoints=event.endpoints,
        link_minutes=event.link_minutes,
        updated_at=recorded.timestamp,
    )
