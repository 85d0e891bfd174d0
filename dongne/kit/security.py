"""Passwords (argon2id), opaque session tokens and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this keeps the time of a login for an unknown email the same
# as for a known one, so timing does not reveal which emails have accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(stored_hash or _DUMMY_HASH, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(check)


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


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
