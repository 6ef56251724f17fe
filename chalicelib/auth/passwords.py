"""Argon2id hashing for passwords and client secrets; SHA-256 for tokens.

Passwords are low-entropy and need a slow, memory-hard hash. Bearer tokens are
256 random bits, so a single SHA-256 already makes a stolen table useless, and
it keeps every authenticated request fast (a lookup by hash, no slow verify).
"""
from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # argon2 is imported on first use: it is not needed to answer most requests
    from argon2 import PasswordHasher as Argon2Hasher


class PasswordHasher:
    """Argon2id with OWASP's parameters; ``fast`` is for tests only."""

    def __init__(self, profile: str = "standard") -> None:
        self._profile = profile
        self._hasher: Argon2Hasher | None = None
        self._dummy_hash: str | None = None

    def _argon(self) -> Argon2Hasher:
        if self._hasher is None:
            from argon2 import PasswordHasher as Argon2Hasher

            if self._profile == "fast":
                self._hasher = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)
            else:  # OWASP: m=19 MiB, t=2, p=1 is the floor; we go above it
                self._hasher = Argon2Hasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)
        return self._hasher

    def hash(self, secret: str) -> str:
        return self._argon().hash(secret)

    def verify(self, stored_hash: str, secret: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return self._argon().verify(stored_hash, secret)
        except (VerificationError, InvalidHashError):
            return False

    def burn(self, secret: str) -> None:
        """Spend a verify's time when there is nothing to verify against, so a
        wrong username takes as long as a wrong password."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hash(secrets.token_hex(16))
        self.verify(self._dummy_hash, secret)


def new_token() -> str:
    """A fresh opaque bearer or refresh token (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
