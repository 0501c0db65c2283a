"""Reading a tenant's own settings (PKP, numbering, time zone, billing policy)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from application.shared.clock import Clock
from application.shared.errors import UnknownTenant
from application.shared.ports import Stores
from application.shared.unit_of_work import find
from domain.platform.tenant import Tenant
from domain.shared.local_time import local_time, shown_time


def tenant_of(stores: Stores, tenant_id: UUID) -> Tenant:
    tenant = find(stores.platform(), Tenant, tenant_id)
    if tenant is None:
        raise UnknownTenant(f"no tenant {tenant_id}")
    return tenant


class TenantCalendar:
    """Today and now as a tenant sees them: the clock read in the tenant's own time zone, and
    any instant turned into the time its people read (messages, pages, reports)."""

    def __init__(self, stores: Stores, clock: Clock) -> None:
        self._stores = stores
        self._clock = clock

    def zone(self, tenant_id: UUID) -> str:
        """The tenant's IANA time zone, e.g. `Asia/Jakarta`."""
        return tenant_of(self._stores, tenant_id).timezone

    def today(self, tenant_id: UUID) -> date:
        return self._clock.today(self.zone(tenant_id))

    def now(self) -> datetime:
        return self._clock.now()

    def local(self, tenant_id: UUID, instant: datetime) -> datetime:
        """`instant` on the tenant's wall clock (still aware, so it compares as an instant)."""
        return local_time(instant, self.zone(tenant_id))

    def shown(self, tenant_id: UUID, instant: datetime) -> str:
        """`instant` as the tenant's messages write it: `05/12/2026 22:54 WIB`."""
        return shown_time(instant, self.zone(tenant_id))
