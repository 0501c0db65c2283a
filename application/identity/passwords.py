"""Changing a password (signed in, knowing the current one) and resetting a forgotten one
through a link sent to the address. A reset ends every session; a change ends the others."""

from __future__ import annotations

from application.identity.links import LinkMail
from application.identity.people import SIGN_IN, People, signed_in_person
from application.identity.ports import LinkPurpose, PasswordHasher
from application.identity.sessions import SignIns
from application.shared.context import Principal
from domain.identity.errors import LinkRefused, WrongPassword
from domain.identity.passwords import check_password
from domain.identity.person import PasswordChange, Person, normalise_email
from domain.identity.session import RevokeReason


class Passwords:
    def __init__(
        self, people: People, hasher: PasswordHasher, links: LinkMail, sign_ins: SignIns
    ) -> None:
        self._people = people
        self._hasher = hasher
        self._links = links
        self._sign_ins = sign_ins

    def change(self, principal: Principal, current: str, new: str) -> int:
        """A new password for the signed-in person; every other session ends. How many."""
        who = signed_in_person(principal)
        person = self._people.person(who.person_id)
        if not self._hasher.verify(person.secret_hash, current):
            raise WrongPassword("the current password is wrong", field="currentPassword")
        self._new_password(person, new, "newPassword", PasswordChange.CHANGED)
        others = [s for s in self._sign_ins.open_sessions(person.id) if s != who.session_id]
        reason = RevokeReason.PASSWORD_CHANGED
        return self._sign_ins.end(others, reason, principal.tenant_id, person.id, person)

    def request_reset(self, email: str) -> None:
        """E-mail a reset link if the address has an account; the same answer either way. The
        link goes in the name of a business, so a person who belongs to none gets none."""
        person = self._people.by_email(normalise_email(email))
        tenant_id = None if person is None else person.first_tenant()
        if person is not None and tenant_id is not None:
            self._links.send(person, tenant_id, LinkPurpose.RESET_PASSWORD, SIGN_IN)

    def reset(self, token: str, new: str) -> int:
        """A new password through a reset link (once, and only while no other change came
        after the link was sent); every session ends. How many were open."""
        claims = self._links.read(token, LinkPurpose.RESET_PASSWORD)
        person = self._people.person(claims.subject_id)
        if person.password_version != claims.password_version:
            raise LinkRefused("the password was changed after this link was sent")
        self._new_password(person, new, "newPassword", PasswordChange.RESET, claims.link_id)
        sessions = self._sign_ins.open_sessions(person.id)
        reason = RevokeReason.PASSWORD_RESET
        return self._sign_ins.end(sessions, reason, claims.tenant_id, person.id, person)

    def _new_password(
        self, person: Person, new: str, field: str, why: PasswordChange, link_id: str | None = None
    ) -> None:
        check_password(new, email=str(person.email), name=str(person.name), field=field)
        person.change_password(self._hasher.hash(new), why, link_id)
