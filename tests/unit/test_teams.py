"""A business's team and its invitations without a database: the owner a business keeps, and
why a link no longer opens an invitation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.identity.errors import (
    AlreadyAMember,
    InvitationAccepted,
    InvitationExpired,
    InvitationForAnotherAddress,
    InvitationRevoked,
    LastOwner,
    LinkRefused,
)
from domain.identity.invitation import Invitation, InvitationStatus
from domain.identity.team import Team, role_named
from domain.shared.errors import InvalidValue
from domain.shared.roles import Role

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
OWNER, STAFF = uuid4(), uuid4()


def team() -> Team:
    return Team.form(uuid4(), {OWNER: Role.OWNER, STAFF: Role.STAFF})


def invitation() -> Invitation:
    return Invitation.send(
        uuid4(), uuid4(), "eko@contoh.co.id", None, Role.STAFF, "link-1", NOW + timedelta(days=7)
    )


def test_the_last_owner_can_neither_leave_be_removed_nor_take_another_role() -> None:
    given = team()
    for change in (
        lambda: given.leave(OWNER),
        lambda: given.remove(OWNER),
        lambda: given.change_role(OWNER, Role.ADMIN),
    ):
        with pytest.raises(LastOwner):
            change()
    assert given.members[OWNER] is Role.OWNER
    assert [type(e).__name__ for e in given.collect_events()] == ["Formed"]


def test_a_second_owner_lets_the_first_go() -> None:
    given = team()
    assert given.change_role(STAFF, Role.OWNER)
    given.leave(OWNER)
    assert given.members == {STAFF: Role.OWNER}
    events = [type(e).__name__ for e in given.collect_events()]
    assert events == ["Formed", "RoleChanged", "MemberLeft"]


def test_a_member_joins_once_and_the_same_role_again_changes_nothing() -> None:
    given = team()
    with pytest.raises(AlreadyAMember):
        given.join(STAFF, Role.ADMIN, None)
    assert not given.change_role(STAFF, Role.STAFF)
    with pytest.raises(InvalidValue) as unknown:
        role_named("raja")
    assert unknown.value.field == "role"


def test_only_the_latest_link_opens_an_invitation_while_it_is_valid_for_its_address() -> None:
    given = invitation()
    given.resend("link-2", NOW + timedelta(days=7))
    with pytest.raises(LinkRefused):
        given.accept(uuid4(), "eko@contoh.co.id", "link-1", NOW)
    with pytest.raises(InvitationExpired):
        given.accept(uuid4(), "eko@contoh.co.id", "link-2", NOW + timedelta(days=8))
    with pytest.raises(InvitationForAnotherAddress):
        given.accept(uuid4(), "fajar@contoh.co.id", "link-2", NOW)
    assert given.status is InvitationStatus.PENDING
    given.accept(uuid4(), "eko@contoh.co.id", "link-2", NOW)
    assert given.status is InvitationStatus.ACCEPTED


def test_an_accepted_or_revoked_invitation_is_neither_accepted_resent_nor_revoked_again() -> None:
    accepted, revoked = invitation(), invitation()
    accepted.accept(uuid4(), "eko@contoh.co.id", "link-1", NOW)
    revoked.revoke()
    for done, refusal in ((accepted, InvitationAccepted), (revoked, InvitationRevoked)):
        with pytest.raises(refusal):
            done.accept(uuid4(), "eko@contoh.co.id", "link-1", NOW)
        with pytest.raises(refusal):
            done.resend("link-2", NOW + timedelta(days=7))
        with pytest.raises(refusal):
            done.revoke()
