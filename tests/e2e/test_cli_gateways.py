"""`niaga gateways` run as a real process: credentials set, bad flags refused, re-checks run."""

from __future__ import annotations

from uuid import UUID

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from tests.conftest import principal_for
from tests.e2e.test_cli import _run


def test_gateway_credentials_are_set_from_the_command_line(settings: Settings) -> None:
    tenant_id = _run(settings, "tenants", "create", "ISP Bandung").stdout.strip()
    done = _run(
        settings,
        "gateways", "configure", tenant_id, "tripay",
        "--credential", "api_key=DEV-rahasia",
        "--credential", "private_key=kunci-privat",
        "--credential", "merchant-code=T0001",
        "--endpoint", "method=BRIVA",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "kunci-privat" not in done.stdout

    niaga = Niaga.start(settings)
    try:
        (account,) = niaga.gateway_queries.accounts(principal_for(UUID(tenant_id)))
    finally:
        niaga.close()
    assert account.credentials_set == ["api_key", "merchant_code", "private_key"]
    assert account.endpoints == {"method": "BRIVA"}

    unknown = _run(settings, "gateways", "configure", tenant_id, "paypal", "--credential", "a=b")
    assert unknown.returncode == 1
    assert "unknown gateway 'paypal'" in unknown.stderr
    malformed = _run(settings, "gateways", "configure", tenant_id, "midtrans", "--credential", "x")
    assert malformed.returncode == 2
    assert "name=value" in malformed.stderr

    rechecked = _run(settings, "gateways", "recheck")
    assert rechecked.returncode == 0, rechecked.stderr
    assert "0 callbacks resolved" in rechecked.stdout
