"""The identity read models on real PostgreSQL: a person, memberships and sessions as the
services leave them, equal to a rebuild from zero; the person's personal data is encrypted in
the event log and the password hash never reaches the audit log."""

from __future__ import annotations

from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.stores import PostgresEventStore
from application.identity.accounts import RegisterAccount
from application.identity.people import SessionTokens
from tests.integration.read_models import assert_live_equals_rebuild

PASSWORD = "kuda lari ke pasar 9"


def test_people_and_sessions_live_equal_a_rebuild_and_keep_secrets_out_of_the_logs(
    niaga: Niaga,
) -> None:
    services = niaga.services
    done = services.accounts.register(
        RegisterAccount("Rani@Contoh.co.id", PASSWORD, "Rani Putri", "Warung Rani")
    )
    first = services.sign_ins.sign_in("rani@contoh.co.id", PASSWORD, None)
    second = services.sign_ins.sign_in("rani@contoh.co.id", PASSWORD, None)
    assert isinstance(first, SessionTokens)
    assert isinstance(second, SessionTokens)
    services.sign_ins.sign_out(niaga.tenants.authenticate(first.access_token))

    platform = niaga.stores.platform()
    assert isinstance(platform, PostgresEventStore)
    view = niaga.identity.read_models.person(done.person_id)
    assert view is not None
    assert (view.name, view.email, view.verified) == ("Rani Putri", "rani@contoh.co.id", False)
    assert [m.tenant_name for m in view.memberships] == ["Warung Rani"]
    open_now = niaga.identity.read_models.open_sessions(done.person_id, niaga.clock.now())
    assert open_now == [second.session_id]
    assert_live_equals_rebuild(niaga, platform, ("people", "person_sessions", "audit_log"))

    schema = platform.ref.schema
    with niaga.database.connection() as conn:
        states = conn.execute(
            sql.SQL("SELECT convert_from(state, 'UTF8') FROM {} WHERE originator_id = %s").format(
                sql.Identifier(schema, "niaga_events")
            ),
            (done.person_id,),
        ).fetchall()
        audit = conn.execute(
            sql.SQL("SELECT changes::text FROM {} WHERE aggregate_id = %s").format(
                sql.Identifier(schema, "audit_log")
            ),
            (done.person_id,),
        ).fetchall()
    logged = " ".join(row[0] for row in states)
    assert "rani@contoh.co.id" not in logged
    assert "Rani Putri" not in logged
    audited = " ".join(row[0] for row in audit)
    assert "$argon2id$" not in audited
    assert "[redacted]" in audited
