"""API keys verified from a short cache: a key read moments ago costs no query, a recorded
revocation holds at once, and while changes cannot be heard nothing is trusted from memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

import psycopg
import pytest
from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.api_key_cache import LISTENER_NAME
from application.platform.tenants import IssuedApiKey
from application.shared.errors import AuthenticationFailed
from domain.shared.roles import Role


def _until(condition: object, what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def _warm(niaga: Niaga, key: IssuedApiKey) -> None:
    """Authenticate until the listener hears changes, then once more: the key is kept."""
    niaga.services.tenants.authenticate(key.token)
    _until(lambda: niaga.api_keys.listening, "the listener did not connect")
    niaga.services.tenants.authenticate(key.token)


def _mark_revoked_unannounced(niaga: Niaga, key_id: str) -> None:
    """Change the read model behind the cache's back, without an event: nobody is told."""
    with psycopg.connect(niaga.settings.database_url or "", autocommit=True) as conn:
        conn.execute(
            sql.SQL("UPDATE {} SET revoked = true WHERE key_id = %s").format(
                sql.Identifier(niaga.settings.niaga_platform_schema, "api_keys")
            ),
            (key_id,),
        )


@contextmanager
def _listener_kept_away(database_url: str) -> Iterator[None]:
    """Terminate the listener's connection, and every new one, until the block ends."""
    done = threading.Event()

    def terminate() -> None:
        with psycopg.connect(database_url, autocommit=True) as conn:
            while not done.is_set():
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = %s AND datname = current_database()",
                    (LISTENER_NAME,),
                )
                done.wait(0.01)

    thread = threading.Thread(target=terminate, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=5)


@pytest.fixture
def key(niaga: Niaga, tenant_id: UUID) -> IssuedApiKey:
    return niaga.tenants.issue_api_key(tenant_id, Role.STAFF, "kasir")


def test_a_key_read_moments_ago_is_verified_from_memory(niaga: Niaga, key: IssuedApiKey) -> None:
    _warm(niaga, key)
    _mark_revoked_unannounced(niaga, key.key_id)
    # Only a lookup that skipped the database can still accept it.
    assert niaga.services.tenants.authenticate(key.token).role is Role.STAFF


def test_a_recorded_revocation_holds_on_the_next_request(niaga: Niaga, key: IssuedApiKey) -> None:
    _warm(niaga, key)
    niaga.tenants.revoke_api_key(key.key_id)
    with pytest.raises(AuthenticationFailed, match="revoked"):
        niaga.services.tenants.authenticate(key.token)


def test_a_wrong_secret_is_refused_even_for_a_kept_key(niaga: Niaga, key: IssuedApiKey) -> None:
    _warm(niaga, key)
    with pytest.raises(AuthenticationFailed, match="unknown"):
        niaga.services.tenants.authenticate(key.token[:-4] + "AAAA")


def test_nothing_is_trusted_from_memory_while_changes_cannot_be_heard(
    niaga: Niaga, key: IssuedApiKey
) -> None:
    _warm(niaga, key)
    with _listener_kept_away(niaga.settings.database_url or ""):
        _until(lambda: not niaga.api_keys.listening, "the listener was not cut off")
        _mark_revoked_unannounced(niaga, key.key_id)  # a change nobody could hear
        with pytest.raises(AuthenticationFailed, match="revoked"):
            niaga.services.tenants.authenticate(key.token)


def test_the_listener_comes_back_after_its_connection_is_lost(
    niaga: Niaga, tenant_id: UUID, key: IssuedApiKey
) -> None:
    _warm(niaga, key)
    with _listener_kept_away(niaga.settings.database_url or ""):
        _until(lambda: not niaga.api_keys.listening, "the listener was not cut off")
    _until(lambda: niaga.api_keys.listening, "the listener did not come back")

    other = niaga.tenants.issue_api_key(tenant_id, Role.FINANCE, "akuntan")
    _warm(niaga, key)
    _warm(niaga, other)
    _mark_revoked_unannounced(niaga, other.key_id)
    assert niaga.services.tenants.authenticate(other.token).role is Role.FINANCE  # kept again
    niaga.tenants.revoke_api_key(key.key_id)  # heard again: revocations hold at once
    with pytest.raises(AuthenticationFailed, match="revoked"):
        niaga.services.tenants.authenticate(key.token)
