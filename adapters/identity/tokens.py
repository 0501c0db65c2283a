"""Signed tokens: access tokens and the tokens of links sent by e-mail, both JWTs (HS256, PyJWT)
with keys of their own derived from NIAGA_SECRET_KEY (HKDF-SHA256, one purpose label each), and
the ids of address claims (HMAC-SHA256 of the address with a third derived key).

Expiry is checked by the application on its clock; here only the signature, the issuer, the
audience and the presence and form of every claim."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from application.identity.ports import AccessClaims, LinkClaims, LinkPurpose
from application.shared.errors import AuthenticationFailed
from domain.identity.errors import LinkRefused
from domain.shared.roles import Role

ISSUER = "niaga"
ACCESS_AUDIENCE = "niaga-api"
LINK_AUDIENCE = "niaga-link"
ACCESS_KEY_LABEL = b"niaga identity: access tokens v1"
LINK_KEY_LABEL = b"niaga identity: e-mail links v1"
CLAIM_KEY_LABEL = b"niaga identity: e-mail claim ids v1"
_ALGORITHM = "HS256"
_ACCESS_CLAIMS = ["iss", "aud", "sub", "tid", "role", "sid", "iat", "exp"]
_LINK_CLAIMS = ["iss", "aud", "sub", "tid", "jti", "pur", "pwv", "exp"]


def derived_key(secret_key: str, label: bytes) -> bytes:
    """A 256-bit key for one purpose, from the platform's NIAGA_SECRET_KEY."""
    raw = base64.urlsafe_b64decode(secret_key.encode())
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(raw)


def _seconds(instant: datetime) -> int:
    return int(instant.timestamp())


def _instant(seconds: Any) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def _verified(token: str, key: bytes, audience: str, required: list[str]) -> dict[str, Any]:
    options: Any = {"verify_exp": False, "verify_iat": False, "require": required}
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=[_ALGORITHM], audience=audience, issuer=ISSUER, options=options
    )
    return claims


class JwtAccessTokens:
    """Implements AccessTokenCodec."""

    def __init__(self, secret_key: str) -> None:
        self._key = derived_key(secret_key, ACCESS_KEY_LABEL)

    def encode(self, claims: AccessClaims) -> str:
        payload = {
            "iss": ISSUER,
            "aud": ACCESS_AUDIENCE,
            "sub": str(claims.person_id),
            "tid": str(claims.tenant_id),
            "role": claims.role.value,
            "sid": str(claims.session_id),
            "iat": _seconds(claims.issued_at),
            "exp": _seconds(claims.expires_at),
        }
        if claims.custom_role_id is not None:
            payload["crl"] = str(claims.custom_role_id)
        return jwt.encode(payload, self._key, algorithm=_ALGORITHM)

    def decode(self, token: str) -> AccessClaims:
        try:
            raw = _verified(token, self._key, ACCESS_AUDIENCE, _ACCESS_CLAIMS)
            return AccessClaims(
                UUID(raw["sub"]),
                UUID(raw["tid"]),
                Role(raw["role"]),
                UUID(raw["sid"]),
                _instant(raw["iat"]),
                _instant(raw["exp"]),
                UUID(raw["crl"]) if "crl" in raw else None,
            )
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
            raise AuthenticationFailed("invalid access token") from None


class JwtLinkTokens:
    """Implements LinkTokenCodec."""

    def __init__(self, secret_key: str) -> None:
        self._key = derived_key(secret_key, LINK_KEY_LABEL)

    def encode(self, claims: LinkClaims) -> str:
        payload = {
            "iss": ISSUER,
            "aud": LINK_AUDIENCE,
            "sub": str(claims.subject_id),
            "tid": str(claims.tenant_id),
            "jti": claims.link_id,
            "pur": claims.purpose.value,
            "pwv": claims.password_version,
            "exp": _seconds(claims.expires_at),
        }
        return jwt.encode(payload, self._key, algorithm=_ALGORITHM)

    def decode(self, token: str) -> LinkClaims:
        try:
            raw = _verified(token, self._key, LINK_AUDIENCE, _LINK_CLAIMS)
            return LinkClaims(
                LinkPurpose(raw["pur"]),
                UUID(raw["sub"]),
                UUID(raw["tid"]),
                str(UUID(raw["jti"])),
                _instant(raw["exp"]),
                int(raw["pwv"]),
            )
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
            raise LinkRefused("this link is not valid") from None


class HmacEmailClaimIds:
    """Implements EmailClaimIds: the claim's id is the keyed hash of the address."""

    def __init__(self, secret_key: str) -> None:
        self._key = derived_key(secret_key, CLAIM_KEY_LABEL)

    def claim_id(self, email: str) -> UUID:
        digest = hmac.new(self._key, email.encode(), hashlib.sha256).digest()
        return UUID(bytes=digest[:16], version=5)
