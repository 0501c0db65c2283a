"""Labels a tenant puts on its customers ("rt-05", "vip", "nunggak") to reach them as a group."""

from __future__ import annotations

import re
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import InvalidValue

_TAG = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,39}$")


def normalise_tag(raw: str) -> str:
    tag = " ".join((raw or "").split()).lower()
    if not _TAG.match(tag):
        raise InvalidValue(
            f"tag {raw!r} must be 1-40 letters, digits, spaces, - or _", field="tags"
        )
    return tag


class CustomerTags(Aggregate):
    """One per customer; its id derives from the customer's."""

    class Started(Aggregate.Created):
        tenant_id: UUID
        customer_id: UUID

    class Tagged(Aggregate.Event):
        tenant_id: UUID
        customer_id: UUID
        tag: str

    class Untagged(Aggregate.Event):
        tenant_id: UUID
        customer_id: UUID
        tag: str

    @staticmethod
    def id_for(customer_id: UUID) -> UUID:
        return uuid5(customer_id, "customer-tags")

    @classmethod
    def start(cls, tenant_id: UUID, customer_id: UUID) -> CustomerTags:
        return cls._create(
            cls.Started, id=cls.id_for(customer_id), tenant_id=tenant_id, customer_id=customer_id
        )

    @event(Started)
    def __init__(self, tenant_id: UUID, customer_id: UUID) -> None:
        self.tenant_id, self.customer_id = tenant_id, customer_id
        self.tags: set[str] = set()

    def tag(self, raw: str) -> None:
        tag = normalise_tag(raw)
        if tag not in self.tags:
            self._tagged(tenant_id=self.tenant_id, customer_id=self.customer_id, tag=tag)

    @event(Tagged)
    def _tagged(self, tenant_id: UUID, customer_id: UUID, tag: str) -> None:
        self.tags.add(tag)

    def untag(self, raw: str) -> None:
        tag = normalise_tag(raw)
        if tag in self.tags:
            self._untagged(tenant_id=self.tenant_id, customer_id=self.customer_id, tag=tag)

    @event(Untagged)
    def _untagged(self, tenant_id: UUID, customer_id: UUID, tag: str) -> None:
        self.tags.discard(tag)
