"""`people` and `person_memberships`: who signs in and where they belong (a business's team
members are its memberships); `person_sessions`: each session, open or ended. Both in the
platform store, where people live."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor, sql

from domain.identity.person import Person
from domain.identity.session import Session
from domain.shared.recorded import RecordedEvent
from projections.shared.base import table

Statement = tuple[sql.Composed, tuple[Any, ...]]


class PeopleProjection:
    name: str = "people"
    event_types: tuple[type, ...] = (
        Person.Registered,
        Person.MembershipGranted,
        Person.CustomRoleGranted,
        Person.MembershipEnded,
        Person.EmailVerified,
        Person.SignedIn,
        Person.PasswordChanged,
    )
    tables: tuple[str, ...] = ("people", "person_memberships")

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            statement = _person_statement(schema, recorded)
            if statement is not None:
                cur.execute(*statement)


def _person_statement(schema: str, recorded: RecordedEvent) -> Statement | None:
    event, person_id, at = recorded.event, recorded.aggregate_id, recorded.timestamp
    people = table(schema, "people")
    if isinstance(event, Person.Registered):
        return sql.SQL(
            "INSERT INTO {} (id, name, email, verified, registered_at, updated_at) "
            "VALUES (%s, %s, %s, false, %s, %s)"
        ).format(people), (person_id, event.name, event.email, at, at)
    if isinstance(event, Person.MembershipGranted):
        return sql.SQL(
            "INSERT INTO {} (person_id, tenant_id, role, granted_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (person_id, tenant_id) DO UPDATE SET role = excluded.role, "
            "custom_role_id = NULL"
        ).format(table(schema, "person_memberships")), (person_id, event.tenant_id, event.role, at)
    if isinstance(event, Person.CustomRoleGranted):
        return sql.SQL(
            "UPDATE {} SET role = %s, custom_role_id = %s WHERE person_id = %s AND tenant_id = %s"
        ).format(table(schema, "person_memberships")), (
            event.role,
            event.custom_role_id,
            person_id,
            event.tenant_id,
        )
    if isinstance(event, Person.MembershipEnded):
        return sql.SQL("DELETE FROM {} WHERE person_id = %s AND tenant_id = %s").format(
            table(schema, "person_memberships")
        ), (person_id, event.tenant_id)
    verifies = isinstance(event, Person.EmailVerified) or getattr(event, "link_id", None)
    if verifies:  # a link that reached the address verifies it
        return sql.SQL("UPDATE {} SET verified = true, updated_at = %s WHERE id = %s").format(
            people
        ), (at, person_id)
    return None


class PersonSessionsProjection:
    name: str = "person_sessions"
    event_types: tuple[type, ...] = (
        Session.Started,
        Session.Refreshed,
        Session.TenantSwitched,
        Session.Revoked,
    )
    tables: tuple[str, ...] = ("person_sessions",)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            cur.execute(*_session_statement(schema, recorded))


def _session_statement(schema: str, recorded: RecordedEvent) -> Statement:
    event, session_id, at = recorded.event, recorded.aggregate_id, recorded.timestamp
    sessions = table(schema, "person_sessions")
    if isinstance(event, Session.Started):
        return sql.SQL(
            "INSERT INTO {} (id, person_id, tenant_id, method, started_at, expires_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)"
        ).format(sessions), (
            session_id,
            event.person_id,
            event.tenant_id,
            event.method,
            at,
            event.expires_at,
        )
    if isinstance(event, Session.Refreshed):
        return sql.SQL("UPDATE {} SET refreshed_at = %s, expires_at = %s WHERE id = %s").format(
            sessions
        ), (at, event.expires_at, session_id)
    if isinstance(event, Session.TenantSwitched):
        return sql.SQL("UPDATE {} SET tenant_id = %s WHERE id = %s").format(sessions), (
            event.tenant_id,
            session_id,
        )
    if isinstance(event, Session.Revoked):
        return sql.SQL("UPDATE {} SET revoked_at = %s, revoke_reason = %s WHERE id = %s").format(
            sessions
        ), (at, event.reason, session_id)
    raise TypeError(f"person_sessions cannot handle {recorded.name}")
