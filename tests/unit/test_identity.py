"""People's accounts without a database: the password policy, the lockout's arithmetic, the
person's single-use links, and a session's refresh-token rotation with reuse detection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from adapters.identity.tokens import JwtAccessTokens, JwtLinkTokens
from application.identity.people import parse_refresh_token, refresh_token
from application.identity.ports import AccessClaims, LinkClaims, LinkPurpose
from application.shared.errors import AuthenticationFailed
from application.shared.secrets import new_key
from domain.identity.errors import LinkRefused, NotAMember, SessionEnded, TooManyAttempts
from domain.identity.lockout import lock_after, locked_until
from domain.identity.passwords import check_password, common_passwords
from domain.identity.person import PasswordChange, Person, SignInMethod
from domain.identity.session import Refresh, RevokeReason, Session
from domain.shared.errors import InvalidValue
from domain.shared.roles import Role

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
EMAIL, NAME = "ani@contoh.co.id", "Ani Wijaya"


def refused_because(password: str) -> str:
    with pytest.raises(InvalidValue) as refused:
        check_password(password, email=EMAIL, name=NAME)
    assert refused.value.field == "password"
    return refused.value.message


# -- the password policy ------------------------------------------------------------------


def test_a_long_uncommon_password_is_accepted() -> None:
    assert check_password("kuda lari ke pasar 9", email=EMAIL, name=NAME) == "kuda lari ke pasar 9"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("pendek123", "at least 10 characters"),
        ("x" * 129, "at most 128 characters"),
        ("ANI@CONTOH.CO.ID", "not be your e-mail address or your name"),
        ("ani wijaya", "not be your e-mail address or your name"),
        ("Password123", "most common passwords"),
        ("1234567890", "most common passwords"),
        ("sandi\x00rahasia-x", "NUL"),
        ("sandi\nrahasia-x", "single line"),
    ],
)
def test_a_weak_or_unstorable_password_is_refused_saying_why(password: str, why: str) -> None:
    assert why in refused_because(password)


def test_the_common_passwords_ship_with_the_package_and_are_all_long_enough_to_matter() -> None:
    common = common_passwords()
    assert len(common) == 1000
    assert all(len(password) >= 10 for password in common)


# -- the lockout ----------------------------------------------------------------------------


def test_four_failures_lock_nothing_the_fifth_a_minute_then_doubling_up_to_an_hour() -> None:
    assert [lock_after(n) for n in range(5)] == [timedelta(0)] * 5
    minutes = [lock_after(n).total_seconds() / 60 for n in range(5, 13)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60]
    assert lock_after(10_000) == timedelta(hours=1)


def test_a_lock_runs_from_the_last_failure() -> None:
    assert locked_until(4, NOW) is None
    assert locked_until(6, NOW) == NOW + timedelta(minutes=2)


def person() -> Person:
    ani = Person.register(uuid4(), EMAIL, NAME, "hash", uuid4())
    ani.grant(uuid4(), Role.OWNER)
    return ani


def test_five_failed_sign_ins_lock_the_account_and_a_sign_in_clears_them() -> None:
    ani = person()
    for minute in range(5):
        ani.sign_in_failed(NOW + timedelta(minutes=minute))
    last = NOW + timedelta(minutes=4)
    with pytest.raises(TooManyAttempts) as locked:
        ani.refuse_while_locked(last + timedelta(seconds=20))
    assert locked.value.retry_after == 40
    ani.refuse_while_locked(last + timedelta(minutes=1))  # the minute is over

    ani.signed_in(uuid4(), ani.first_tenant(), SignInMethod.PASSWORD)

    assert (ani.failures_in_a_row, ani.lock_remaining(last)) == (0, None)


# -- the person -----------------------------------------------------------------------------


def test_a_person_signs_in_only_where_they_belong() -> None:
    ani = person()
    with pytest.raises(NotAMember) as elsewhere:
        ani.signed_in(uuid4(), uuid4(), SignInMethod.PASSWORD)
    assert elsewhere.value.field == "tenantId"
    assert ani.tenant_to_enter(None) == ani.first_tenant()
    ani.grant(uuid4(), Role.STAFF)
    with pytest.raises(NotAMember):
        ani.tenant_to_enter(None)  # two businesses: name one


def test_a_link_is_used_once_and_verifies_the_address() -> None:
    ani = person()
    ani.verify_email("link-1")
    assert ani.verified
    with pytest.raises(LinkRefused):
        ani.change_password("hash-2", PasswordChange.RESET, "link-1")
    ani.change_password("hash-2", PasswordChange.RESET, "link-2")
    with pytest.raises(LinkRefused):
        ani.change_password("hash-3", PasswordChange.RESET, "link-2")
    assert (ani.secret_hash, ani.password_version) == ("hash-2", 1)


def test_personal_fields_of_a_person_are_its_email_and_name() -> None:
    assert Person.Registered.personal_fields == frozenset({"email", "name"})


# -- sessions -------------------------------------------------------------------------------


def session() -> Session:
    return Session.start(uuid4(), uuid4(), uuid4(), "password", "h1", NOW + timedelta(days=30))


def test_a_refresh_token_rotates_and_the_old_one_shown_again_revokes_the_session() -> None:
    opened = session()
    later = NOW + timedelta(days=30)
    assert opened.refresh("h1", "h2", NOW, later) is Refresh.ROTATED
    assert opened.refresh("h2", "h3", NOW, later) is Refresh.ROTATED

    assert opened.refresh("h1", "h4", NOW, later) is Refresh.REUSED

    assert opened.revoked_because == RevokeReason.REFRESH_TOKEN_REUSED
    assert isinstance(opened.pending_events[-1], Session.Revoked)
    with pytest.raises(SessionEnded):
        opened.refresh("h3", "h5", NOW, later)  # the newest one is dead too


def test_an_unknown_or_expired_refresh_token_is_refused_and_records_nothing() -> None:
    opened = session()
    recorded = len(opened.pending_events)
    with pytest.raises(SessionEnded):
        opened.refresh("guess", "h2", NOW, NOW)
    with pytest.raises(SessionEnded):
        opened.refresh("h1", "h2", NOW + timedelta(days=31), NOW)
    assert len(opened.pending_events) == recorded


def test_a_refresh_token_is_a_session_id_and_a_secret() -> None:
    session_id, secret = uuid4(), "a" * 43
    assert parse_refresh_token(refresh_token(session_id, secret)) == (session_id, secret)
    for malformed in ("", "x.y", f"{session_id}.short", f"{session_id}.{'a' * 42}!"):
        with pytest.raises(SessionEnded):
            parse_refresh_token(malformed)


# -- signed tokens --------------------------------------------------------------------------


def test_an_access_token_reads_back_and_one_signed_with_another_key_is_refused() -> None:
    key = new_key()
    claims = AccessClaims(uuid4(), uuid4(), Role.FINANCE, uuid4(), NOW, NOW + timedelta(minutes=15))
    token = JwtAccessTokens(key).encode(claims)
    assert JwtAccessTokens(key).decode(token) == claims
    with pytest.raises(AuthenticationFailed):
        JwtAccessTokens(new_key()).decode(token)
    with pytest.raises(AuthenticationFailed):
        JwtAccessTokens(key).decode(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])


def test_a_link_token_is_no_access_token_and_the_reverse() -> None:
    key = new_key()
    link = LinkClaims(LinkPurpose.MAGIC_LINK, uuid4(), uuid4(), str(uuid4()), NOW, 0)
    token = JwtLinkTokens(key).encode(link)
    assert JwtLinkTokens(key).decode(token) == link
    with pytest.raises(AuthenticationFailed):
        JwtAccessTokens(key).decode(token)  # another key and audience
    access = AccessClaims(uuid4(), uuid4(), Role.OWNER, uuid4(), NOW, NOW)
    with pytest.raises(LinkRefused):
        JwtLinkTokens(key).decode(JwtAccessTokens(key).encode(access))
