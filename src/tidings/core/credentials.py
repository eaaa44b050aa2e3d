"""Passwords (argon2id) and bearer tokens (random, stored as SHA-256)."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tidings.core import names

_hasher = PasswordHasher()
# Compared against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("tidings-no-such-user")


def use_hash_parameters(parameters: Parameters) -> None:
    """Choose argon2 costs. The defaults (RFC 9106 low-memory) are for production;
    the test suite picks argon2's cheapest profile so that it stays fast."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(parameters)
    _DUMMY_HASH = _hasher.hash("tidings-no-such-user")


def hash_password(password: str) -> str:
    """Slow on purpose (tens of milliseconds): never call it inside the writer."""
    return _hasher.hash(password)


def new_password_hash(password: str) -> str:
    """Check a chosen password's length, then hash it."""
    return hash_password(names.password(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
