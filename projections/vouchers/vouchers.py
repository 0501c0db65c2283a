"""`voucher_profiles` and `voucher_stock`: a tenant's voucher packages, and every voucher with
its status, buyer and the moments of its life (a batch of a thousand lands with one COPY)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from domain.shared.payloads import to_plain
from domain.shared.recorded import RecordedEvent
from domain.vouchers.voucher import Voucher, VoucherProfile, VoucherStatus
from projections.shared import rows as table_rows
from projections.shared.rows import Row

PROFILES = "voucher_profiles"
PROFILE_COLUMNS = ("id", "tenant_id", "name", "router_id", "terms", "updated_at")
STOCK = "voucher_stock"
STOCK_COLUMNS = (
    "id",
    "tenant_id",
    "username",
    "password",
    "profile_id",
    "batch_id",
    "agent_id",
    "status",
    "price",
    "generated_at",
    "sold_at",
    "activated_at",
    "expires_at",
    "ended_at",
)
_ENDINGS: dict[type, VoucherStatus] = {
    Voucher.Expired: VoucherStatus.EXPIRED,
    Voucher.UsedUp: VoucherStatus.USED_UP,
    Voucher.Revoked: VoucherStatus.REVOKED,
}


class VoucherProfilesProjection:
    name: str = PROFILES
    event_types: tuple[type, ...] = (VoucherProfile.Created, VoucherProfile.Updated)
    tables: tuple[str, ...] = (PROFILES,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(
            cur,
            schema,
            PROFILES,
            PROFILE_COLUMNS,
            events,
            VoucherProfile.Created,
            _apply_profile,
            frozenset({"terms"}),
        )


def _apply_profile(rows: dict[Any, Row], recorded: RecordedEvent) -> None:
    e = recorded.event
    if isinstance(e, VoucherProfile.Created):
        rows[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": e.tenant_id,
            "name": e.name,
            "router_id": e.router_id,
        }
    rows[recorded.aggregate_id].update(terms=to_plain(e.terms), updated_at=recorded.timestamp)


class VoucherStockProjection:
    name: str = STOCK
    event_types: tuple[type, ...] = (
        Voucher.Generated,
        Voucher.Sold,
        Voucher.FirstLogin,
        Voucher.Expired,
        Voucher.UsedUp,
        Voucher.Revoked,
    )
    tables: tuple[str, ...] = (STOCK,)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        table_rows.reduce_page(cur, schema, STOCK, STOCK_COLUMNS, events, Voucher.Generated, _apply)


def _apply(rows: dict[Any, Row], recorded: RecordedEvent) -> None:
    e = recorded.event
    if isinstance(e, Voucher.Generated):
        rows[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": e.tenant_id,
            "username": e.username,
            "password": e.password,
            "profile_id": e.profile_id,
            "batch_id": e.batch_id,
            "agent_id": None,
            "status": VoucherStatus.GENERATED.value,
            "price": None,
            "generated_at": recorded.timestamp,
            "sold_at": None,
            "activated_at": None,
            "expires_at": None,
            "ended_at": None,
        }
        return
    row = rows[recorded.aggregate_id]
    if isinstance(e, Voucher.Sold):
        row.update(
            status=VoucherStatus.SOLD.value, agent_id=e.agent_id, price=e.price, sold_at=e.sold_at
        )
    elif isinstance(e, Voucher.FirstLogin):
        row.update(status=VoucherStatus.ACTIVE.value, activated_at=e.at, expires_at=e.expires_at)
    elif type(e) in _ENDINGS:
        row.update(status=_ENDINGS[type(e)].value, ended_at=e.at)
