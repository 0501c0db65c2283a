"""A bounded HTTP load: C keep-alive connections for S seconds against one URL, each request
taking the next body of a list in turn; requests per second, p50 and p99.

Two generators, both in a process of their own so they never share the measured server's
interpreter: `wrk` (C, one thread; the Debian package, installed on first use where we are root)
and, where wrk cannot be had, a Python one (asyncio over raw sockets, HTTP/1.1 keep-alive):

    python -m bench.http_load SPEC.json     # the Python generator; prints its result as JSON

Every answer is checked: one that is not `200`, lacks the scenario's marker or carries GraphQL
`"errors"` counts as bad, so a fast failure never passes for a fast answer.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

REQUEST_TIMEOUT = 30.0  # seconds; a slower answer counts as an error, not as a latency
GRAPHQL_ERRORS = '"errors"'


@dataclass(frozen=True)
class Scenario:
    """What one load sends: `bodies` in turn (none: a GET), each good answer holding `marker`."""

    name: str
    path: str
    marker: str
    bodies: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        return "POST" if self.bodies else "GET"


@dataclass(frozen=True)
class LoadResult:
    requests: int  # answered within the window
    seconds: float
    p50: float  # seconds
    p99: float
    bad: int  # answered, but not 200, without the marker or with GraphQL errors
    errors: int  # connection errors and time-outs

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Load:
    """Where and how hard: `headers` go with every request."""

    base_url: str
    headers: dict[str, str]
    connections: int
    seconds: float
    workdir: Path


def wrk_available(install: bool) -> bool:
    """Whether wrk is on PATH, installing Debian's package first if asked and allowed."""
    if shutil.which("wrk"):
        return True
    if not install or not shutil.which("apt-get") or os.geteuid() != 0:
        return False
    print("installing wrk (Debian package) ...", flush=True)
    done = subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        capture_output=True,
        check=False,
    )
    return done.returncode == 0 and shutil.which("wrk") is not None


def run(load: Load, scenario: Scenario, generator: str) -> LoadResult:
    bodies = load.workdir / f"{scenario.name}.bodies"
    bodies.write_text("".join(f"{body}\n" for body in scenario.bodies))
    if generator == "wrk":
        return _run_wrk(load, scenario, bodies)
    return _run_python(load, scenario, bodies)


# -- wrk -------------------------------------------------------------------------------------

# One request per body line in turn; answers checked in `response`; one JSON line from `done`.
_WRK_SCRIPT = r"""
local requests = {}
local next_request = 0
local marker = ""
local threads = {}
bad = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local method, path = args[1], args[2]
  marker = args[3]
  for line in io.lines(path) do
    table.insert(requests, wrk.format(method, nil, nil, line))
  end
  if #requests == 0 then
    table.insert(requests, wrk.format(method, nil, nil, nil))
  end
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, marker, 1, true)
      or string.find(body, '"errors"', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50": %f, "p99": %f, "bad": %d, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e6,
    latency:percentile(99) / 1e6, failed, e.connect + e.read + e.write + e.timeout))
end
"""


def _run_wrk(load: Load, scenario: Scenario, bodies: Path) -> LoadResult:
    script = load.workdir / "load.lua"
    script.write_text(_WRK_SCRIPT)
    headers = [arg for name, value in load.headers.items() for arg in ("-H", f"{name}: {value}")]
    command = [
        "wrk",
        "-t1",
        f"-c{load.connections}",
        f"-d{max(round(load.seconds), 1)}s",
        f"--timeout={REQUEST_TIMEOUT:.0f}s",
        *headers,
        "-s",
        str(script),
        f"{load.base_url}{scenario.path}",
        "--",
        scenario.method,
        str(bodies),
        scenario.marker,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=load.seconds + 60
    )
    return _result_line(done, "wrk")


# -- the Python generator ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """What the generator's own process is told to do (as JSON in a file)."""

    url: str
    method: str
    headers: dict[str, str]
    bodies: str  # path of the file of bodies, one a line
    marker: str
    connections: int
    seconds: float


def _run_python(load: Load, scenario: Scenario, bodies: Path) -> LoadResult:
    spec = load.workdir / f"{scenario.name}.json"
    url = f"{load.base_url}{scenario.path}"
    wanted = _Spec(
        url,
        scenario.method,
        load.headers,
        str(bodies),
        scenario.marker,
        load.connections,
        load.seconds,
    )
    spec.write_text(json.dumps(asdict(wanted)))
    done = subprocess.run(
        [sys.executable, "-m", "bench.http_load", str(spec)],
        capture_output=True,
        text=True,
        check=False,
        timeout=load.seconds + 60,
    )
    return _result_line(done, "the Python generator")


def _result_line(done: subprocess.CompletedProcess[str], name: str) -> LoadResult:
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{name} failed ({done.returncode}): {done.stderr or done.stdout}")
    return LoadResult(**json.loads(lines[-1]))


def _request_bytes(method: str, url: str, headers: dict[str, str], body: str | None) -> bytes:
    parts = urlsplit(url)
    lines = [f"{method} {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    payload = (body or "").encode()
    if body is not None:
        lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


@dataclass
class _Tally:
    latencies: list[float]
    bad: int = 0
    errors: int = 0


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding":
            raise ValueError("chunked answers are not supported; use wrk")
    return status, await reader.readexactly(length)


async def _connection(
    url: str,
    requests: list[bytes],
    first: int,
    stride: int,
    marker: bytes,
    deadline: float,
    tally: _Tally,
) -> None:
    """One client: requests back to back on a kept-alive connection until the deadline,
    reconnecting after an error (as wrk does)."""
    parts = urlsplit(url)
    turn = first
    while time.perf_counter() < deadline:
        writer: asyncio.StreamWriter | None = None
        try:
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(requests[turn % len(requests)])
                turn += stride
                status, body = await asyncio.wait_for(_answer(reader), REQUEST_TIMEOUT)
                if time.perf_counter() > deadline:
                    return  # answered after the window closed: not counted, as wrk does
                tally.latencies.append(time.perf_counter() - started)
                if status != 200 or marker not in body or GRAPHQL_ERRORS.encode() in body:
                    tally.bad += 1
        except (TimeoutError, asyncio.IncompleteReadError, OSError):
            tally.errors += 1
            await asyncio.sleep(0.01)  # a refused connection is not retried in a busy loop
        finally:
            if writer is not None:
                writer.close()


async def _drive(spec: _Spec) -> LoadResult:
    url, method, headers = spec.url, spec.method, spec.headers
    lines = Path(spec.bodies).read_text().splitlines()
    requests = [_request_bytes(method, url, headers, body) for body in lines] or [
        _request_bytes(method, url, headers, None)
    ]
    connections, seconds, marker = spec.connections, spec.seconds, spec.marker
    tally = _Tally([])
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _connection(url, requests, i, connections, marker.encode(), deadline, tally)
            for i in range(connections)
        )
    )
    elapsed = min(time.perf_counter(), deadline) - started
    cuts = statistics.quantiles(tally.latencies, n=100) if len(tally.latencies) > 1 else [0.0] * 99
    return LoadResult(len(tally.latencies), elapsed, cuts[49], cuts[98], tally.bad, tally.errors)


def main() -> None:
    spec = _Spec(**json.loads(Path(sys.argv[1]).read_text()))
    print(json.dumps(asdict(asyncio.run(_drive(spec)))), flush=True)


if __name__ == "__main__":
    main()
