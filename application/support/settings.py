"""The tenant's support policy: its business hours and its targets per priority. Owners and
admins set them (`tenant:manage`, like the tenant's time zone they are read in); everyone who
reads tickets may read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver, find
from domain.support.policy import Priority, SupportPolicy, SupportSettings, Target
from domain.support.ticket import Sla


@dataclass(frozen=True)
class SupportSettingsView:
    policy: SupportPolicy
    zone: str  # the tenant's time zone, in which the hours are read


def policy_of(store: EventStore, tenant_id: UUID) -> SupportPolicy:
    settings = find(store, SupportSettings, SupportSettings.id_for(tenant_id))
    return settings.policy if settings else SupportPolicy()


def sla_of(stores: Stores, store: EventStore, tenant_id: UUID) -> Sla:
    """The tenant's policy on its own wall clock."""
    return Sla(policy_of(store, tenant_id), tenant_of(stores, tenant_id).timezone)


class SupportSettingsService:
    def __init__(self, stores: Stores, sync: ReadModelSync) -> None:
        self._stores = stores
        self._saver = Saver(sync)

    def set_hours(
        self, principal: Principal, days: list[int], opens: str, closes: str
    ) -> SupportSettingsView:
        """The days (ISO weekdays, Monday 1) and the local times the tenant answers tickets.
        Tickets opened from now on count their SLA in these hours."""
        authorize(principal, Permission.MANAGE_TENANT)
        store, settings = self._settings(principal)
        settings.set_hours(days, opens, closes)
        self._saver.save(store, principal, "SetSupportHours", settings)
        return self._view(principal, settings.policy)

    def set_targets(
        self, principal: Principal, targets: Mapping[Priority, Target]
    ) -> SupportSettingsView:
        """Business minutes to first response and to resolution, for the priorities given."""
        authorize(principal, Permission.MANAGE_TENANT)
        store, settings = self._settings(principal)
        settings.set_targets(targets)
        self._saver.save(store, principal, "SetSupportTargets", settings)
        return self._view(principal, settings.policy)

    def settings(self, principal: Principal) -> SupportSettingsView:
        authorize(principal, Permission.READ_TICKETS)
        store = self._stores.for_tenant(principal.tenant_id)
        return self._view(principal, policy_of(store, principal.tenant_id))

    def _settings(self, principal: Principal) -> tuple[EventStore, SupportSettings]:
        store = self._stores.for_tenant(principal.tenant_id)
        found = find(store, SupportSettings, SupportSettings.id_for(principal.tenant_id))
        return store, found or SupportSettings.start(principal.tenant_id)

    def _view(self, principal: Principal, policy: SupportPolicy) -> SupportSettingsView:
        return SupportSettingsView(policy, tenant_of(self._stores, principal.tenant_id).timezone)
