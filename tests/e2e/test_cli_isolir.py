"""`niaga tenants settings` chooses a tenant's isolir policy, run as a real process."""

from __future__ import annotations

from uuid import UUID

from adapters.bootstrap import Niaga
from application.shared.tenancy import tenant_of
from domain.platform.tenant import IsolirPolicy
from tests.e2e.test_cli import _run


def test_the_isolir_policy_is_set_from_the_command_line(niaga: Niaga, tenant_id: UUID) -> None:
    settings = niaga.settings
    tenant = str(tenant_id)
    changed = _run(
        settings,
        "tenants", "settings", tenant, "--isolir-mode", "address_list",
        "--isolir-address-list", "blokir",
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert tenant_of(niaga.stores, tenant_id).isolir_policy == IsolirPolicy(
        "address_list", "isolir", "blokir"
    )
    # Only what is given changes.
    assert (
        _run(settings, "tenants", "settings", tenant, "--isolir-profile", "telat").returncode == 0
    )
    assert tenant_of(niaga.stores, tenant_id).isolir_policy == IsolirPolicy(
        "address_list", "telat", "blokir"
    )

    bad = _run(settings, "tenants", "settings", tenant, "--isolir-mode", "firewall")
    assert bad.returncode == 1
    assert "isolir mode must be one of profile, address_list" in bad.stderr
    assert tenant_of(niaga.stores, tenant_id).isolir_policy.profile == "telat"
