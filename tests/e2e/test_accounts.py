"""People's accounts over GraphQL on a real server, with the e-mails they need reaching a
local mail server: register and verify, sign in with a password or a link from an e-mail,
refresh (rotating), reuse of a refresh token, sign out, switch tenant, reset and change the
password, lockout and rate limits; bad input gets a clear error and changes nothing."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.identity.people import person_actor
from application.identity.ports import AccessClaims
from application.shared.clock import FixedClock
from application.shared.context import recording
from application.shared.secrets import new_key
from domain.identity.person import Person
from domain.shared.roles import Role
from tests.fakes.smtp_fake import FakeSmtp, ReceivedEmail, smtp_fixture  # noqa: F401 - fixture

PASSWORD = "kuda-lari-ke-pasar-9"
ON_ERROR = "... on Error { code message field } ... on TooManyAttemptsError { retryAfter }"
SESSION = "... on SessionSuccess { session { accessToken refreshToken tenantId role sessionId } }"
REGISTER = f"""mutation($email: String!, $password: String!, $name: String!, $business: String!) {{
  registerAccount(email: $email, password: $password, name: $name, businessName: $business) {{
    __typename ... on RegisterAccountSuccess {{ personId tenantId }} {ON_ERROR} }} }}"""
VERIFY = f"""mutation($token: String!) {{ verifyEmail(token: $token) {{
  __typename ... on VerifyEmailSuccess {{ verified }} {ON_ERROR} }} }}"""
SIGN_IN = f"""mutation($email: String!, $password: String!, $tenant: ID) {{
  signIn(email: $email, password: $password, tenantId: $tenant) {{
    __typename {SESSION} {ON_ERROR} }} }}"""
REFRESH = f"""mutation($token: String!) {{ refreshSession(refreshToken: $token) {{
  __typename {SESSION} {ON_ERROR} }} }}"""
SWITCH = f"""mutation($tenant: ID!) {{ switchTenant(tenantId: $tenant) {{
  __typename {SESSION} {ON_ERROR} }} }}"""
SIGN_OUT = f"""mutation {{ signOut {{ __typename
  ... on SessionsEndedSuccess {{ sessionsEnded }} {ON_ERROR} }} }}"""
SIGN_OUT_EVERYWHERE = f"""mutation {{ signOutEverywhere {{ __typename
  ... on SessionsEndedSuccess {{ sessionsEnded }} {ON_ERROR} }} }}"""
MAGIC = f"""mutation($email: String!) {{ requestMagicLink(email: $email) {{
  __typename ... on LinkRequestSuccess {{ message }} {ON_ERROR} }} }}"""
MAGIC_SIGN_IN = f"""mutation($token: String!) {{ signInWithMagicLink(token: $token) {{
  __typename {SESSION} {ON_ERROR} }} }}"""
RESET_REQUEST = f"""mutation($email: String!) {{ requestPasswordReset(email: $email) {{
  __typename ... on LinkRequestSuccess {{ message }} {ON_ERROR} }} }}"""
RESET = f"""mutation($token: String!, $password: String!) {{
  resetPassword(token: $token, newPassword: $password) {{
    __typename ... on SessionsEndedSuccess {{ sessionsEnded }} {ON_ERROR} }} }}"""
CHANGE = f"""mutation($current: String!, $new: String!) {{
  changePassword(currentPassword: $current, newPassword: $new) {{
    __typename ... on SessionsEndedSuccess {{ sessionsEnded }} {ON_ERROR} }} }}"""
ME = "{ me { id email name verified tenantId role memberships { tenantId tenantName role } } }"
CUSTOMERS = "{ customers(first: 5) { totalCount } }"
REGISTER_CUSTOMER = """mutation { registerCustomer(input: {name: "Budi", phone: "081234560001"})
  { __typename } }"""
AUDIT = "{ auditLog(first: 100) { edges { node { actor action aggregateType } } } }"


@pytest.fixture(name="settings")
def with_mail(settings: Settings, smtp: FakeSmtp) -> Settings:
    return smtp.settings_for(settings.model_copy(update={"niaga_public_url": "https://app.id"}))


def post(server: str, document: str, bearer: str | None = None, **variables: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    body = {"query": document, "variables": variables}
    return httpx.post(f"{server}/graphql", json=body, headers=headers, timeout=30)


def call(server: str, document: str, bearer: str | None = None, **variables: Any) -> Any:
    """The one root field's answer of a request that must succeed at the HTTP level."""
    answer = post(server, document, bearer, **variables)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert not body.get("errors"), body
    return next(iter(body["data"].values()))


def register(
    server: str, email: str, name: str = "Ani Wijaya", business: str = "Warung Ani"
) -> Any:
    done = call(server, REGISTER, email=email, password=PASSWORD, name=name, business=business)
    assert done["__typename"] == "RegisterAccountSuccess", done
    return done


def sign_in(server: str, email: str, password: str = PASSWORD, tenant: str | None = None) -> Any:
    answer = call(server, SIGN_IN, email=email, password=password, tenant=tenant)
    assert answer["__typename"] == "SessionSuccess", answer
    return answer["session"]


def mail_to(smtp: FakeSmtp, address: str, subject_part: str, seen: int = 0) -> ReceivedEmail:
    """The first e-mail to `address` whose subject has `subject_part`, after `seen` of them."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = [m for m in smtp.received if address in m.recipients and subject_part in m.subject]
        if len(found) > seen:
            return found[seen]
        time.sleep(0.05)
    raise AssertionError(f"no e-mail '{subject_part}' to {address}: {smtp.received}")


def link_token(mail: ReceivedEmail, path: str) -> str:
    found = re.search(rf"https://app\.id/{path}\?token=([\w.-]+)", mail.part("plain"))
    assert found, mail.part("plain")
    assert found.group(0) in mail.part("html")
    return found.group(1)


def status(server: str, token: str) -> int:
    return post(server, CUSTOMERS, token).status_code


def test_register_verify_sign_in_refresh_and_a_reused_refresh_token_ends_the_session(
    niaga: Niaga, server: str, smtp: FakeSmtp
) -> None:
    weak = call(
        server,
        REGISTER,
        email="ani@contoh.co.id",
        password="password123",
        name="Ani",
        business="Warung Ani",
    )
    assert (weak["code"], weak["field"]) == ("INVALID_VALUE", "password")
    assert "most common" in weak["message"]
    tenants_before = len(niaga.tenants.tenants())
    assert (
        call(
            server,
            REGISTER,
            email="ani@contoh.co.id",
            password="Ani@Contoh.co.id",
            name="Ani",
            business="Warung Ani",
        )["field"]
        == "password"
    )
    assert len(niaga.tenants.tenants()) == tenants_before  # nothing recorded

    done = register(server, "Ani@Contoh.co.id")
    taken = call(
        server, REGISTER, email="ani@contoh.co.id", password=PASSWORD, name="Lain", business="Lain"
    )
    assert (taken["code"], taken["field"]) == ("EMAIL_TAKEN", "email")

    verification = mail_to(smtp, "ani@contoh.co.id", "Verifikasi")
    assert "Halo Ani Wijaya," in verification.part("plain")
    assert "Warung Ani" in str(verification.message["From"])
    token = link_token(verification, "akun/verifikasi")
    assert call(server, VERIFY, token=token) == {
        "__typename": "VerifyEmailSuccess",
        "verified": True,
    }
    assert call(server, VERIFY, token=token)["code"] == "INVALID_LINK"  # once

    first = sign_in(server, "ANI@contoh.co.id")
    assert (first["tenantId"], first["role"]) == (done["tenantId"], "owner")
    me = call(server, ME, first["accessToken"])
    assert (me["id"], me["email"], me["verified"], me["role"]) == (
        done["personId"],
        "ani@contoh.co.id",
        True,
        "owner",
    )
    assert me["memberships"] == [
        {"tenantId": done["tenantId"], "tenantName": "Warung Ani", "role": "owner"}
    ]
    assert status(server, first["accessToken"]) == 200
    made = call(server, REGISTER_CUSTOMER, first["accessToken"])
    assert made["__typename"] == "RegisterCustomerSuccess"

    second = call(server, REFRESH, token=first["refreshToken"])["session"]
    assert second["sessionId"] == first["sessionId"]
    assert second["refreshToken"] != first["refreshToken"]
    assert status(server, second["accessToken"]) == 200

    reused = call(server, REFRESH, token=first["refreshToken"])
    assert reused["code"] == "SESSION_ENDED"
    refused = post(server, CUSTOMERS, second["accessToken"])
    assert refused.status_code == 401
    assert "ended" in refused.json()["detail"]
    assert call(server, REFRESH, token=second["refreshToken"])["code"] == "SESSION_ENDED"

    again = sign_in(server, "ani@contoh.co.id")
    actions = {
        (n["node"]["actor"], n["node"]["action"])
        for n in call(server, AUDIT, again["accessToken"])["edges"]
    }
    person = f"person:{done['personId']}"
    assert {(person, "Person.SignedIn"), (person, "Session.Revoked")} <= actions
    assert (person, "Customer.Registered") in actions


def test_signing_out_ends_one_session_and_signing_out_everywhere_ends_them_all(
    server: str,
) -> None:
    register(server, "budi@contoh.co.id", "Budi")
    one, two, three = (sign_in(server, "budi@contoh.co.id") for _ in range(3))

    assert call(server, SIGN_OUT, one["accessToken"])["sessionsEnded"] == 1
    assert status(server, one["accessToken"]) == 401
    assert call(server, REFRESH, token=one["refreshToken"])["code"] == "SESSION_ENDED"
    assert status(server, two["accessToken"]) == 200

    assert call(server, SIGN_OUT_EVERYWHERE, two["accessToken"])["sessionsEnded"] == 2
    assert [status(server, s["accessToken"]) for s in (two, three)] == [401, 401]


def test_a_person_switches_between_two_tenants_and_not_to_a_third(
    niaga: Niaga, server: str
) -> None:
    first = register(server, "citra@contoh.co.id", "Citra", "Toko Citra")
    other = register(server, "dewi@contoh.co.id", "Dewi", "Toko Dewi")
    _grant(niaga, UUID(first["personId"]), UUID(other["tenantId"]), Role.FINANCE)

    several = call(server, SIGN_IN, email="citra@contoh.co.id", password=PASSWORD, tenant=None)
    assert (several["code"], several["field"]) == ("NOT_A_MEMBER", "tenantId")
    at_home = sign_in(server, "citra@contoh.co.id", tenant=first["tenantId"])

    switched = call(server, SWITCH, at_home["accessToken"], tenant=other["tenantId"])["session"]
    assert (switched["tenantId"], switched["role"], switched["refreshToken"]) == (
        other["tenantId"],
        "finance",
        None,
    )
    me = call(server, ME, switched["accessToken"])
    assert (me["tenantId"], me["role"]) == (other["tenantId"], "finance")
    assert {m["tenantName"] for m in me["memberships"]} == {"Toko Citra", "Toko Dewi"}
    # finance may read customers but not register them, at the other tenant
    assert status(server, switched["accessToken"]) == 200
    denied = call(server, REGISTER_CUSTOMER, switched["accessToken"])
    assert denied["__typename"] == "PermissionDeniedError"
    refreshed = call(server, REFRESH, token=at_home["refreshToken"])["session"]
    assert refreshed["tenantId"] == other["tenantId"]  # the session moved with the switch

    stranger = register(server, "eko@contoh.co.id", "Eko", "Toko Eko")
    refused = call(server, SWITCH, switched["accessToken"], tenant=stranger["tenantId"])
    assert (refused["code"], refused["field"]) == ("NOT_A_MEMBER", "tenantId")
    assert call(server, ME, switched["accessToken"])["tenantId"] == other["tenantId"]


def test_tokens_that_are_forged_expired_or_for_a_locked_tenant_are_refused(
    niaga: Niaga, server: str, clock: FixedClock
) -> None:
    done = register(server, "fajar@contoh.co.id", "Fajar")
    session = sign_in(server, "fajar@contoh.co.id")
    from adapters.identity.tokens import JwtAccessTokens

    claims = AccessClaims(
        UUID(done["personId"]),
        UUID(done["tenantId"]),
        Role.OWNER,
        UUID(session["sessionId"]),
        clock.now(),
        clock.now() + timedelta(minutes=15),
    )
    forged = JwtAccessTokens(new_key()).encode(claims)
    assert post(server, CUSTOMERS, forged).status_code == 401

    niaga.tenants.lock(UUID(done["tenantId"]), "tagihan platform belum dibayar")
    locked = post(server, REGISTER_CUSTOMER, session["accessToken"]).json()
    assert locked["errors"][0]["extensions"]["code"] == "TENANT_LOCKED"
    assert status(server, session["accessToken"]) == 200  # reads go on
    niaga.tenants.unlock(UUID(done["tenantId"]))

    clock.advance(timedelta(minutes=16))
    expired = post(server, CUSTOMERS, session["accessToken"])
    assert (expired.status_code, "expired" in expired.json()["detail"]) == (401, True)
    renewed = call(server, REFRESH, token=session["refreshToken"])["session"]
    assert status(server, renewed["accessToken"]) == 200


def test_a_magic_link_signs_in_once_and_a_password_reset_ends_every_session(
    server: str, smtp: FakeSmtp, clock: FixedClock
) -> None:
    register(server, "gita@contoh.co.id", "Gita")
    nobody = call(server, MAGIC, email="tidak.ada@contoh.co.id")
    known = call(server, MAGIC, email="gita@contoh.co.id")
    assert nobody == known  # the same answer
    token = link_token(mail_to(smtp, "gita@contoh.co.id", "Tautan masuk"), "akun/masuk")
    by_link = call(server, MAGIC_SIGN_IN, token=token)
    assert by_link["__typename"] == "SessionSuccess"
    assert call(server, MAGIC_SIGN_IN, token=token)["code"] == "INVALID_LINK"
    assert not [m for m in smtp.received if "tidak.ada@contoh.co.id" in m.recipients]

    call(server, MAGIC, email="gita@contoh.co.id")
    late = link_token(mail_to(smtp, "gita@contoh.co.id", "Tautan masuk", seen=1), "akun/masuk")
    clock.advance(timedelta(minutes=16))
    expired = call(server, MAGIC_SIGN_IN, token=late)
    assert (expired["code"], "expired" in expired["message"]) == ("INVALID_LINK", True)

    signed_in = sign_in(server, "gita@contoh.co.id")
    call(server, RESET_REQUEST, email="gita@contoh.co.id")
    reset = link_token(mail_to(smtp, "gita@contoh.co.id", "kata sandi"), "akun/sandi-baru")
    weak = call(server, RESET, token=reset, password="gita@contoh.co.id")
    assert (weak["code"], weak["field"]) == ("INVALID_VALUE", "newPassword")
    assert status(server, signed_in["accessToken"]) == 200  # nothing changed

    done = call(server, RESET, token=reset, password="sandi baru yang panjang")
    assert done["sessionsEnded"] == 2  # the magic link's session and the password's
    assert status(server, signed_in["accessToken"]) == 401
    assert (
        call(server, RESET, token=reset, password="lagi sandi yang lain")["code"] == "INVALID_LINK"
    )
    old = call(server, SIGN_IN, email="gita@contoh.co.id", password=PASSWORD)
    assert old["code"] == "SIGN_IN_FAILED"
    sign_in(server, "gita@contoh.co.id", "sandi baru yang panjang")


def test_changing_the_password_needs_the_current_one_and_ends_the_other_sessions(
    server: str,
) -> None:
    register(server, "hadi@contoh.co.id", "Hadi")
    here, there = sign_in(server, "hadi@contoh.co.id"), sign_in(server, "hadi@contoh.co.id")
    wrong = call(server, CHANGE, here["accessToken"], current="bukan-ini-sandi", new="a" * 12)
    assert (wrong["code"], wrong["field"]) == ("WRONG_PASSWORD", "currentPassword")

    changed = call(server, CHANGE, here["accessToken"], current=PASSWORD, new="sandi hadi yg baru")

    assert changed["sessionsEnded"] == 1
    assert (status(server, here["accessToken"]), status(server, there["accessToken"])) == (200, 401)
    sign_in(server, "hadi@contoh.co.id", "sandi hadi yg baru")


def test_five_failures_lock_the_account_for_a_minute_and_show_in_the_audit_log(
    server: str, clock: FixedClock
) -> None:
    register(server, "indah@contoh.co.id", "Indah")
    answers = [
        call(server, SIGN_IN, email="indah@contoh.co.id", password=f"salah-{n}-sandinya")
        for n in range(5)
    ]
    assert [a["code"] for a in answers] == ["SIGN_IN_FAILED"] * 4 + ["TOO_MANY_ATTEMPTS"]
    assert answers[-1]["retryAfter"] == 60
    locked = call(server, SIGN_IN, email="indah@contoh.co.id", password=PASSWORD)
    assert (locked["code"], locked["retryAfter"]) == ("TOO_MANY_ATTEMPTS", 60)
    unknown = call(server, SIGN_IN, email="siapa@contoh.co.id", password=PASSWORD)
    assert unknown["code"] == "SIGN_IN_FAILED"  # as a wrong password

    clock.advance(timedelta(seconds=61))
    session = sign_in(server, "indah@contoh.co.id")
    audit = call(server, AUDIT, session["accessToken"])["edges"]
    failures = [n["node"] for n in audit if n["node"]["action"] == "Person.SignInFailed"]
    assert len(failures) == 5
    assert {f["actor"] for f in failures} == {"system:sign-in"}


def test_asking_too_often_from_one_address_is_refused_with_when_to_retry(server: str) -> None:
    answers = [call(server, RESET_REQUEST, email=f"x{n}@contoh.co.id") for n in range(11)]
    assert {a["__typename"] for a in answers[:10]} == {"LinkRequestSuccess"}
    assert answers[10]["code"] == "TOO_MANY_ATTEMPTS"
    assert answers[10]["retryAfter"] >= 1


def test_without_a_credential_only_registering_and_signing_in_are_open(server: str) -> None:
    assert post(server, CUSTOMERS).status_code == 401
    assert post(server, ME).status_code == 401
    assert post(server, SIGN_OUT).status_code == 401
    mixed = 'mutation { signOut { __typename } requestMagicLink(email: "a@b.id") { __typename } }'
    assert post(server, mixed).status_code == 401
    assert post(server, MAGIC, email="a@b.id").status_code == 200


def _grant(niaga: Niaga, person_id: UUID, tenant_id: UUID, role: Role) -> None:
    """A second membership, as an invitation will give one."""
    platform = niaga.stores.platform()
    person = platform.repository.get(person_id)
    assert isinstance(person, Person)
    person.grant(tenant_id, role)
    with recording("GrantMembership", actor=person_actor(person_id), tenant_id=tenant_id):
        niaga.projections.wait(platform, platform.save_and_locate(person))


def test_a_session_ended_by_another_process_is_refused_on_the_next_request(
    niaga: Niaga, settings: Settings, server: str, clock: FixedClock
) -> None:
    register(server, "joko@contoh.co.id", "Joko")
    session = sign_in(server, "joko@contoh.co.id")
    assert status(server, session["accessToken"]) == 200
    deadline = time.monotonic() + 10
    while not niaga.access.watch.listening:
        assert time.monotonic() < deadline, "the server's access watch did not connect"
        time.sleep(0.01)
    assert status(server, session["accessToken"]) == 200  # now known from memory
    other = Niaga.start(settings, clock=clock)  # another process's container
    try:
        principal = other.tenants.authenticate(session["accessToken"])
        assert other.services.sign_ins.sign_out(principal) == 1
    finally:
        other.close()

    refused = post(server, CUSTOMERS, session["accessToken"])
    assert refused.status_code == 401
