"""A tenant's AI switch: with it off, every feature answers with its deterministic part only."""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event


class AiSettings(Aggregate):
    """One per tenant, in the tenant's store. A tenant without one has AI on."""

    class Started(Aggregate.Created):
        tenant_id: UUID

    class Switched(Aggregate.Event):
        enabled: bool

    @staticmethod
    def id_for(tenant_id: UUID) -> UUID:
        return uuid5(tenant_id, "ai-settings")

    @classmethod
    def start(cls, tenant_id: UUID) -> AiSettings:
        return cls._create(cls.Started, id=cls.id_for(tenant_id), tenant_id=tenant_id)

    @event(Started)
    def __init__(self, tenant_id: UUID) -> None:
        self.tenant_id = tenant_id
        self.enabled = True

    def switch(self, enabled: bool) -> bool:
        """False (nothing recorded) when the switch is already there."""
        if enabled == self.enabled:
            return False
        self._switched(enabled=enabled)
        return True

    @event(Switched)
    def _switched(self, enabled: bool) -> None:
        self.enabled = enabled
