"""An idle server: database transactions per second while nothing happens.

    python -m bench.idle                 # 20 s of idleness after start-up
    python -m bench.idle --seconds 60

Starts `niaga serve` (API, projection daemon and process managers in one process, the embedded
default's layout) on a throwaway database with a few tenants, waits for it to settle, then counts
the database's committed and rolled-back transactions (pg_stat_database) over the window.
Baseline in the same run: the same count with no server at all (the statistics collector's own
noise). Goal (BENCHMARKS.md): ~0 transactions/s when nothing happens (woken by NOTIFY).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
from psycopg.conninfo import conninfo_to_dict

from bench.common import base_parser, throwaway_database


def _transactions(url: str) -> int:
    dbname = conninfo_to_dict(url)["dbname"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
            (dbname,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _rate(url: str, seconds: float) -> float:
    """Transactions per second over the window, less this probe's own two."""
    time.sleep(1.0)  # let the statistics collector flush what came before
    before = _transactions(url)
    time.sleep(seconds)
    after = _transactions(url)
    return max(after - before - 1, 0) / seconds


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--tenants", type=int, default=3)
    args = parser.parse_args()
    niaga = str(Path(sys.executable).with_name("niaga"))
    with throwaway_database("bench_idle") as url:
        env = {**os.environ, "DATABASE_URL": url, "NIAGA_DATA_DIR": "/tmp/niaga-bench-idle"}
        env.pop("REDIS_URL", None)  # the embedded default: process managers in this process
        for i in range(args.tenants):
            subprocess.run(
                [niaga, "tenants", "create", f"Idle {i}", "--own-schema"],
                env=env,
                check=True,
                capture_output=True,
            )
        baseline = _rate(url, args.seconds)
        port = _free_port()
        server = subprocess.Popen(
            [niaga, "serve", "--no-scheduler", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            time.sleep(5.0)  # start-up work (migrations, first catch-up) settles
            idle = _rate(url, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"idle server, {args.tenants} own-schema tenants, {args.seconds:.0f} s window")
    print(f"  no server (baseline):  {baseline:8.2f} transactions/s")
    print(f"  niaga serve, idle:     {idle:8.2f} transactions/s")


if __name__ == "__main__":
    main()
