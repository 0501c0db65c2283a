"""Inputs and payloads of the billing mutations."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from api.graphql.billing import types as t
from api.graphql.shared.errors import Errors


@strawberry.input
class CreatePlanInput:
    name: str
    price: int = strawberry.field(description="Selling price per cycle in rupiah, before PPN.")
    router_profile: str
    service_type: str = "pppoe"
    billing_mode: str = "postpaid"
    validity_days: int = 30
    taxable: bool = True


@strawberry.input
class AddPromotionInput:
    plan_id: strawberry.ID
    code: str
    kind: str = strawberry.field(description="percentage, fixed or first_month_free")
    value: int = 0
    cycles: int = 1


@strawberry.input
class SubscribeInput:
    customer_id: strawberry.ID
    plan_id: strawberry.ID
    billing_day: int = strawberry.field(description="1-28")
    router: str
    username: str = strawberry.field(description="PPP secret or hotspot user name on the router")
    promotion_code: str | None = None
    activate_on: date | None = strawberry.field(
        default=None, description="Activate at once on this day"
    )
    password: str | None = strawberry.field(
        default=None, description="PPP password on the router (a random one when left out)"
    )


@strawberry.input
class InvoiceLineInput:
    kind: str = "charge"
    description: str
    quantity: int = 1
    unit_price: int
    taxable: bool = True


@strawberry.input
class DraftInvoiceInput:
    customer_id: strawberry.ID
    lines: list[InvoiceLineInput]


@strawberry.input
class RecordPaymentInput:
    customer_id: strawberry.ID
    amount: int
    method: str = strawberry.field(description="cash, bank_transfer or gateway")
    reference: str = strawberry.field(
        description="Receipt or transaction reference; unique per method"
    )


@strawberry.input
class BillingPolicyInput:
    payment_terms_days: int = 7
    grace_days: int = 3
    suspend_after_days: int = 7
    terminate_after_days: int = 30
    reminder_offsets: list[int] = strawberry.field(default_factory=lambda: [-7, -3, -1, 1])
    numbering_reset: str = "yearly"


@strawberry.type
class PlanSuccess:
    plan: t.Plan


@strawberry.type
class SubscriptionSuccess:
    subscription: t.Subscription


@strawberry.type
class InvoiceSuccess:
    invoice: t.Invoice


@strawberry.type
class Allocation:
    invoice_id: strawberry.ID
    amount: int


@strawberry.type
class PaymentSuccess:
    payment_id: strawberry.ID
    allocations: list[Allocation]
    credit: int
    reactivated_subscription_ids: list[strawberry.ID]


@strawberry.type
class TransferSuccess:
    transfer_id: strawberry.ID


@strawberry.type
class BillingRunSuccess:
    on: date
    subscriptions: int
    invoices: int
    total: int


@strawberry.type
class DunningSuccess:
    on: date
    reminders: int
    soft_limited: int
    suspended: int
    terminated: int


@strawberry.type
class BillingPolicySuccess:
    payment_terms_days: int
    grace_days: int
    suspend_after_days: int
    terminate_after_days: int
    reminder_offsets: list[int]
    numbering_reset: str


PlanResult = Annotated[PlanSuccess | Errors, strawberry.union("PlanResult")]
SubscriptionResult = Annotated[SubscriptionSuccess | Errors, strawberry.union("SubscriptionResult")]
InvoiceResult = Annotated[InvoiceSuccess | Errors, strawberry.union("InvoiceResult")]
PaymentResult = Annotated[PaymentSuccess | Errors, strawberry.union("PaymentResult")]
TransferResult = Annotated[TransferSuccess | Errors, strawberry.union("TransferResult")]
BillingRunResult = Annotated[BillingRunSuccess | Errors, strawberry.union("BillingRunResult")]
DunningResult = Annotated[DunningSuccess | Errors, strawberry.union("DunningResult")]
BillingPolicyResult = Annotated[
    BillingPolicySuccess | Errors, strawberry.union("BillingPolicyResult")
]


@strawberry.input(description="An account customers pay into by transfer, printed on invoices.")
class BankAccountInput:
    bank: str = strawberry.field(description="e.g. BCA")
    number: str
    holder: str = strawberry.field(description="The name the account is held in (a.n.)")


@strawberry.type(description="An account customers pay into by transfer.")
class BankAccount:
    bank: str
    number: str
    holder: str


@strawberry.type
class TenantSettingsSuccess:
    name: str
    pkp: bool
    invoice_prefix: str
    timezone: str
    legal_name: str | None
    address: str | None
    npwp: str | None
    bank_accounts: list[BankAccount]


TenantSettingsResult = Annotated[
    TenantSettingsSuccess | Errors, strawberry.union("TenantSettingsResult")
]
