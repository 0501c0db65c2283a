"""Reading a tenant's own settings (PKP, numbering, time zone, billing policy)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from application.shared.clock import Clock
from application.shared.errors import UnknownTenant
from application.shared.ports import Stores
from application.shared.unit_of_work import find
from domain.platform.tenant import Tenant


def tenant_of(stores: Stores, tenant_id: UUID) -> Tenant:
    tenant = find(stores.platform(), Tenant, tenant_id)
    if tenant is None:
        raise UnknownTenant(f"no tenant {tenant_id}")
    return tenant


class TenantCalendar:
    """Today and now as a tenant sees them: the clock read in the tenant's own time zone."""

    def __init__(self, stores: Stores, clock: Clock) -> None:
        self._stores = stores
        self._clock = clock

    def today(self, tenant_id: UUID) -> date:
        return self._clock.today(tenant_of(self._stores, tenant_id).timezone)

    def now(self) -> datetime:
        return self._clock.now()
