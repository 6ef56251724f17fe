"""Use cases of the auth context: token grants, bearer checks, users, revocation."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.auth.model import (
    ACCESS_TOKEN_SECONDS,
    LOGIN_LOCK_SECONDS,
    MAX_LOGIN_FAILURES,
    REFRESH_TOKEN_SECONDS,
    LoginThrottle,
    NewUser,
    OAuthClient,
    Principal,
    StoredToken,
    TokenGrant,
    User,
)
from chalicelib.auth.passwords import PasswordHasher, new_token, token_hash
from chalicelib.auth.permissions import ALL_PERMISSIONS
from chalicelib.clock import Clock
from chalicelib.errors import (
    AuthenticationError,
    BusinessRuleError,
    NotFoundError,
    OAuthError,
    ValidationError,
)
from chalicelib.ports import Sequences

logger = logging.getLogger(__name__)

INVALID_CREDENTIALS = "The user credentials were incorrect."
UNAUTHENTICATED = "Não autenticado: token de acesso ausente, inválido, expirado ou revogado."
_USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{3,100}$")
MIN_PASSWORD_LENGTH = 8


class IdentityStore(Protocol):
    def get_user(self, username: str) -> User | None: ...
    def get_user_by_id(self, user_id: int) -> User | None: ...
    def add_user(self, user: User) -> None: ...
    def list_users(self) -> list[User]: ...
    def bump_token_generation(self, username: str) -> None: ...
    def get_client(self, client_id: str) -> OAuthClient | None: ...
    def add_client(self, client: OAuthClient) -> bool: ...
    def add_token(self, token: StoredToken) -> None: ...
    def get_token(self, token_hash: str) -> StoredToken | None: ...
    def consume_token(self, token_hash: str) -> StoredToken | None: ...
    def delete_token(self, token_hash: str) -> None: ...
    def get_throttle(self, username: str) -> LoginThrottle | None: ...
    def record_failure(self, username: str, now: datetime, window_seconds: int) -> LoginThrottle: ...
    def lock(self, username: str, until: datetime) -> None: ...
    def clear_throttle(self, username: str) -> None: ...


@dataclass(frozen=True)
class TokenRequest:
    grant_type: str
    client_id: str
    client_secret: str
    username: str = ""
    password: str = ""
    refresh_token: str = ""


class TechnicianLookup(Protocol):
    def exists(self, technician_id: int) -> bool: ...


class AuthService:
    def __init__(
        self, store: IdentityStore, sequences: Sequences, hasher: PasswordHasher, clock: Clock,
        technicians: TechnicianLookup,
    ) -> None:
        self._technicians = technicians
        self._store = store
        self._sequences = sequences
        self._hasher = hasher
        self._clock = clock

    # -- the token endpoint ---------------------------------------------
    def grant(self, request: TokenRequest) -> TokenGrant:
        """``POST /oauth/token``: password and refresh_token grants."""
        if request.grant_type not in ("password", "refresh_token"):
            raise OAuthError(
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            )
        self._check_client(request)
        if request.grant_type == "password":
            return self._password_grant(request)
        return self._refresh_grant(request)

    def _check_client(self, request: TokenRequest) -> None:
        if not request.client_id or not request.client_secret:
            raise OAuthError(
                "invalid_request",
                "The request is missing a required parameter: client_id and client_secret.",
            )
        client = self._store.get_client(request.client_id)
        if client is None:
            self._hasher.burn(request.client_secret)
            raise OAuthError("invalid_client", "Client authentication failed", status=401)
        if not client.active or not self._hasher.verify(client.secret_hash, request.client_secret):
            raise OAuthError("invalid_client", "Client authentication failed", status=401)

    def _password_grant(self, request: TokenRequest) -> TokenGrant:
        if not request.username or not request.password:
            raise OAuthError(
                "invalid_request",
                "The request is missing a required parameter: username and password.",
            )
        username = request.username.strip().lower()
        now = self._clock()
        throttle = self._store.get_throttle(username)
        if throttle and throttle.locked_until and throttle.locked_until > now:
            wait = int((throttle.locked_until - now).total_seconds()) + 1
            raise OAuthError(
                "too_many_attempts",
                f"Muitas tentativas de login sem sucesso. Tente novamente em {max(1, wait // 60)} minuto(s).",
                status=429,
                retry_after_seconds=wait,
            )
        user = self._store.get_user(username)
        if user is None:
            self._hasher.burn(request.password)
            ok = False
        else:
            ok = user.active and self._hasher.verify(user.password_hash, request.password)
        if not ok:
            self._record_failure(username, now)
            raise OAuthError("invalid_credentials", INVALID_CREDENTIALS, status=401)
        assert user is not None
        if throttle:
            self._store.clear_throttle(username)
        return self._issue(user, request.client_id, now)

    def _record_failure(self, username: str, now: datetime) -> None:
        state = self._store.record_failure(username, now, LOGIN_LOCK_SECONDS)
        if state.failures >= MAX_LOGIN_FAILURES:
            until = now + timedelta(seconds=LOGIN_LOCK_SECONDS)
            self._store.lock(username, until)
            logger.warning("login locked", extra={"username": username, "failures": state.failures})

    def _refresh_grant(self, request: TokenRequest) -> TokenGrant:
        if not request.refresh_token:
            raise OAuthError("invalid_request", "The request is missing a required parameter: refresh_token.")
        # Consuming is a conditional delete: of two racing refreshes, one wins.
        stored = self._store.consume_token(token_hash(request.refresh_token))
        now = self._clock()
        if (
            stored is None
            or stored.kind != "refresh"
            or stored.client_id != request.client_id
            or stored.expires_at <= now
        ):
            raise OAuthError("invalid_grant", "The refresh token is invalid.", status=401)
        user = self._store.get_user(stored.username)
        if user is None or not user.active or user.token_generation != stored.token_generation:
            raise OAuthError("invalid_grant", "The refresh token is invalid.", status=401)
        if stored.pair_hash:
            self._store.delete_token(stored.pair_hash)
        return self._issue(user, request.client_id, now)

    def _issue(self, user: User, client_id: str, now: datetime) -> TokenGrant:
        access, refresh = new_token(), new_token()
        access_hash, refresh_hash = token_hash(access), token_hash(refresh)
        self._store.add_token(StoredToken(
            token_hash=access_hash, kind="access", username=user.username, client_id=client_id,
            expires_at=now + timedelta(seconds=ACCESS_TOKEN_SECONDS),
            token_generation=user.token_generation, pair_hash=refresh_hash,
        ))
        self._store.add_token(StoredToken(
            token_hash=refresh_hash, kind="refresh", username=user.username, client_id=client_id,
            expires_at=now + timedelta(seconds=REFRESH_TOKEN_SECONDS),
            token_generation=user.token_generation, pair_hash=access_hash,
        ))
        return TokenGrant(access_token=access, refresh_token=refresh)

    # -- every other request --------------------------------------------
    def authenticate(self, authorization: str | None) -> Principal:
        """Resolve ``Authorization: Bearer <token>`` (or a bare token) to a Principal."""
        token = _bearer(authorization)
        if not token:
            raise AuthenticationError(UNAUTHENTICATED)
        hashed = token_hash(token)
        stored = self._store.get_token(hashed)
        if stored is None or stored.kind != "access" or stored.expires_at <= self._clock():
            raise AuthenticationError(UNAUTHENTICATED)
        user = self._store.get_user(stored.username)
        if user is None or not user.active or user.token_generation != stored.token_generation:
            raise AuthenticationError(UNAUTHENTICATED)
        return Principal(
            user_id=user.id, username=user.username, permissions=frozenset(user.permissions),
            is_admin=user.is_admin, technician_id=user.technician_id, token_hash=hashed,
        )

    # -- revocation -----------------------------------------------------
    def revoke(self, principal: Principal, refresh_token: str = "") -> None:
        """Log out: the caller's access token and its refresh token stop working."""
        stored = self._store.consume_token(principal.token_hash)
        if stored and stored.pair_hash:
            self._store.delete_token(stored.pair_hash)
        if refresh_token:
            other = self._store.get_token(token_hash(refresh_token))
            if other and other.username == principal.username:
                self._store.delete_token(other.token_hash)

    def revoke_user_tokens(self, user_id: int) -> User:
        user = self._store.get_user_by_id(user_id)
        if user is None:
            raise NotFoundError(f"Usuário de ID {user_id} não encontrado")
        self._store.bump_token_generation(user.username)
        return user

    def revoke_all_tokens(self) -> int:
        """Every user's tokens stop working (after a leak or a security update)."""
        users = self._store.list_users()
        for user in users:
            self._store.bump_token_generation(user.username)
        return len(users)

    # -- users and clients ----------------------------------------------
    def create_user(self, new: NewUser) -> User:
        errors = user_errors(new)
        if errors:
            raise ValidationError(errors)
        if new.technician_id is not None and not self._technicians.exists(new.technician_id):
            raise NotFoundError(f"Técnico de ID {new.technician_id} não encontrado")
        username = new.username.strip().lower()
        if self._store.get_user(username) is not None:
            raise BusinessRuleError(f"Já existe um usuário com o username {username}.")
        user = User(
            id=self._sequences.next_id("usuario"),
            username=username,
            name=new.name,
            password_hash=self._hasher.hash(new.password),
            permissions=tuple(p for p in ALL_PERMISSIONS if p in set(new.permissions)),
            is_admin=new.is_admin,
            technician_id=new.technician_id,
            created_at=self._clock(),
        )
        self._store.add_user(user)  # conditional: a racing twin loses with ConflictError
        return user

    def list_users(self) -> list[User]:
        return sorted(self._store.list_users(), key=lambda u: u.id)

    def ensure_admin(self, username: str, password: str, name: str = "Administrador") -> bool:
        """Create the admin user unless it exists; True when created."""
        if self._store.get_user(username.strip().lower()) is not None:
            return False
        self.create_user(NewUser(username=username, password=password, name=name, permissions=(), is_admin=True))
        return True

    def ensure_client(self, client_id: str, secret: str, name: str) -> bool:
        """Register an OAuth client unless it exists; True when created."""
        if not client_id.strip() or len(secret) < MIN_PASSWORD_LENGTH:
            raise ValidationError([
                "client_id é obrigatório e client_secret deve ter pelo menos "
                f"{MIN_PASSWORD_LENGTH} caracteres."
            ])
        client = OAuthClient(client_id=client_id.strip(), name=name, secret_hash=self._hasher.hash(secret))
        return self._store.add_client(client)


def _bearer(authorization: str | None) -> str:
    if not authorization:
        return ""
    value = authorization.strip()
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() == "bearer":
        return rest.strip()
    # HubSoft's Postman collection sends the bare token; accept it.
    return value if " " not in value else ""


def user_errors(new: NewUser) -> list[str]:
    """Every rule a new user breaks, as ``O campo <nome> ...`` messages."""
    errors = []
    if not _USERNAME.match(new.username.strip()):
        errors.append("O campo username deve ter de 3 a 100 caracteres: letras, números, ponto, @, +, - ou _.")
    if len(new.password) < MIN_PASSWORD_LENGTH:
        errors.append(f"O campo password deve ter pelo menos {MIN_PASSWORD_LENGTH} caracteres.")
    elif new.password.strip().lower() == new.username.strip().lower():
        errors.append("O campo password não pode ser igual ao username.")
    if not new.name.strip():
        errors.append("O campo nome é obrigatório.")
    unknown = [p for p in new.permissions if p not in ALL_PERMISSIONS]
    if unknown:
        errors.append(f"O campo permissoes contém permissões desconhecidas: {', '.join(unknown)} "
                      "(consulte GET configuracao/permissao).")
    return errors
