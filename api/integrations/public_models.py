"""What the public REST API answers: its resources and errors, as pydantic models (the
OpenAPI document is generated from them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, Field

T = TypeVar("T")


class ApiError(BaseModel):
    code: str = Field(
        description="Stable, e.g. NOT_FOUND, INVALID_VALUE, APPLICATION_ERROR, RATE_LIMITED, "
        "UNAVAILABLE"
    )
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    detail: ApiError


class Unauthorised(BaseModel):
    detail: str = Field(description="What was wrong with the `Authorization` header")


class ListPage(BaseModel, Generic[T]):
    data: list[T]
    has_more: bool = Field(description="Whether another page follows")
    next_cursor: str | None = Field(description="Pass as `after` to read the next page")
    total_count: int | None = Field(
        description="Items matching the filters, over all pages; null when asked with `count=false`"
    )


class CustomerPublic(BaseModel):
    id: UUID
    name: str = Field(description="`[forgotten]` once the customer's data was erased")
    phone: str | None
    email: str | None
    address: str | None
    forgotten: bool
    registered_at: datetime
    updated_at: datetime


class InvoiceLinePublic(BaseModel):
    kind: str
    description: str
    quantity: int
    unit_price: int
    amount: int
    taxable: bool


class InvoicePublic(BaseModel):
    id: UUID
    customer_id: UUID
    subscription_id: UUID | None
    number: str | None = Field(description="Null while drafted")
    status: str = Field(description="drafted, issued, partially_paid, paid or void")
    period: str | None
    issued_on: date | None
    due_on: date | None
    subtotal: int
    dpp: int
    ppn: int
    total: int
    paid: int
    credited: int
    balance_due: int
    lines: list[InvoiceLinePublic]
    updated_at: datetime


class SubscriptionPublic(BaseModel):
    id: UUID
    customer_id: UUID
    plan_id: UUID
    plan_name: str
    price: int
    state: str = Field(description="pending, active, soft_limited, suspended or terminated")
    billing_day: int
    router: str
    username: str
    next_bill_on: date | None
    activated_on: date | None
    terminated_on: date | None
    updated_at: datetime


class PaymentAllocationPublic(BaseModel):
    invoice_id: UUID
    amount: int


class PaymentPublic(BaseModel):
    id: UUID
    customer_id: UUID
    amount: int
    method: str
    reference: str
    received_on: date
    allocations: list[PaymentAllocationPublic]
    credit: int = Field(description="Left over as credit on the customer's account")
    recorded_at: datetime
