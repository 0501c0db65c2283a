"""The layer and area rules hold on the tree, and every rule can fail.

The import-linter contracts in pyproject.toml run on the real tree, and each one runs alone on a
copy of the five packages into which one deliberate violation was written. What import-linter
cannot express (it sees only the top-level name of an outside package) is checked here by
reading the imports with `ast`: the domain's exact allow-list, and the driver-bound half of
eventsourcing kept out of the application and the projections.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("domain", "application", "projections", "adapters", "api")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Besides the standard library and itself, the domain may import only these.
# Besides pydantic, the domain uses one pure data library: phonenumbers (Google's numbering
# plan, no I/O) reads a phone number once, whatever digits it was typed in.
DOMAIN_MAY_IMPORT = ("domain", "pydantic", "eventsourcing.domain", "phonenumbers")
# eventsourcing's persistence on a particular database belongs to the adapters.
DRIVER_BOUND = ("eventsourcing.postgres", "eventsourcing.sqlite")
_CACHES = shutil.ignore_patterns("__pycache__", "*.pyc")


# -- what the code imports -------------------------------------------------------------------


def imported_modules(path: Path) -> Iterator[tuple[str, int]]:
    """Every absolute import in a file, with its line. `from a import b` counts as `a.b`, so
    `from eventsourcing import persistence` is told apart from `eventsourcing.domain`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield f"{node.module}.{alias.name}", node.lineno


def _within(module: str, packages: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _imports_under(root: Path, packages: Iterable[str]) -> Iterator[tuple[str, str]]:
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            for module, line in imported_modules(path):
                yield module, f"{path.relative_to(root)}:{line}"


def domain_outside_imports(root: Path) -> list[str]:
    """Imports in domain/ of anything but the standard library and the allow-list."""
    return [
        f"{where} imports {module}"
        for module, where in _imports_under(root, ["domain"])
        if module.split(".")[0] not in sys.stdlib_module_names
        and not _within(module, DOMAIN_MAY_IMPORT)
    ]


def driver_bound_imports(root: Path) -> list[str]:
    """Imports of eventsourcing's database-specific modules in application/ or projections/."""
    return [
        f"{where} imports {module}"
        for module, where in _imports_under(root, ["application", "projections"])
        if _within(module, DRIVER_BOUND)
    ]


def test_the_domain_imports_only_the_standard_library_pydantic_and_eventsourcing_domain() -> None:
    assert domain_outside_imports(ROOT) == []


def _imported_by(source: str) -> str:
    """What one import statement imports, as `imported_modules` names it."""
    words = source.split()
    return words[1] if words[0] == "import" else f"{words[1]}.{words[3]}"


@pytest.mark.parametrize(
    "source",
    [
        "import eventsourcing.persistence\n",
        "from eventsourcing import utils\n",
        "from eventsourcing.application import Application\n",
        "from psycopg import sql\n",
    ],
)
def test_the_domain_check_names_a_module_that_imports_past_the_allow_list(
    tmp_path: Path, source: str
) -> None:
    shutil.copytree(ROOT / "domain", tmp_path / "domain", ignore=_CACHES)
    (tmp_path / "domain" / "shared" / "violation.py").write_text(source)

    found = domain_outside_imports(tmp_path)

    assert [f for f in found if f.startswith("domain/shared/violation.py:")] == [
        f"domain/shared/violation.py:1 imports {_imported_by(source)}"
    ]


def test_the_domain_check_allows_eventsourcing_domain_however_it_is_imported(
    tmp_path: Path,
) -> None:
    shutil.copytree(ROOT / "domain", tmp_path / "domain", ignore=_CACHES)
    (tmp_path / "domain" / "shared" / "allowed.py").write_text(
        "from eventsourcing import domain\nimport pydantic\nfrom datetime import date\n"
    )

    assert [f for f in domain_outside_imports(tmp_path) if "shared/allowed.py" in f] == []


def test_the_application_and_projections_import_no_database_specific_eventsourcing() -> None:
    assert driver_bound_imports(ROOT) == []


def test_the_driver_check_names_a_projection_that_imports_eventsourcing_postgres(
    tmp_path: Path,
) -> None:
    for package in ("application", "projections"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=_CACHES)
    (tmp_path / "projections" / "shared" / "violation.py").write_text(
        "from eventsourcing.postgres import PostgresDatastore\n"
    )

    assert [f for f in driver_bound_imports(tmp_path) if "shared/violation.py" in f] == [
        "projections/shared/violation.py:1 imports eventsourcing.postgres.PostgresDatastore"
    ]


# -- the import-linter contracts ---------------------------------------------------------------


def contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _module_file(module: str) -> str:
    return module.replace(".", "/") + ".py"


def _importing(importer: str, imported: str) -> dict[str, str]:
    """Two new modules: `importer` imports `imported`, which is empty."""
    return {_module_file(imported): "", _module_file(importer): f"import {imported}\n"}


# One deliberate violation per contract: files to add to a copy of the tree, by path.
FIXED_VIOLATIONS: dict[str, dict[str, str]] = {
    "layers": _importing("domain.shared.violation", "application.shared.violation_target"),
    "domain-externals": {"domain/shared/violation.py": "import psycopg\n"},
    "application-no-drivers": {"application/shared/violation.py": "import psycopg\n"},
    "projections-no-drivers": {"projections/shared/violation.py": "import fastapi\n"},
    "api-adapters": _importing("api.shared.violation", "adapters.shared.violation_target"),
}


def violation_for(contract_id: str, contract: dict[str, Any]) -> dict[str, str]:
    """The violation that must break a contract: fixed ones above; for a layer's areas, one
    area importing past another area's package root; for a kernel, the kernel importing an
    area."""
    if contract_id in FIXED_VIOLATIONS:
        return FIXED_VIOLATIONS[contract_id]
    if contract["type"] == "independence":
        first, second = contract["modules"][:2]
        return _importing(f"{first}.violation", f"{second}.violation_target")
    kernel, area = contract["source_modules"][0], contract["forbidden_modules"][0]
    return _importing(f"{kernel}.violation", f"{area}.violation_target")


def lint_imports(root: Path, *contract_ids: str) -> subprocess.CompletedProcess[str]:
    only = [arg for contract_id in contract_ids for arg in ("--contract", contract_id)]
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", *only, "pyproject.toml"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def copy_of_the_tree(tmp_path: Path, extra_files: dict[str, str]) -> Path:
    for package in LAYERS:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=_CACHES)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for relative, source in extra_files.items():
        (tmp_path / relative).write_text(source)
    return tmp_path


def test_every_contract_holds_on_the_tree() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("contract_id", sorted(contracts()))
def test_each_contract_fails_on_a_deliberate_violation(tmp_path: Path, contract_id: str) -> None:
    violation = violation_for(contract_id, contracts()[contract_id])
    importer = next(path for path, source in violation.items() if source)
    tree = copy_of_the_tree(tmp_path, violation)

    result = lint_imports(tree, contract_id)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 broken" in result.stdout
    assert importer.removesuffix(".py").replace("/", ".") in result.stdout


def test_an_area_may_import_another_areas_package_root(tmp_path: Path) -> None:
    tree = copy_of_the_tree(
        tmp_path,
        {"application/vouchers/through_the_front_door.py": "import application.billing\n"},
    )

    result = lint_imports(tree, "application-areas")

    assert result.returncode == 0, result.stdout + result.stderr


def area_packages(container: str) -> set[str]:
    """The packages directly inside a layer (or api.graphql) other than its kernel."""
    folder = ROOT / container.replace(".", "/")
    return {
        f"{container}.{child.name}"
        for child in folder.iterdir()
        if (child / "__init__.py").exists() and child.name not in ("shared", "graphql")
    }


@pytest.mark.parametrize("layer", LAYERS)
def test_every_area_package_is_under_its_layers_area_and_kernel_contracts(layer: str) -> None:
    containers = ["api", "api.graphql"] if layer == "api" else [layer]
    areas = set().union(*(area_packages(c) for c in containers))

    assert set(contracts()[f"{layer}-areas"]["modules"]) == areas
    assert set(contracts()[f"{layer}-kernel"]["forbidden_modules"]) == areas
    assert set(contracts()[f"{layer}-kernel"]["source_modules"]) == {
        f"{c}.shared" for c in containers
    }


def test_every_path_the_architecture_page_names_exists() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    top = "|".join(("migrations", "tests", "bench", "docs", *LAYERS))
    named = set(re.findall(rf"(?:`|\*\*)((?:{top})/[\w/.]*)(?:`|\*\*)", page))

    assert named, "the page names no paths"
    assert sorted(p for p in named if not (ROOT / p).exists()) == []
