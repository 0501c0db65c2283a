"""Running the `niaga` command as a real process against a test's database and platform."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from adapters.shared.settings import Settings

NIAGA = str(Path(sys.executable).with_name("niaga"))
# The command's own data directory (it keeps a secret key there when none is given), kept away
# from the user's.
DATA_DIR = tempfile.mkdtemp(prefix="niaga-cli-test-")


def run_niaga(
    settings: Settings, *args: str, columns: int = 200, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`niaga ARGS...` on the test's database and platform schema, with the test's secret key so
    that what the command seals the test can open, and the other way round; `env` adds to
    the environment."""
    environment = {
        **os.environ,
        **(env or {}),
        "DATABASE_URL": settings.database_url or "",
        "NIAGA_PLATFORM_SCHEMA": settings.niaga_platform_schema,
        "NIAGA_SECRET_KEY": settings.niaga_secret_key or "",
        "NIAGA_DATA_DIR": DATA_DIR,
        "COLUMNS": str(columns),
    }
    return subprocess.run(
        [NIAGA, *args], env=environment, capture_output=True, text=True, timeout=120
    )
