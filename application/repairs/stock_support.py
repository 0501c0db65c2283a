"""What stock-moving commands share: retrying on a concurrent change, and low-stock alerts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from application.shared.errors import ConcurrentModification
from domain.messaging.notification import NotificationRequest
from domain.repairs.inventory import InventoryItem

T = TypeVar("T")
RETRIES = 8


def retrying(attempt: Callable[[], T]) -> T:
    """Run a command again from fresh state when a concurrent change to the same stock or job
    got there first; each attempt loads anew and re-checks every rule, so stock is never
    oversold."""
    for _ in range(RETRIES):
        try:
            return attempt()
        except ConcurrentModification:
            continue
    raise ConcurrentModification("too many concurrent changes; try again")


def low_stock_alerts(objs: Sequence[object]) -> list[NotificationRequest]:
    """A notification to the shop for each LowStock event the items are about to record.

    The shop's staff are the recipients, so the request names no customer."""
    alerts = []
    for item in objs:
        if not isinstance(item, InventoryItem):
            continue
        for pending in item.pending_events:
            if isinstance(pending, InventoryItem.LowStock):
                alerts.append(
                    NotificationRequest.request(
                        item.tenant_id,
                        None,
                        "low_stock_alert",
                        {
                            "sku": item.sku,
                            "barang": item.name,
                            "tersedia": str(pending.available),
                            "batas": str(pending.reorder_point),
                        },
                        item.id,
                        f"low-stock:{pending.originator_version}",
                    )
                )
    return alerts
