"""What `niaga migrate` reports per store: the server without its password, and the detail."""

from __future__ import annotations

from adapters.shared.schema_sync import (
    Outcome,
    StoreResult,
    SyncReport,
    describe,
    server_label,
)

URL = "postgresql://niaga:s3cret@db.example:6432/niaga"


def test_a_server_is_named_by_host_port_and_database_never_by_its_password() -> None:
    assert server_label(URL) == "db.example:6432/niaga"
    assert server_label("dbname=tenants") == "127.0.0.1:5432/tenants"
    assert server_label("not a url") == "(not a valid PostgreSQL URL)"


def test_an_error_is_one_line_with_the_password_masked() -> None:
    error = RuntimeError("password s3cret rejected\nDETAIL: more")

    assert describe(error, URL) == "password *** rejected"
    assert describe(RuntimeError(), URL) == "RuntimeError"


def test_the_detail_lists_the_versions_applied_or_the_error_and_what_is_still_pending() -> None:
    applied = StoreResult("t_a", "h:5432/db", Outcome.APPLIED, ("store/0005", "read_models/0020"))
    current = StoreResult("t_b", "h:5432/db", Outcome.CURRENT)
    failed = StoreResult("t_c", "h:5432/db", Outcome.FAILED, ("store/0005",), "boom")
    unreachable = StoreResult("t_d", "h:1/db", Outcome.FAILED, error="cannot connect")

    assert applied.detail == "store/0005, read_models/0020"
    assert current.detail == ""
    assert failed.detail == "boom (pending: store/0005)"
    assert unreachable.detail == "cannot connect"
    assert SyncReport((applied, current, failed, unreachable)).failed == [failed, unreachable]
