"""Reading a tenant's own settings (PKP, numbering, time zone, billing policy)."""

from __future__ import annotations

from uuid import UUID

from application.errors import UnknownTenant
from application.ports import Stores
from application.unit_of_work import find
from domain.tenant import Tenant


def tenant_of(stores: Stores, tenant_id: UUID) -> Tenant:
    tenant = find(stores.platform(), Tenant, tenant_id)
    if tenant is None:
        raise UnknownTenant(f"no tenant {tenant_id}")
    return tenant
