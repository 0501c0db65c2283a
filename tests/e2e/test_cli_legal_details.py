"""`niaga tenants settings` sets what a tenant's invoices say about it, run as a real process."""

from __future__ import annotations

from uuid import UUID

from adapters.bootstrap import Niaga
from application.shared.tenancy import tenant_of
from domain.platform.legal_details import BankAccount, LegalDetails
from tests.e2e.test_cli import _run


def test_legal_details_are_set_from_the_command_line(niaga: Niaga, tenant_id: UUID) -> None:
    settings, tenant = niaga.settings, str(tenant_id)
    changed = _run(
        settings,
        "tenants", "settings", tenant, "--legal-name", "PT Warung Net Sejahtera",
        "--address", "Jl. Kenanga 7, Bogor", "--npwp", "01.234.567.8-901.000",
        "--bank-account", "BCA,123-456-7890,PT Warung Net, Tbk",
        "--bank-account", "BRI,0012-01-000123-30-5,PT Warung Net, Tbk",
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    details = LegalDetails(
        "PT Warung Net Sejahtera",
        "Jl. Kenanga 7, Bogor",
        "012345678901000",
        (
            BankAccount("BCA", "123-456-7890", "PT Warung Net, Tbk"),
            BankAccount("BRI", "0012-01-000123-30-5", "PT Warung Net, Tbk"),
        ),
    )
    assert tenant_of(niaga.stores, tenant_id).legal_details == details

    bad = _run(settings, "tenants", "settings", tenant, "--pkp", "--npwp", "12345")
    assert bad.returncode == 1
    assert "INVALID_VALUE" in bad.stderr
    assert "npwp must be 15 or 16 digits" in bad.stderr
    unparsed = _run(settings, "tenants", "settings", tenant, "--bank-account", "BCA 1234567890")
    assert unparsed.returncode == 2
    assert not tenant_of(niaga.stores, tenant_id).pkp

    cleared = _run(settings, "tenants", "settings", tenant, "--no-bank-accounts", "--address", "")
    assert cleared.returncode == 0, cleared.stderr
    after = tenant_of(niaga.stores, tenant_id).legal_details
    assert (after.bank_accounts, after.address, after.npwp) == ((), None, "012345678901000")
