"""Running the `niaga` command as a process of its own against a test's database and platform.

Starting the command imports every area (a few seconds of CPU) before it does anything, and
the suite runs it many times. So each command runs in a process forked from a server that
imported `api.cli` once (multiprocessing's forkserver): a process of its own all the same, with
its own environment, arguments, standard streams and exit code, entered through the same
`main` the installed `niaga` script calls. `run_niaga_executable` starts the installed script
itself, for the tests that are about the executable.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from adapters.shared.settings import Settings

NIAGA = str(Path(sys.executable).with_name("niaga"))
# The command's own data directory (it keeps a secret key there when none is given), kept away
# from the user's.
DATA_DIR = tempfile.mkdtemp(prefix="niaga-cli-test-")
TIMEOUT = 120.0

_FORKS = multiprocessing.get_context("forkserver")
# GNU readline, once loaded, exports COLUMNS and LINES to the process's C environment (not to
# os.environ), and the server inherits it: a console created at import would keep that width.
for _size in ("COLUMNS", "LINES"):
    os.environ[_size] = ""
    del os.environ[_size]
# The server imports the command once; COLUMNS is read per command, as the command's width.
_FORKS.set_forkserver_preload(["api.cli"])


def run_niaga(
    settings: Settings, *args: str, columns: int = 200, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`niaga ARGS...` on the test's database and platform schema, with the test's secret key so
    that what the command seals the test can open, and the other way round; `env` adds to
    the environment."""
    environment = _environment(settings, columns, env)
    with tempfile.TemporaryDirectory(prefix="niaga-cli-run-") as folder:
        out, err = Path(folder, "stdout"), Path(folder, "stderr")
        process = _FORKS.Process(target=_command, args=(list(args), environment, out, err))
        process.start()
        process.join(TIMEOUT)
        if process.exitcode is None:
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired(["niaga", *args], TIMEOUT)
        return subprocess.CompletedProcess(
            ["niaga", *args], process.exitcode, _read(out), _read(err)
        )


def run_niaga_executable(
    settings: Settings, *args: str, columns: int = 200, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed `niaga` script, started as any user starts it."""
    return subprocess.run(
        [NIAGA, *args],
        env=_environment(settings, columns, env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def _environment(settings: Settings, columns: int, env: dict[str, str] | None) -> dict[str, str]:
    return {
        **os.environ,
        **(env or {}),
        "DATABASE_URL": settings.database_url or "",
        "NIAGA_PLATFORM_SCHEMA": settings.niaga_platform_schema,
        "NIAGA_SECRET_KEY": settings.niaga_secret_key or "",
        "NIAGA_DATA_DIR": DATA_DIR,
        "COLUMNS": str(columns),
    }


def _command(args: list[str], environment: dict[str, str], out: Path, err: Path) -> None:
    """In the forked process: the command's environment and streams, then its `main`."""
    os.environ.clear()
    os.environ.update(environment)
    _redirect(0, os.devnull, os.O_RDONLY)
    _redirect(1, str(out), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    _redirect(2, str(err), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    sys.argv = [NIAGA, *args]
    from api.cli import main

    try:
        main()
    except SystemExit:
        raise
    except BaseException:
        traceback.print_exc()  # as the interpreter prints what nothing caught
        raise SystemExit(1) from None
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _read(stream: Path) -> str:
    """What the command wrote; nothing when it died before opening its streams."""
    return stream.read_text() if stream.exists() else ""


def _redirect(fd: int, path: str, flags: int) -> None:
    opened = os.open(path, flags, 0o600)
    os.dup2(opened, fd)
    os.close(opened)
