"""`promotions` (the counter's promotions, for the list and for the counter to find those in
force) and `daily_sales` (counter sales summed per local day, payment method and cashier)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor, sql

from domain.repairs.promotion import Promotion
from domain.repairs.sale import Sale, shares_by_method
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as r
from projections.shared.base import table

PROMOTION_COLUMNS = (
    "id",
    "tenant_id",
    "name",
    "kind",
    "value",
    "scope",
    "item_id",
    "category",
    "starts_on",
    "ends_on",
    "minimum_spend",
    "ended_on",
    "created_at",
    "updated_at",
)


class PromotionsProjection:
    name: str = "promotions"
    event_types: tuple[type, ...] = (Promotion.Launched, Promotion.Ended)
    tables: tuple[str, ...] = ("promotions",)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        r.reduce_page(
            cur, schema, "promotions", PROMOTION_COLUMNS, events, Promotion.Launched, _promotion
        )


def _promotion(rows: dict[Any, r.Row], recorded: RecordedEvent) -> None:
    e = recorded.event
    if isinstance(e, Promotion.Launched):
        rows[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": e.tenant_id,
            "name": e.name,
            "kind": e.kind,
            "value": e.value,
            "scope": e.scope,
            "item_id": e.item_id,
            "category": e.category,
            "starts_on": e.starts_on,
            "ends_on": e.ends_on,
            "minimum_spend": e.minimum_spend,
            "ended_on": None,
            "created_at": recorded.timestamp,
        }
    row = rows.get(recorded.aggregate_id)
    if row is None:
        return
    if isinstance(e, Promotion.Ended):
        row["ended_on"] = e.on
    row["updated_at"] = recorded.timestamp


SALES_KEY = ("tenant_id", "sold_on", "payment_method", "cashier")
SALES_SUMS = ("sales", "gross", "discounts", "ppn", "net")


class DailySalesProjection:
    """Sums only ever grow, so a page's sales are added up in memory and then added to the
    rows in one statement."""

    name: str = "daily_sales"
    event_types: tuple[type, ...] = (Sale.Recorded,)
    tables: tuple[str, ...] = ("daily_sales",)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        sums: dict[tuple[Any, ...], list[int]] = {}
        for recorded in events:
            e = recorded.event
            if not isinstance(e, Sale.Recorded):
                continue
            for share in shares_by_method(e.gross, e.discounts, e.ppn, e.payments):
                key = (e.tenant_id, e.sold_on, share.method, e.cashier)
                added = (1, share.gross, share.discounts, share.ppn, share.net)
                sums[key] = [a + b for a, b in zip(sums.get(key, [0] * 5), added, strict=True)]
        if sums:
            cur.executemany(_ADD_SALES.format(table(schema, "daily_sales")), _rows(sums))


def _rows(sums: dict[tuple[Any, ...], list[int]]) -> list[tuple[Any, ...]]:
    return [(*key, *values) for key, values in sorted(sums.items(), key=lambda kv: str(kv[0]))]


_ADD_SALES = sql.SQL(
    "INSERT INTO {} AS d ("
    + ", ".join(SALES_KEY + SALES_SUMS)
    + ") VALUES ("
    + ", ".join(["%s"] * (len(SALES_KEY) + len(SALES_SUMS)))
    + ") ON CONFLICT ("
    + ", ".join(SALES_KEY)
    + ") DO UPDATE SET "
    + ", ".join(f"{c} = d.{c} + EXCLUDED.{c}" for c in SALES_SUMS)
)
