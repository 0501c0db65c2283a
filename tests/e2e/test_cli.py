"""The `niaga` command line, run as a real process against the test database."""

from __future__ import annotations

import subprocess
import uuid

from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.customers.customers import RegisterCustomer
from tests.conftest import principal_for
from tests.e2e.cli import run_niaga


def _run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_niaga(settings, *args)


def test_tenants_and_api_keys_are_managed_from_the_command_line(settings: Settings) -> None:
    created = _run(settings, "tenants", "create", "Toko Servis HP", "--own-schema")
    assert created.returncode == 0, created.stderr
    tenant_id = created.stdout.strip()

    listed = _run(settings, "tenants", "list")
    assert "Toko Servis HP" in listed.stdout

    key = _run(settings, "api-keys", "create", tenant_id, "--role", "admin", "--label", "kasir")
    assert key.returncode == 0, key.stderr
    token = key.stdout.strip()
    assert token.startswith("nk_")

    revoked = _run(settings, "api-keys", "revoke", token.split("_")[1])
    assert revoked.returncode == 0, revoked.stderr
    again = _run(settings, "api-keys", "revoke", "doesnotexist")
    assert again.returncode == 1
    assert "NOT_FOUND" in again.stderr

    status = _run(settings, "projections", "status")
    assert "customer_list" in status.stdout
    rebuilt = _run(settings, "projections", "rebuild", "--all")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert _run(settings, "migrate").returncode == 0


def test_bad_flags_get_a_clear_error_and_change_nothing(settings: Settings) -> None:
    bad_role = _run(
        settings, "api-keys", "create", "3f1c0c5e-0000-4000-8000-000000000000", "--role", "god"
    )
    assert bad_role.returncode == 2
    assert "'god' is not one of" in bad_role.stderr
    bad_id = _run(settings, "api-keys", "create", "not-a-uuid")
    assert bad_id.returncode == 2
    unknown_tenant = _run(settings, "api-keys", "create", "3f1c0c5e-0000-4000-8000-000000000000")
    assert unknown_tenant.returncode == 1
    assert "UNKNOWN_TENANT" in unknown_tenant.stderr
    unknown_projection = _run(settings, "projections", "rebuild", "nope")
    assert unknown_projection.returncode == 2
    assert "unknown projection 'nope'" in unknown_projection.stderr
    empty_name = _run(settings, "tenants", "create", "   ")
    assert empty_name.returncode == 1
    assert "name must not be empty" in empty_name.stderr
    assert "Toko" not in _run(settings, "tenants", "list").stdout


def test_billing_runs_from_the_command_line_and_refuses_a_second_run(settings: Settings) -> None:
    tenant_id = _run(settings, "tenants", "create", "ISP Desa").stdout.strip()
    assert (
        _run(
            settings, "tenants", "settings", tenant_id, "--pkp", "--invoice-prefix", "DSA"
        ).returncode
        == 0
    )
    bad_prefix = _run(settings, "tenants", "settings", tenant_id, "--invoice-prefix", "no spaces!")
    assert bad_prefix.returncode == 1
    assert "INVALID_VALUE" in bad_prefix.stderr

    first = _run(settings, "billing", "run", "--date", "2026-01-10", "--tenant", tenant_id)
    assert first.returncode == 0, first.stderr
    assert "0 invoices" in first.stdout
    second = _run(settings, "billing", "run", "--date", "2026-01-10", "--tenant", tenant_id)
    assert second.returncode == 1
    assert "ALREADY_BILLED" in second.stderr
    bad_date = _run(settings, "billing", "run", "--date", "10-01-2026")
    assert bad_date.returncode == 2
    dunning = _run(settings, "billing", "dunning", "--date", "2026-01-21", "--tenant", tenant_id)
    assert dunning.returncode == 0, dunning.stderr
    assert "0 reminders" in dunning.stdout


def test_parked_events_show_in_the_status_and_retry_after_a_fix(
    niaga: Niaga, settings: Settings, tenant_id: uuid.UUID
) -> None:
    owner = principal_for(tenant_id)
    niaga.customers.register(owner, RegisterCustomer("Budi Santoso", "081234567890"))
    store = niaga.stores.for_tenant(tenant_id)
    schema = store.ref.schema  # type: ignore[attr-defined]
    with niaga.database.connection() as conn:  # as if customer_list had failed on it
        conn.execute(
            sql.SQL(
                "INSERT INTO {0}.parked_events (projection, position, topic, error) "
                "SELECT 'customer_list', notification_id, topic, 'ValueError: was broken' "
                "FROM {0}.niaga_events WHERE topic LIKE '%:Customer.Registered'"
            ).format(sql.Identifier(schema))
        )

    status = _run(settings, "projections", "status")
    assert "1 event(s) parked" in status.stderr
    retried = run_niaga(settings, "projections", "retry-parked")
    assert retried.returncode == 0, retried.stderr
    assert "customer_list: 1 applied, 0 still parked" in retried.stdout
    assert "parked" not in _run(settings, "projections", "status").stderr
