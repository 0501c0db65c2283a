"""`team_invitations`: each invitation to join a business, its role, who sent it, when its
latest link expires and whether it is pending, accepted or revoked. In the platform store,
where people live."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql

from domain.identity.invitation import Invitation, InvitationStatus
from domain.shared.recorded import RecordedEvent
from projections.shared.base import table

Statement = tuple[sql.Composed, tuple[Any, ...]]


class TeamInvitationsProjection:
    name: str = "team_invitations"
    event_types: tuple[type, ...] = (
        Invitation.Sent,
        Invitation.Resent,
        Invitation.Revoked,
        Invitation.Accepted,
    )
    tables: tuple[str, ...] = ("team_invitations",)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            cur.execute(*_statement(schema, recorded))


def _statement(schema: str, recorded: RecordedEvent) -> Statement:
    event, invitation_id, at = recorded.event, recorded.aggregate_id, recorded.timestamp
    invitations = table(schema, "team_invitations")
    if isinstance(event, Invitation.Sent):
        return sql.SQL(
            "INSERT INTO {} (id, tenant_id, email, role, status, invited_by, invited_at, "
            "sent_at, expires_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        ).format(invitations), (
            invitation_id,
            event.tenant_id,
            event.email,
            event.role,
            InvitationStatus.PENDING.value,
            recorded.meta.actor,
            at,
            at,
            event.expires_at,
            at,
        )
    if isinstance(event, Invitation.Resent):
        return sql.SQL(
            "UPDATE {} SET sent_at = %s, expires_at = %s, updated_at = %s WHERE id = %s"
        ).format(invitations), (at, event.expires_at, at, invitation_id)
    if isinstance(event, Invitation.Revoked):
        return _status(invitations, InvitationStatus.REVOKED, None, at, invitation_id)
    if isinstance(event, Invitation.Accepted):
        accepted = InvitationStatus.ACCEPTED
        return _status(invitations, accepted, event.person_id, at, invitation_id)
    raise TypeError(f"team_invitations cannot handle {recorded.name}")


def _status(
    invitations: sql.Composed,
    status: InvitationStatus,
    accepted_by: UUID | None,
    at: datetime,
    invitation_id: UUID,
) -> Statement:
    return sql.SQL(
        "UPDATE {} SET status = %s, accepted_by = %s, updated_at = %s WHERE id = %s"
    ).format(invitations), (status.value, accepted_by, at, invitation_id)
