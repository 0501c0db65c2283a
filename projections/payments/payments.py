"""`payment_list`, `transfer_list` and `customer_credit`: money received, bank transfers waiting
for approval, and the credit each customer has on account."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from domain.payments.payment import CustomerAccount, Payment, Transfer, TransferState
from domain.shared.payloads import to_plain
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.rows import Row

PAYMENTS = "payment_list"
PAYMENT_COLUMNS = (
    "id",
    "tenant_id",
    "customer_id",
    "amount",
    "method",
    "reference",
    "received_on",
    "allocations",
    "credit",
    "recorded_at",
)
TRANSFERS = "transfer_list"
TRANSFER_COLUMNS = (
    "id",
    "tenant_id",
    "customer_id",
    "amount",
    "proof_reference",
    "submitted_on",
    "state",
    "decided_by",
    "payment_id",
    "reason",
    "version",
    "submitted_at",
    "updated_at",
)
CREDIT = "customer_credit"
CREDIT_COLUMNS = ("customer_id", "account_id", "tenant_id", "credit", "version", "updated_at")
_TRANSFER_EVENTS = (Transfer.Submitted, Transfer.Approved, Transfer.Rejected)
_ACCOUNT_EVENTS = (
    CustomerAccount.Opened,
    CustomerAccount.CreditAdded,
    CustomerAccount.CreditApplied,
)


class PaymentsProjection:
    name: str = "payments"
    event_types: tuple[type, ...] = (Payment.Received, *_TRANSFER_EVENTS, *_ACCOUNT_EVENTS)
    tables: tuple[str, ...] = (PAYMENTS, TRANSFERS, CREDIT)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        payments = [_payment(e) for e in events if isinstance(e.event, Payment.Received)]
        if payments:
            table_rows.copy_in(
                cur, schema, PAYMENTS, PAYMENT_COLUMNS, payments, frozenset({"allocations"})
            )
        self._transfers(cur, schema, [e for e in events if isinstance(e.event, _TRANSFER_EVENTS)])
        self._credit(cur, schema, [e for e in events if isinstance(e.event, _ACCOUNT_EVENTS)])

    def _transfers(self, cur: Cursor[Any], schema: str, events: list[RecordedEvent]) -> None:
        table_rows.reduce_page(
            cur, schema, TRANSFERS, TRANSFER_COLUMNS, events, Transfer.Submitted, _apply_transfer
        )

    def _credit(self, cur: Cursor[Any], schema: str, events: list[RecordedEvent]) -> None:
        # Rows are keyed by customer; the account's events name only the account.
        table_rows.reduce_page(
            cur,
            schema,
            CREDIT,
            CREDIT_COLUMNS,
            events,
            CustomerAccount.Opened,
            _apply_account,
            key="account_id",
            unique="customer_id",
        )


def _payment(recorded: RecordedEvent) -> Row:
    event: Payment.Received = recorded.event
    return {
        "id": recorded.aggregate_id,
        "tenant_id": event.tenant_id,
        "customer_id": event.customer_id,
        "amount": event.amount,
        "method": event.method,
        "reference": event.reference,
        "received_on": event.received_on,
        "allocations": to_plain(event.allocations),
        "credit": event.credit,
        "recorded_at": recorded.timestamp,
    }


def _apply_transfer(transfers: dict[Any, Row], recorded: RecordedEvent) -> None:
    event = recorded.event
    if isinstance(event, Transfer.Submitted):
        transfers[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": event.tenant_id,
            "customer_id": event.customer_id,
            "amount": event.amount,
            "proof_reference": event.proof_reference,
            "submitted_on": event.submitted_on,
            "state": TransferState.SUBMITTED.value,
            "decided_by": None,
            "payment_id": None,
            "reason": None,
            "submitted_at": recorded.timestamp,
        }
    row = transfers[recorded.aggregate_id]
    if isinstance(event, Transfer.Approved):
        row.update(
            state=TransferState.APPROVED.value,
            decided_by=event.approved_by,
            payment_id=event.payment_id,
        )
    elif isinstance(event, Transfer.Rejected):
        row.update(
            state=TransferState.REJECTED.value, decided_by=event.rejected_by, reason=event.reason
        )
    row["version"] = recorded.version
    row["updated_at"] = recorded.timestamp


def _apply_account(accounts: dict[Any, Row], recorded: RecordedEvent) -> None:
    event = recorded.event
    if isinstance(event, CustomerAccount.Opened):
        accounts[recorded.aggregate_id] = {
            "customer_id": event.customer_id,
            "account_id": recorded.aggregate_id,
            "tenant_id": event.tenant_id,
            "credit": 0,
        }
    row = accounts[recorded.aggregate_id]
    if isinstance(event, CustomerAccount.CreditAdded | CustomerAccount.CreditApplied):
        row["credit"] = event.credit_after
    row["version"] = recorded.version
    row["updated_at"] = recorded.timestamp
