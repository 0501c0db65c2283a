"""GraphQL types of the voucher desk: profiles, vouchers, stock, agents, ledgers, reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from api.graphql.shared.errors import Errors
from api.graphql.shared.types import Connection, connection_parts
from application.shared.ports import Page
from application.vouchers.ports import (
    AgentView,
    CommissionRow,
    LedgerEntry,
    SalesRow,
    StockCount,
    VoucherProfileView,
    VoucherView,
)
from application.vouchers.voucher_batches import GeneratedBatch
from domain.vouchers.voucher_codes import routeros_duration


def _id(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


def _optional_id(value: object | None) -> strawberry.ID | None:
    return None if value is None else _id(value)


@strawberry.type(description="A package customers buy by name; prices in rupiah.")
class VoucherProfile:
    id: strawberry.ID
    name: str
    router_id: strawberry.ID
    hotspot_profile: str
    rate_limit: str | None
    validity: str = strawberry.field(description="Calendar time from first login, e.g. 3h, 30d")
    time_quota: str | None
    data_quota_bytes: float | None
    shared_users: int
    cost_price: int
    selling_price: int
    agent_prices: list[int] = strawberry.field(description="Per agent level, level 1 first")
    commission_kind: str
    commission_values: list[int]
    updated_at: datetime

    @classmethod
    def from_view(cls, v: VoucherProfileView) -> VoucherProfile:
        return cls(
            id=_id(v.id),
            name=v.name,
            router_id=_id(v.router_id),
            hotspot_profile=v.hotspot_profile,
            rate_limit=v.rate_limit,
            validity=routeros_duration(v.validity_seconds) or "",
            time_quota=routeros_duration(v.time_quota_seconds),
            data_quota_bytes=v.data_quota_bytes,
            shared_users=v.shared_users,
            cost_price=v.cost_price,
            selling_price=v.selling_price,
            agent_prices=v.agent_prices,
            commission_kind=v.commission_kind,
            commission_values=v.commission_values,
            updated_at=v.updated_at,
        )


@strawberry.type
class Voucher:
    id: strawberry.ID
    username: str
    password: str
    profile_id: strawberry.ID
    profile_name: str
    batch_id: strawberry.ID
    agent_id: strawberry.ID | None
    status: str = strawberry.field(
        description="generated, sold, active, expired, used_up or revoked"
    )
    price: int | None
    generated_at: datetime
    sold_at: datetime | None
    activated_at: datetime | None
    expires_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def from_view(cls, v: VoucherView) -> Voucher:
        return cls(
            **{
                **vars(v),
                "id": _id(v.id),
                "profile_id": _id(v.profile_id),
                "batch_id": _id(v.batch_id),
                "agent_id": _optional_id(v.agent_id),
            }
        )


@strawberry.type
class VoucherEdge:
    cursor: str
    node: Voucher


@strawberry.type
class VoucherConnection(Connection[VoucherEdge]):
    @classmethod
    def from_page(cls, page: Page[VoucherView]) -> VoucherConnection:
        return cls(**connection_parts(page, Voucher.from_view, VoucherEdge))


@strawberry.type(description="How many vouchers of a profile an agent (or the stock) holds.")
class VoucherStock:
    profile_id: strawberry.ID
    profile_name: str
    agent_id: strawberry.ID | None = strawberry.field(description="null: the owner's own stock")
    status: str
    count: int

    @classmethod
    def from_view(cls, v: StockCount) -> VoucherStock:
        return cls(
            profile_id=_id(v.profile_id),
            profile_name=v.profile_name,
            agent_id=_optional_id(v.agent_id),
            status=v.status,
            count=v.count,
        )


@strawberry.type
class Agent:
    id: strawberry.ID
    name: str
    phone: str
    parent_id: strawberry.ID | None
    level: int
    balance: int
    credit_limit: int
    enrolled_at: datetime
    updated_at: datetime

    @classmethod
    def from_view(cls, v: AgentView) -> Agent:
        return cls(**{**vars(v), "id": _id(v.id), "parent_id": _optional_id(v.parent_id)})


@strawberry.type(description="One movement of an agent's balance.")
class AgentLedgerEntry:
    version: int
    kind: str = strawberry.field(description="top_up, purchase, refund, commission or adjustment")
    amount: int = strawberry.field(description="Signed: what it did to the balance")
    balance_before: int
    balance_after: int
    detail: JSON
    occurred_at: datetime

    @classmethod
    def from_view(cls, v: LedgerEntry) -> AgentLedgerEntry:
        return cls(
            version=v.version,
            kind=v.kind,
            amount=v.amount,
            balance_before=v.balance_before,
            balance_after=v.balance_after,
            detail=cast(JSON, v.detail),
            occurred_at=v.occurred_at,
        )


@strawberry.type
class AgentLedgerEdge:
    cursor: str
    node: AgentLedgerEntry


@strawberry.type
class AgentLedgerConnection(Connection[AgentLedgerEdge]):
    @classmethod
    def from_page(cls, page: Page[LedgerEntry]) -> AgentLedgerConnection:
        return cls(**connection_parts(page, AgentLedgerEntry.from_view, AgentLedgerEdge))


@strawberry.type(description="Vouchers sold in a period, per agent (null: direct sales).")
class VoucherSales:
    period: date
    agent_id: strawberry.ID | None
    profile_id: strawberry.ID
    profile_name: str
    vouchers: int
    revenue: int

    @classmethod
    def from_view(cls, v: SalesRow) -> VoucherSales:
        return cls(
            **{**vars(v), "agent_id": _optional_id(v.agent_id), "profile_id": _id(v.profile_id)}
        )


@strawberry.type(description="Commissions an agent earned in a month from one downline agent.")
class CommissionStatementLine:
    agent_id: strawberry.ID
    month: date
    from_agent_id: strawberry.ID
    profile_id: strawberry.ID
    vouchers: int
    amount: int

    @classmethod
    def from_view(cls, v: CommissionRow) -> CommissionStatementLine:
        return cls(
            agent_id=_id(v.agent_id),
            month=v.month,
            from_agent_id=_id(v.from_agent_id),
            profile_id=_id(v.profile_id),
            vouchers=v.vouchers,
            amount=v.amount,
        )


@strawberry.type
class VoucherCode:
    username: str
    password: str


@strawberry.type(description="A generated batch; print it from /voucher-batches/{id}.pdf.")
class VoucherBatch:
    id: strawberry.ID
    profile_id: strawberry.ID
    profile_name: str
    quantity: int
    agent_id: strawberry.ID | None
    unit_price: int = strawberry.field(description="What the agent paid per voucher (0: stock)")
    charged: int
    balance_after: int | None
    codes: list[VoucherCode]

    @classmethod
    def from_result(cls, b: GeneratedBatch) -> VoucherBatch:
        return cls(
            id=_id(b.batch_id),
            profile_id=_id(b.profile_id),
            profile_name=b.profile_name,
            quantity=len(b.codes),
            agent_id=_optional_id(b.agent_id),
            unit_price=b.unit_price,
            charged=b.charged,
            balance_after=b.balance_after,
            codes=[VoucherCode(username=u, password=p) for u, p in b.codes],
        )


@strawberry.type
class VoucherProfileSuccess:
    profile: VoucherProfile


@strawberry.type
class VoucherBatchSuccess:
    batch: VoucherBatch


@strawberry.type
class VouchersChanged:
    vouchers: list[Voucher]
    total: int = strawberry.field(description="The sale's total price, where one was made")


@strawberry.type
class AgentSuccess:
    agent: Agent


@strawberry.type
class AgentApiKey:
    agent: Agent
    token: str = strawberry.field(description="Shown once; keep it safe")


@strawberry.type
class VoucherSettingsSuccess:
    login_url: str
    admin_phones: list[str]


VoucherProfileResult = Annotated[
    VoucherProfileSuccess | Errors, strawberry.union("VoucherProfileResult")
]
VoucherBatchResult = Annotated[VoucherBatchSuccess | Errors, strawberry.union("VoucherBatchResult")]
VouchersResult = Annotated[VouchersChanged | Errors, strawberry.union("VouchersResult")]
AgentResult = Annotated[AgentSuccess | Errors, strawberry.union("AgentResult")]
AgentApiKeyResult = Annotated[AgentApiKey | Errors, strawberry.union("AgentApiKeyResult")]
VoucherSettingsResult = Annotated[
    VoucherSettingsSuccess | Errors, strawberry.union("VoucherSettingsResult")
]
