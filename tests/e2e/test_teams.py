"""A business's team over GraphQL on a real server, with the invitations reaching a local mail
server: inviting, joining as a new account or accepting signed in, resending and revoking,
expiry, role changes and removals that end the member's sessions at once, the last owner who
stays, and every change in the audit log with who made it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from adapters.shared.stores import PostgresEventStore
from application.identity.people import person_actor
from application.shared.clock import FixedClock
from application.shared.context import recording
from application.shared.ports import Placement
from domain.identity.person import Person
from domain.shared.roles import Role
from tests.e2e.test_accounts import (
    AUDIT,
    ME,
    PASSWORD,
    SIGN_IN,
    SWITCH,
    call,
    link_token,
    mail_to,
    post,
    register,
    sign_in,
    status,
)
from tests.e2e.test_accounts import ON_ERROR as ON_SESSION_ERROR
from tests.fakes.smtp_fake import FakeSmtp, smtp_fixture  # noqa: F401 - fixture
from tests.integration.read_models import assert_live_equals_rebuild

ON_ERROR = "... on Error { code message field }"
SESSION = "... on SessionSuccess { session { accessToken personId tenantId role sessionId } }"
INVITATION = "... on InvitationSuccess { invitationId email role status }"
CHANGED = "... on TeamMemberChangedSuccess { personId role sessionsEnded }"
INVITE = f"""mutation($email: String!, $role: String!, $whatsapp: String) {{
  inviteTeamMember(email: $email, role: $role, whatsapp: $whatsapp) {{
    __typename {INVITATION} {ON_ERROR} }} }}"""
RESEND = f"""mutation($id: ID!) {{ resendInvitation(id: $id) {{
  __typename {INVITATION} {ON_ERROR} }} }}"""
REVOKE = f"""mutation($id: ID!) {{ revokeInvitation(id: $id) {{
  __typename {INVITATION} {ON_ERROR} }} }}"""
ACCEPT = f"""mutation($token: String!) {{ acceptInvitation(token: $token) {{
  __typename ... on JoinedTeamSuccess {{ personId tenantId role }} {ON_ERROR} }} }}"""
JOIN = f"""mutation($token: String!, $password: String!, $name: String) {{
  joinWithInvitation(token: $token, password: $password, name: $name) {{
    __typename {SESSION} {ON_SESSION_ERROR} }} }}"""
CHANGE_ROLE = f"""mutation($person: ID!, $role: String!) {{
  changeTeamMemberRole(personId: $person, role: $role) {{ __typename {CHANGED} {ON_ERROR} }} }}"""
REMOVE = f"""mutation($person: ID!) {{ removeTeamMember(personId: $person) {{
  __typename {CHANGED} {ON_ERROR} }} }}"""
LEAVE = f"mutation {{ leaveBusiness {{ __typename {CHANGED} {ON_ERROR} }} }}"
MEMBERS = """query($first: Int!, $after: String) { teamMembers(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { personId name email role joinedAt } } } }"""
INVITATIONS = """{ teamInvitations(first: 10) {
  edges { node { id email role invitedBy expired } } } }"""
MESSAGES = "{ messageLog(first: 10) { edges { node { template status } } } }"


@pytest.fixture(name="settings")
def with_mail(settings: Settings, smtp: FakeSmtp) -> Settings:
    return smtp.settings_for(settings.model_copy(update={"niaga_public_url": "https://app.id"}))


def invite(server: str, bearer: str, email: str, role: str, whatsapp: str | None = None) -> Any:
    sent = call(server, INVITE, bearer, email=email, role=role, whatsapp=whatsapp)
    assert sent["__typename"] == "InvitationSuccess", sent
    return sent


def invitation_link(smtp: FakeSmtp, address: str, seen: int = 0) -> str:
    return link_token(mail_to(smtp, address, "Undangan", seen), "akun/undangan")


def join(server: str, smtp: FakeSmtp, bearer: str, email: str, role: str, name: str) -> Any:
    """A new account that joins the business by invitation: its session there."""
    invite(server, bearer, email, role)
    joined = call(server, JOIN, token=invitation_link(smtp, email), password=PASSWORD, name=name)
    assert joined["__typename"] == "SessionSuccess", joined
    return joined["session"]


def members(server: str, bearer: str, first: int = 10, after: str | None = None) -> Any:
    return call(server, MEMBERS, bearer, first=first, after=after)


def roles(server: str, bearer: str) -> dict[str, str]:
    return {e["node"]["email"]: e["node"]["role"] for e in members(server, bearer)["edges"]}


def test_an_invited_address_joins_as_a_new_account_or_accepts_signed_in(
    niaga: Niaga, server: str, smtp: FakeSmtp
) -> None:
    sari = register(server, "sari@contoh.co.id", "Sari Dewi", "Toko Sari")
    owner = sign_in(server, "sari@contoh.co.id")["accessToken"]

    sent = invite(server, owner, "Nina@Contoh.co.id", "staff", whatsapp="0812-3456-7890")
    assert (sent["email"], sent["role"], sent["status"]) == (
        "nina@contoh.co.id",
        "staff",
        "pending",
    )
    mail = mail_to(smtp, "nina@contoh.co.id", "Undangan")
    assert "Toko Sari" in str(mail.message["From"])
    text = " ".join(mail.part("plain").split())
    assert "Sari Dewi mengundang Anda bergabung dengan Toko Sari di Niaga sebagai staf" in text
    token = link_token(mail, "akun/undangan")
    pending = [e["node"] for e in call(server, INVITATIONS, owner)["edges"]]
    assert [(p["email"], p["role"], p["invitedBy"], p["expired"]) for p in pending] == [
        ("nina@contoh.co.id", "staff", f"person:{sari['personId']}", False)
    ]
    whatsapp = [e["node"]["template"] for e in call(server, MESSAGES, owner)["edges"]]
    assert whatsapp == ["team_invitation"]  # no channel yet: it waits

    weak = call(server, JOIN, token=token, password="nina@contoh.co.id", name="Nina")
    assert (weak["code"], weak["field"]) == ("INVALID_VALUE", "password")
    joined = call(server, JOIN, token=token, password=PASSWORD, name="Nina Lestari")["session"]
    assert (joined["tenantId"], joined["role"]) == (sari["tenantId"], "staff")
    me = call(server, ME, joined["accessToken"])
    assert (me["name"], me["verified"], me["memberships"]) == (
        "Nina Lestari",
        True,
        [{"tenantId": sari["tenantId"], "tenantName": "Toko Sari", "role": "staff"}],
    )
    twice = call(server, JOIN, token=token, password=PASSWORD, name="Nina")
    assert twice["code"] == "INVITATION_ACCEPTED"

    # staff may do neither: refused before its nonsense is looked at
    nina = joined["accessToken"]
    denied = call(server, INVITE, nina, email="bukan alamat", role="raja")
    assert (denied["__typename"], denied["code"]) == ("PermissionDeniedError", "PERMISSION_DENIED")
    listing = post(server, MEMBERS, nina, first=0).json()
    assert listing["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"

    register(server, "budi@contoh.co.id", "Budi Santoso", "Bengkel Budi")
    register(server, "citra@contoh.co.id", "Citra", "Warung Citra")
    invite(server, owner, "budi@contoh.co.id", "manager")
    to_budi = mail_to(smtp, "budi@contoh.co.id", "Undangan")
    assert "Halo Budi Santoso," in to_budi.part("plain")
    budi_token = link_token(to_budi, "akun/undangan")
    citra = sign_in(server, "citra@contoh.co.id")["accessToken"]
    wrong = call(server, ACCEPT, citra, token=budi_token)
    assert wrong["code"] == "INVITATION_FOR_ANOTHER_ADDRESS"
    budi = sign_in(server, "budi@contoh.co.id")["accessToken"]
    accepted = call(server, ACCEPT, budi, token=budi_token)
    assert (accepted["tenantId"], accepted["role"]) == (sari["tenantId"], "manager")
    at_sari = call(server, SWITCH, budi, tenant=sari["tenantId"])["session"]
    assert at_sari["role"] == "manager"

    first = members(server, at_sari["accessToken"], first=2)  # a manager reads the team
    assert [(e["node"]["name"], e["node"]["role"]) for e in first["edges"]] == [
        ("Sari Dewi", "owner"),
        ("Nina Lestari", "staff"),
    ]
    assert (first["totalCount"], first["pageInfo"]["hasNextPage"]) == (3, True)
    rest = members(server, owner, first=2, after=first["pageInfo"]["endCursor"])
    assert [(e["node"]["email"], e["node"]["role"]) for e in rest["edges"]] == [
        ("budi@contoh.co.id", "manager")
    ]
    assert call(server, INVITATIONS, owner)["edges"] == []
    platform = niaga.stores.platform()
    assert isinstance(platform, PostgresEventStore)
    assert_live_equals_rebuild(niaga, platform, ("people", "team_invitations"))


def test_resent_revoked_and_expired_invitations_each_say_why_they_no_longer_open(
    server: str, smtp: FakeSmtp, clock: FixedClock
) -> None:
    register(server, "dian@contoh.co.id", "Dian", "Toko Dian")
    owner = sign_in(server, "dian@contoh.co.id")["accessToken"]
    sent = invite(server, owner, "eko@contoh.co.id", "finance")
    old = invitation_link(smtp, "eko@contoh.co.id")
    again = call(server, INVITE, owner, email="eko@contoh.co.id", role="staff")
    assert (again["code"], again["field"]) == ("ALREADY_INVITED", "email")
    resent = call(server, RESEND, owner, id=sent["invitationId"])
    assert resent["status"] == "pending"
    new = invitation_link(smtp, "eko@contoh.co.id", seen=1)
    replaced = call(server, JOIN, token=old, password=PASSWORD, name="Eko")
    assert (replaced["code"], "newer link" in replaced["message"]) == ("INVALID_LINK", True)

    assert call(server, REVOKE, owner, id=sent["invitationId"])["status"] == "revoked"
    revoked = call(server, JOIN, token=new, password=PASSWORD, name="Eko")
    assert revoked["code"] == "INVITATION_REVOKED"
    assert call(server, RESEND, owner, id=sent["invitationId"])["code"] == "INVITATION_REVOKED"
    assert roles(server, owner) == {"dian@contoh.co.id": "owner"}  # nothing changed

    late = invite(server, owner, "fajar@contoh.co.id", "technician")
    expiring = invitation_link(smtp, "fajar@contoh.co.id")
    clock.advance(timedelta(days=7, minutes=1))
    owner = sign_in(server, "dian@contoh.co.id")["accessToken"]  # the old token expired too
    expired = call(server, JOIN, token=expiring, password=PASSWORD, name="Fajar")
    assert expired["code"] == "INVITATION_EXPIRED"
    listed = [e["node"] for e in call(server, INVITATIONS, owner)["edges"]]
    assert [(n["email"], n["expired"]) for n in listed] == [("fajar@contoh.co.id", True)]
    call(server, RESEND, owner, id=late["invitationId"])
    fresh = invitation_link(smtp, "fajar@contoh.co.id", seen=1)
    joined = call(server, JOIN, token=fresh, password=PASSWORD, name="Fajar")
    assert joined["session"]["role"] == "technician"
    member = call(server, INVITE, owner, email="fajar@contoh.co.id", role="staff")
    assert (member["code"], member["field"]) == ("ALREADY_A_MEMBER", "email")


def test_role_changes_and_removals_end_the_members_sessions_and_the_last_owner_stays(
    server: str, smtp: FakeSmtp
) -> None:
    gita = register(server, "gita@contoh.co.id", "Gita", "Toko Gita")
    owner = sign_in(server, "gita@contoh.co.id")
    bearer = owner["accessToken"]
    hadi = join(server, smtp, bearer, "hadi@contoh.co.id", "staff", "Hadi")
    assert status(server, hadi["accessToken"]) == 200

    promoted = call(server, CHANGE_ROLE, bearer, person=hadi["personId"], role="admin")
    assert (promoted["role"], promoted["sessionsEnded"]) == ("admin", 1)
    assert status(server, hadi["accessToken"]) == 401  # its token named the old role
    admin = sign_in(server, "hadi@contoh.co.id")
    assert admin["role"] == "admin"
    gita_id = gita["personId"]
    # an admin manages the team, but gives and takes the owner role to nobody
    for document, variables in [
        (CHANGE_ROLE, {"person": gita_id, "role": "staff"}),
        (REMOVE, {"person": gita_id}),
        (INVITE, {"email": "pemilik@contoh.co.id", "role": "owner"}),
    ]:
        refused = call(server, document, admin["accessToken"], **variables)
        assert refused["code"] == "PERMISSION_DENIED", refused

    # the last owner can neither leave, be removed nor take another role
    for document, variables in [
        (LEAVE, {}),
        (REMOVE, {"person": gita_id}),
        (CHANGE_ROLE, {"person": gita_id, "role": "admin"}),
    ]:
        refused = call(server, document, bearer, **variables)
        assert (refused["code"], refused.get("field")) == ("LAST_OWNER", "personId"), refused
    assert roles(server, bearer)["gita@contoh.co.id"] == "owner"

    removed = call(server, REMOVE, bearer, person=hadi["personId"])
    assert (removed["role"], removed["sessionsEnded"]) == (None, 1)
    assert status(server, admin["accessToken"]) == 401  # at once
    nowhere = call(server, SIGN_IN, email="hadi@contoh.co.id", password=PASSWORD, tenant=None)
    assert (nowhere["code"], "no business" in nowhere["message"]) == ("NOT_A_MEMBER", True)

    # with a second owner, the first may leave; leaving ends its sessions there
    indah = join(server, smtp, bearer, "indah@contoh.co.id", "staff", "Indah")
    call(server, CHANGE_ROLE, bearer, person=indah["personId"], role="owner")
    left = call(server, LEAVE, bearer)
    assert (left["personId"], left["role"], left["sessionsEnded"]) == (gita_id, None, 1)
    assert status(server, bearer) == 401

    now_owner = sign_in(server, "indah@contoh.co.id")["accessToken"]
    assert roles(server, now_owner) == {"indah@contoh.co.id": "owner"}
    audit = [e["node"] for e in call(server, AUDIT, now_owner)["edges"]]
    done_by = {(n["actor"], n["action"]) for n in audit}
    owner_actor = f"person:{gita_id}"
    assert {
        (owner_actor, "Invitation.Sent"),
        (owner_actor, "Team.RoleChanged"),
        (owner_actor, "Team.MemberRemoved"),
        (owner_actor, "Person.MembershipEnded"),
        (owner_actor, "Session.Revoked"),
        (owner_actor, "Team.MemberLeft"),
        (f"person:{hadi['personId']}", "Invitation.Accepted"),
        (f"person:{hadi['personId']}", "Team.MemberJoined"),
    } <= done_by


def test_a_business_registered_before_teams_forms_its_team_from_its_memberships(
    niaga: Niaga, server: str
) -> None:
    joko = register(server, "joko@contoh.co.id", "Joko", "Toko Joko")
    kiki = register(server, "kiki@contoh.co.id", "Kiki", "Toko Kiki")
    older = niaga.tenants.create("Usaha Lama", Placement.SHARED)  # no team recorded
    _grant(niaga, UUID(joko["personId"]), older, Role.OWNER)
    _grant(niaga, UUID(kiki["personId"]), older, Role.STAFF)
    owner = sign_in(server, "joko@contoh.co.id", tenant=str(older))["accessToken"]

    refused = call(server, CHANGE_ROLE, owner, person=joko["personId"], role="admin")
    assert refused["code"] == "LAST_OWNER"
    changed = call(server, CHANGE_ROLE, owner, person=kiki["personId"], role="finance")
    assert changed["role"] == "finance"
    assert roles(server, owner) == {"joko@contoh.co.id": "owner", "kiki@contoh.co.id": "finance"}
    actions = [e["node"]["action"] for e in call(server, AUDIT, owner)["edges"]]
    assert actions.count("Team.Formed") == 1


def _grant(niaga: Niaga, person_id: UUID, tenant_id: UUID, role: Role) -> None:
    """A membership recorded the way it was before businesses kept a team."""
    platform = niaga.stores.platform()
    person = platform.repository.get(person_id)
    assert isinstance(person, Person)
    person.grant(tenant_id, role)
    with recording("GrantMembership", actor=person_actor(person_id), tenant_id=tenant_id):
        niaga.projections.wait(platform, platform.save_and_locate(person))
