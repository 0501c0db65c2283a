"""A thread that LISTENs on PostgreSQL channels over a connection of its own and hands every
notice to its owner, reconnecting after the database went away.

What a process keeps in memory from the database (API keys, sessions, tenants' write states)
is safe to keep only while changes are heard. So the owner is told three things: listening
has begun (`on_listening`: whatever was read before may predate an unheard change), a notice
arrived (`on_notice`), and listening has stopped (`on_deaf`: keep nothing until it is back).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import Connection, Notify, sql

from adapters.shared.supervision import Recovery

log = logging.getLogger(__name__)
POLL = 0.5  # seconds between looks at whether the listener is being closed
MAX_PAUSE = 10.0  # seconds between attempts to listen again while the database is away


class NoticeListener:
    """Starts with `start` (idempotent) and stops with `close`; named `name` in
    pg_stat_activity. `meanwhile` says in the warning what the owner does while it is deaf."""

    def __init__(
        self,
        url: str,
        channels: Sequence[str],
        name: str,
        meanwhile: str,
        on_listening: Callable[[], None],
        on_notice: Callable[[Notify], None],
        on_deaf: Callable[[], None],
    ) -> None:
        self._url, self._channels, self._name, self._meanwhile = url, channels, name, meanwhile
        self._on_listening, self._on_notice, self._on_deaf = on_listening, on_notice, on_deaf
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None or self._stop.is_set():
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._listen, name=self._name, daemon=True)
                self._thread.start()

    def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=POLL * 4)

    def _listen(self) -> None:
        recovery = Recovery(self._name, float("inf"), max_pause=MAX_PAUSE)
        try:
            while not self._stop.is_set():
                try:
                    self._listen_once(recovery)
                except Exception as error:
                    self._on_deaf()
                    if self._stop.is_set():
                        break
                    pause = recovery.failed(error)
                    log.warning(
                        "%s lost the database (%s); %s until it is back, retrying in %.1f s",
                        self._name,
                        error,
                        self._meanwhile,
                        pause,
                    )
                    self._stop.wait(pause)
        finally:
            self._on_deaf()

    def _listen_once(self, recovery: Recovery) -> None:
        with self._connect() as conn:
            for channel in self._channels:
                conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            self._on_listening()
            recovery.succeeded()
            while not self._stop.is_set():
                for notice in conn.notifies(timeout=POLL):
                    self._on_notice(notice)

    def _connect(self) -> Connection[Any]:
        """TCP keepalives notice a silently dropped link within a minute (a restarted server
        closes it at once)."""
        return psycopg.connect(
            self._url,
            autocommit=True,
            application_name=self._name,
            connect_timeout=10,
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
        )
