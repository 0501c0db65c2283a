"""What clients read of the AI area: keys (labels and states, never the keys) and the switch."""

from __future__ import annotations

from uuid import UUID

from application.ai.ports import AiKeyReadModels, AiKeyView
from application.ai.settings import AiSettingsView, AiSwitch
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.ports import Stores
from domain.ai.key import KeyStatus


class AiQueries:
    def __init__(
        self, stores: Stores, read_models: AiKeyReadModels, switch: AiSwitch, clock: Clock
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._switch = switch
        self._clock = clock

    def keys(self, principal: Principal) -> list[AiKeyView]:
        """The tenant's own keys, oldest first (owners and admins)."""
        authorize(principal, Permission.MANAGE_AI)
        store = self._stores.for_tenant(principal.tenant_id)
        return self._read_models.keys(store, principal.tenant_id, self._clock.now())

    def key(self, principal: Principal, key_id: UUID) -> AiKeyView | None:
        return next((k for k in self.keys(principal) if k.id == key_id), None)

    def settings(self, principal: Principal) -> AiSettingsView:
        authorize(principal, Permission.MANAGE_AI)
        usable = [
            k
            for k in self.keys(principal) + self.platform_keys()
            if k.status != KeyStatus.DISABLED.value
        ]
        return AiSettingsView(self._switch.enabled(principal.tenant_id), bool(usable))

    def platform_keys(self) -> list[AiKeyView]:
        """The platform's keys, for the operator (`niaga ai keys list`)."""
        return self._read_models.keys(self._stores.platform(), None, self._clock.now())
