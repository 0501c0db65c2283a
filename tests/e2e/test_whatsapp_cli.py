"""`niaga whatsapp configure`, run as a real process: credentials sealed, bad input refused."""

from __future__ import annotations

import subprocess
from uuid import UUID

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from tests.e2e.cli import run_niaga


def _run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_niaga(settings, *args)


def test_a_tenants_provider_is_configured_from_the_command_line(
    niaga: Niaga, settings: Settings, tenant_id: UUID
) -> None:
    tenant = str(tenant_id)
    done = _run(
        settings,
        "whatsapp",
        "configure",
        tenant,
        "--provider",
        "fonnte",
        "--sender",
        "6281100000000",
        "--token",
        "rahasia-fonnte",
    )
    assert done.returncode == 0, done.stderr
    assert "rahasia-fonnte" not in done.stdout

    missing = _run(
        settings,
        "whatsapp",
        "configure",
        tenant,
        "--provider",
        "cloud_api",
        "--sender",
        "123",
        "--access-token",
        "t",
    )
    assert missing.returncode == 2
    assert "cloud_api needs app_secret, verify_token" in missing.stderr
    unknown = _run(
        settings, "whatsapp", "configure", tenant, "--provider", "wablas", "--sender", "1"
    )
    assert unknown.returncode == 2

    channel = niaga.whatsapp.messages.channel_access(tenant_id)
    assert channel is not None
    assert (channel.provider, channel.sender) == ("fonnte", "6281100000000")
    assert channel.credentials == {"token": "rahasia-fonnte"}
