"""Passwords (argon2id), opaque session tokens and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache
from typing import Literal

import anyio.to_thread
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

CSRF_COOKIE = "dongne_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"  # the form field plain forms send it in

# "recommended": argon2id with the library's current recommended parameters, always
# outside tests. "cheapest": the library's profile for test suites (Settings allows it
# only with DONGNE_ENV=test); a hash made with it is rehashed at the next login under
# the recommended parameters.
HashProfile = Literal["recommended", "cheapest"]
_HASHERS: dict[str, PasswordHasher] = {
    "recommended": PasswordHasher(),
    "cheapest": PasswordHasher.from_parameters(profiles.CHEAPEST),
}


@cache
def _dummy_hash(profile: HashProfile) -> str:
    """Verifying against this keeps the time of a login for an unknown email the same
    as for a known one, so timing does not reveal which emails have accounts."""
    return _HASHERS[profile].hash(secrets.token_urlsafe(16))


async def hash_password(password: str, profile: HashProfile = "recommended") -> str:
    return await anyio.to_thread.run_sync(_HASHERS[profile].hash, password)


async def verify_password(
    stored_hash: str | None, password: str, profile: HashProfile = "recommended"
) -> bool:
    def check() -> bool:
        hasher = _HASHERS[profile]
        try:
            return hasher.verify(stored_hash or _dummy_hash(profile), password) and bool(
                stored_hash
            )
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(check)


def needs_rehash(stored_hash: str, profile: HashProfile = "recommended") -> bool:
    return _HASHERS[profile].check_needs_rehash(stored_hash)


def new_token() -> str:
    """An opaque bearer/session token; only its SHA-256 is stored."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_binding(session_token: str | None) -> str:
    """What a CSRF token is bound to: the session's token digest ("" signed out)."""
    return token_digest(session_token) if session_token else ""


class CsrfTokens:
    """Signed double-submit tokens bound to the session: the cookie holds
    ``nonce.signature``, the signature covering the nonce and the session (see
    :func:`session_binding`), and every state-changing browser request must echo
    it in a header or a form field. A token planted before sign-in (a cookie set
    by a sibling subdomain, say) is worthless once the session changes."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"dongne-csrf:" + secret.encode()).digest()

    def _sign(self, nonce: str, binding: str) -> str:
        message = f"{nonce}|{binding}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def new(self, binding: str = "") -> str:
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._sign(nonce, binding)}"

    def is_valid(self, token: str | None, binding: str = "") -> bool:
        if not token or "." not in token:
            return False
        nonce, _sep, signature = token.partition(".")
        return hmac.compare_digest(self._sign(nonce, binding), signature)

    def matches(self, cookie: str | None, submitted: str | None, binding: str = "") -> bool:
        return (
            self.is_valid(cookie, binding)
            and submitted is not None
            and hmac.compare_digest(cookie or "", submitted)
        )
