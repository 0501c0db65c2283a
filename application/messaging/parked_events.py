"""Telling a tenant's staff that one of its read models set an event aside.

A parked event means a read model is missing one change until the projection is fixed and
`niaga projections retry-parked` (or a rebuild) runs; the shop should know before a customer asks.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from application.shared.context import Actor, ActorKind, recording
from application.shared.ports import Stores
from application.shared.unit_of_work import find
from domain.messaging.notification import NotificationRequest

TEMPLATE = "read_model_event_parked"
_NOTICES = UUID("5b0f3f6e-2d1c-4c55-9a33-0d7f9c1e6a21")


class ParkedEventNotices:
    """Records one staff notice per parked event (asking twice finds the first)."""

    def __init__(self, stores: Stores) -> None:
        self._stores = stores

    def parked(
        self, tenant_id: UUID, store: str, projection: str, position: int, error: str
    ) -> None:
        subject = uuid5(_NOTICES, f"{store}/{projection}/{position}")
        notice = NotificationRequest.request(
            tenant_id,
            None,
            TEMPLATE,
            {"tampilan": projection, "posisi": str(position), "galat": error[:200]},
            subject,
            "parked",
        )
        store_of_tenant = self._stores.for_tenant(tenant_id)
        if find(store_of_tenant, NotificationRequest, notice.id) is not None:
            return
        actor = Actor(ActorKind.SYSTEM, "projections")
        with recording("NoticeParkedEvent", actor=actor, tenant_id=tenant_id):
            store_of_tenant.save(notice)
