"""Values of the auth context; pure data, no storage."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.auth.permissions import ALL_PERMISSIONS

# An access token lives an hour unless the ACCESS_TOKEN_MINUTES setting says otherwise (HubSoft gives
# 30 days; its clients read expires_in and renew, so a shorter life only shortens a leaked token's use).
ACCESS_TOKEN_SECONDS = 3600
REFRESH_TOKEN_SECONDS = 90 * 24 * 3600

# Login throttling (AuthService.grant). Attempts are counted per (username, source address), before the
# password is checked: a flood from one address uses up that address's attempts and nobody else's.
MAX_LOGIN_FAILURES = 5  # password checks per address and user within LOGIN_WINDOW_SECONDS
LOGIN_WINDOW_SECONDS = 15 * 60
LOGIN_LOCK_SECONDS = 15 * 60  # after the last of them fails, that address waits this long
# Seconds an address waits after its 1st, 2nd, 3rd... failed attempt (progressive delay before the lock).
LOGIN_FAILURE_DELAYS = (0, 1, 2, 4)
# Past this many failures on one user (all addresses, one window) each address gets only
# ATTEMPTS_PAST_CEILING checks: guessing from many addresses slows down, and the owner still gets in
# from an address of their own, since no address's failures ever lock another.
USER_FAILURE_CEILING = 20
ATTEMPTS_PAST_CEILING = 2


@dataclass(frozen=True)
class User:
    id: int
    username: str
    name: str
    password_hash: str = field(repr=False)
    permissions: tuple[str, ...]
    is_admin: bool = False
    technician_id: int | None = None
    active: bool = True
    token_generation: int = 0
    created_at: datetime | None = None


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    name: str
    secret_hash: str = field(repr=False)
    active: bool = True


@dataclass(frozen=True)
class StoredToken:
    """What we keep of a token: its hash, never the token itself."""

    token_hash: str = field(repr=False)
    kind: str  # "access" | "refresh"
    username: str
    client_id: str
    expires_at: datetime
    token_generation: int
    pair_hash: str = field(default="", repr=False)  # the refresh token's hash on an access token and vice versa
    # Every token issued from one password grant, through its refreshes, shares a family: a refresh token
    # used twice means a copy exists, and the whole family is revoked (OAuth 2.0 Security BCP, RFC 9700
    # §4.14.2). "" on tokens issued before families existed.
    family: str = ""
    used: bool = False  # a refresh token already exchanged: kept until it expires, to catch its reuse


@dataclass(frozen=True)
class LoginAttempts:
    """Password checks of one user from one source address within a window."""

    attempts: int
    window_start: datetime
    not_before: datetime | None = None  # no new check before this (progressive delay, then the lock)


@dataclass(frozen=True)
class LoginBlock:
    """What an administrator sees of a user's throttling: one row per source address."""

    address: str
    attempts: int
    not_before: datetime | None


@dataclass(frozen=True)
class Principal:
    """Who is calling: resolved from the bearer token on every request."""

    user_id: int
    username: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    is_admin: bool = False
    technician_id: int | None = None
    token_hash: str = field(default="", repr=False)

    def can(self, permission: str) -> bool:
        return self.is_admin or permission in self.permissions

    @property
    def only_technician(self) -> int | None:
        """The technician whose OS alone this user may see and change (a technician's own user)."""
        return self.technician_id if self.technician_id is not None and not self.is_admin else None

    @property
    def effective_permissions(self) -> tuple[str, ...]:
        return ALL_PERMISSIONS if self.is_admin else tuple(p for p in ALL_PERMISSIONS if p in self.permissions)


@dataclass(frozen=True)
class TokenGrant:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    token_type: str = "Bearer"


@dataclass(frozen=True)
class NewUser:
    username: str
    password: str = field(repr=False)
    name: str
    permissions: tuple[str, ...]
    is_admin: bool = False
    technician_id: int | None = None


# ``UserChange.technician_id`` that unlinks the user from its technician (the API's null or 0).
UNLINK_TECHNICIAN = 0


@dataclass(frozen=True)
class UserChange:
    """An administrator's change to a user; None keeps a field as it is."""

    name: str | None = None
    permissions: tuple[str, ...] | None = None  # replaces the list
    is_admin: bool | None = None
    technician_id: int | None = None  # UNLINK_TECHNICIAN unlinks
    active: bool | None = None

    @property
    def empty(self) -> bool:
        return all(value is None for value in (self.name, self.permissions, self.is_admin, self.technician_id,
                                               self.active))
