"""Values of the auth context; pure data, no storage."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.auth.permissions import ALL_PERMISSIONS

ACCESS_TOKEN_SECONDS = 30 * 24 * 3600  # HubSoft's expires_in: 2592000
REFRESH_TOKEN_SECONDS = 90 * 24 * 3600
MAX_LOGIN_FAILURES = 5
LOGIN_LOCK_SECONDS = 15 * 60


@dataclass(frozen=True)
class User:
    id: int
    username: str
    name: str
    password_hash: str
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
    secret_hash: str
    active: bool = True


@dataclass(frozen=True)
class StoredToken:
    """What we keep of a token: its hash, never the token itself."""

    token_hash: str
    kind: str  # "access" | "refresh"
    username: str
    client_id: str
    expires_at: datetime
    token_generation: int
    pair_hash: str = ""  # the refresh token's hash on an access token and vice versa


@dataclass(frozen=True)
class LoginThrottle:
    failures: int
    window_start: datetime
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Principal:
    """Who is calling: resolved from the bearer token on every request."""

    user_id: int
    username: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    is_admin: bool = False
    technician_id: int | None = None
    token_hash: str = ""

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
    access_token: str
    refresh_token: str
    expires_in: int = ACCESS_TOKEN_SECONDS
    token_type: str = "Bearer"


@dataclass(frozen=True)
class NewUser:
    username: str
    password: str
    name: str
    permissions: tuple[str, ...]
    is_admin: bool = False
    technician_id: int | None = None
