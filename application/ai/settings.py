"""Each tenant's AI switch. Off, every feature answers with its deterministic part only."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, find
from domain.ai.settings import AiSettings


@dataclass(frozen=True)
class AiSettingsView:
    enabled: bool  # the tenant's switch
    keys_available: bool  # a key it may use exists (its own or the platform's), not disabled


class AiSwitch:
    def __init__(self, stores: Stores, sync: ReadModelSync) -> None:
        self._stores = stores
        self._saver = Saver(sync)

    def enabled(self, tenant_id: UUID) -> bool:
        """A tenant that never touched the switch has AI on (when a key exists)."""
        settings = find(
            self._stores.for_tenant(tenant_id), AiSettings, AiSettings.id_for(tenant_id)
        )
        return settings is None or settings.enabled

    def switch(self, principal: Principal, enabled: bool) -> None:
        """Turn AI on or off for the tenant (owners and admins)."""
        authorize(principal, Permission.MANAGE_AI)
        store = self._stores.for_tenant(principal.tenant_id)
        settings = find(store, AiSettings, AiSettings.id_for(principal.tenant_id))
        settings = settings or AiSettings.start(principal.tenant_id)
        settings.switch(enabled)
        if settings.pending_events:
            self._saver.save(store, principal, "SwitchAi", settings)
