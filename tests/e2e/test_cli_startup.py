"""The command line fails early and plainly, and carries on past what it can: a port in use, a
database that cannot be reached, a billing run over tenants of which one was already billed,
and health checks of parts that do not run."""

from __future__ import annotations

import socket
import time

import psycopg

from adapters.shared.settings import Settings
from tests.e2e.cli import run_niaga, run_niaga_executable


def _schema_exists(settings: Settings) -> bool:
    with psycopg.connect(settings.database_url or "") as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (settings.niaga_platform_schema,)
        ).fetchone()
    return row is not None


def test_serve_on_a_port_in_use_exits_at_once_before_touching_the_database(
    settings: Settings,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        started = time.monotonic()
        served = run_niaga_executable(settings, "serve", "--host", "127.0.0.1", "--port", port)
    assert served.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in served.stderr
    assert "Traceback" not in served.stderr
    assert time.monotonic() - started < 30
    assert not _schema_exists(settings)  # nothing was migrated, seeded or billed


def test_a_database_that_cannot_be_reached_is_named_with_its_cause(settings: Settings) -> None:
    refused = settings.model_copy(
        update={"database_url": "postgresql://niaga:s3cret@127.0.0.1:1/niaga"}
    )
    result = run_niaga(refused, "tenants", "list")
    assert result.returncode == 2
    assert "127.0.0.1:1" in result.stderr
    assert "Connection refused" in result.stderr
    unknown = settings.model_copy(
        update={"database_url": "postgresql://niaga:s3cret@db.invalid:5432/niaga"}
    )
    result = run_niaga(unknown, "migrate")
    assert result.returncode == 2
    assert "db.invalid:5432" in result.stderr
    for output in (result.stderr, result.stdout):
        assert "Traceback" not in output
        assert "s3cret" not in output


def test_billing_all_tenants_goes_on_past_one_already_billed(settings: Settings) -> None:
    billed = run_niaga(settings, "tenants", "create", "ISP Sudah Tagih").stdout.strip()
    fresh = run_niaga(settings, "tenants", "create", "ISP Belum Tagih").stdout.strip()
    first = run_niaga(settings, "billing", "run", "--date", "2026-02-10", "--tenant", billed)
    assert first.returncode == 0, first.stderr

    everyone = run_niaga(settings, "billing", "run", "--date", "2026-02-10")

    assert everyone.returncode == 0, everyone.stderr
    assert f"{billed}: already billed, skipped" in everyone.stdout
    assert f"{fresh}: 0 invoices" in everyone.stdout
    again = run_niaga(settings, "billing", "run", "--date", "2026-02-10", "--tenant", billed)
    assert again.returncode == 1  # one tenant asked for by name: the refusal is the answer
    assert "ALREADY_BILLED" in again.stderr


def test_health_fails_for_a_part_that_does_not_run_here(settings: Settings) -> None:
    assert run_niaga(settings, "migrate").returncode == 0
    worker = run_niaga(settings, "health", "worker")
    assert worker.returncode == 1
    assert "worker has no heartbeat" in worker.stderr
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    api = run_niaga(settings, "health", "api", env={"NIAGA_PORT": str(port)})
    assert api.returncode == 1
    assert "does not answer" in api.stderr
    assert run_niaga(settings, "health", "nothing").returncode == 2
