"""Checks the `niaga` command makes before it starts anything, and `niaga health` (reached by
the command line through adapters.bootstrap).

Each says what is wrong in one line an operator can act on (which host, which port, why), so a
misconfigured process fails at once and plainly instead of after a pool's time-out.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

import httpx
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from adapters.shared.heartbeats import FRESH_FOR
from adapters.shared.http import tls
from adapters.shared.settings import Settings

ANY_ADDRESS = ("0.0.0.0", "::", "")  # noqa: S104 (compared with, not bound to)
CONNECT_TIMEOUT = 5  # seconds: a host that does not answer by then is named as unreachable


class PortInUse(Exception):
    pass


def claim_port(host: str, port: int) -> socket.socket:
    """Bind the API's socket now, before anything else starts; uvicorn serves on it later."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise PortInUse(
            f"cannot listen on {host}:{port}: {error.strerror or error} (is another server "
            "running there? pick another with --port or NIAGA_PORT)"
        ) from None
    return sock


def database_problem(url: str) -> str | None:
    """Why PostgreSQL at `url` cannot be used (None: it answers). Never shows the password."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as error:
        reason = re.sub(r'"[^"]*://[^"]*"', "the URL", _first_line(error))  # it holds a password
        return f"DATABASE_URL is not a valid PostgreSQL URL: {reason}"
    where = f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}"
    database = params.get("dbname") or params.get("user") or "postgres"
    try:
        psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT).close()
    except psycopg.Error as error:
        return f"cannot connect to PostgreSQL at {where} (database {database}): {_cause(error)}"
    return None


@dataclass(frozen=True)
class HealthReport:
    ok: bool
    message: str


def health(part: str, settings: Settings) -> HealthReport:
    """Whether `part` runs well on this host: its heartbeat is fresh (and, for the API, its
    /readyz answers 200). Without DATABASE_URL (the embedded default, where one `niaga serve`
    runs every part) the local API's /readyz is asked about the part instead."""
    if not settings.database_url:
        return _readyz(settings, part)
    if part == "api":
        ready = _readyz(settings, part)
        if not ready.ok:
            return ready
    return _heartbeat(part, settings.database_url, settings.niaga_platform_schema)


def _heartbeat(part: str, url: str, schema: str) -> HealthReport:
    host = socket.gethostname()
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT) as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT extract(epoch FROM now() - beat_at)::float8 FROM {} "
                    "WHERE part = %s AND host = %s"
                ).format(sql.Identifier(schema, "process_heartbeats")),
                (part, host),
            ).fetchone()
    except psycopg.Error as error:
        return HealthReport(False, f"cannot read heartbeats: {_cause(error)}")
    if row is None:
        return HealthReport(False, f"{part} has no heartbeat on {host}")
    age = float(row[0])
    if age > FRESH_FOR[part]:
        return HealthReport(False, f"{part} on {host} last beat {age:.0f} s ago")
    return HealthReport(True, f"{part} on {host} beat {age:.0f} s ago")


def _readyz(settings: Settings, part: str) -> HealthReport:
    # An API bound to every interface is asked on the loopback one.
    host = "127.0.0.1" if settings.niaga_host in ANY_ADDRESS else settings.niaga_host
    url = f"http://{host}:{settings.niaga_port}/readyz"
    try:
        response = httpx.get(url, timeout=CONNECT_TIMEOUT, verify=tls())
        body = response.json() if _is_json(response) else {}
    except (httpx.HTTPError, ValueError) as error:
        return HealthReport(False, f"{url} does not answer: {error}")
    if part != "api":
        report = body.get("parts", {}).get(part, {})
        ok = bool(report.get("ok")) and bool(report.get("in_this_process", True))
        return HealthReport(ok, f"{part} per {url}: {report or 'not reported'}")
    if response.status_code != 200:
        return HealthReport(False, f"{url} answered {response.status_code}: {body}")
    return HealthReport(True, f"{url} answered 200")


def _is_json(response: httpx.Response) -> bool:
    return str(response.headers.get("content-type", "")).startswith("application/json")


def _cause(error: psycopg.Error) -> str:
    """The server's or the network's reason, without psycopg's preamble."""
    line = _first_line(error)
    return line.rsplit(" failed: ", 1)[-1].removeprefix("FATAL:").strip()


def _first_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
