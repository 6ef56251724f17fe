"""Use cases of the auth context: token grants, bearer checks, users, revocation."""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.auth.model import (
    ACCESS_TOKEN_SECONDS,
    ATTEMPTS_PAST_CEILING,
    LOGIN_FAILURE_DELAYS,
    LOGIN_LOCK_SECONDS,
    LOGIN_WINDOW_SECONDS,
    MAX_LOGIN_FAILURES,
    REFRESH_TOKEN_SECONDS,
    UNLINK_TECHNICIAN,
    USER_FAILURE_CEILING,
    LoginAttempts,
    LoginBlock,
    NewUser,
    OAuthClient,
    Principal,
    StoredToken,
    TokenGrant,
    User,
    UserChange,
)
from chalicelib.auth.passwords import PasswordHasher, new_token, token_hash
from chalicelib.auth.permissions import ALL_PERMISSIONS
from chalicelib.clock import Clock
from chalicelib.errors import (
    AuthenticationError,
    BusinessRuleError,
    ConflictError,
    OAuthError,
    ValidationError,
    require_found,
)
from chalicelib.ports import Sequences

logger = logging.getLogger(__name__)

INVALID_CREDENTIALS = "The user credentials were incorrect."
UNAUTHENTICATED = "Não autenticado: token de acesso ausente, inválido, expirado ou revogado."
_USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{3,100}$")
MIN_PASSWORD_LENGTH = 8
USER_CHANGE_FIELDS = "nome, permissoes, admin, id_tecnico ou ativo"
# Reads and writes of one user change before giving up to concurrent changes of the same user.
MAX_CHANGE_ATTEMPTS = 3


class IdentityStore(Protocol):
    def get_user(self, username: str) -> User | None: ...
    def get_user_by_id(self, user_id: int) -> User | None: ...
    def add_user(self, user: User) -> None: ...
    def list_users(self) -> list[User]: ...
    def bump_token_generation(self, username: str) -> None: ...
    def change_user(self, current: User, updated: User, keeping_admin: str | None = None) -> bool: ...
    def get_client(self, client_id: str) -> OAuthClient | None: ...
    def add_client(self, client: OAuthClient) -> bool: ...
    def start_family(self, access: StoredToken, refresh: StoredToken) -> None: ...
    def rotate_family(self, used: StoredToken, access: StoredToken, refresh: StoredToken,
                      now: datetime) -> bool: ...
    def revoke_family(self, family: str) -> None: ...
    def get_token(self, token_hash: str) -> StoredToken | None: ...
    def consume_token(self, token_hash: str) -> StoredToken | None: ...
    def delete_token(self, token_hash: str) -> None: ...
    def take_login_attempt(self, username: str, address: str, now: datetime, max_attempts: int,
                           window_seconds: int) -> LoginAttempts | None: ...
    def login_attempts(self, username: str, address: str) -> LoginAttempts | None: ...
    def delay_login(self, username: str, address: str, until: datetime) -> None: ...
    def clear_login_attempts(self, username: str, address: str) -> None: ...
    def count_user_failure(self, username: str, now: datetime, window_seconds: int) -> int: ...
    def user_failures(self, username: str, now: datetime, window_seconds: int) -> int: ...
    def login_blocks(self, username: str) -> list[LoginBlock]: ...
    def unlock_login(self, username: str) -> int: ...


@dataclass(frozen=True)
class TokenRequest:
    grant_type: str
    client_id: str
    client_secret: str = field(repr=False)
    username: str = ""
    password: str = field(default="", repr=False)
    refresh_token: str = field(default="", repr=False)
    # Who asked: API Gateway's sourceIp (never X-Forwarded-For, which the caller writes).
    source_address: str = ""


class TechnicianLookup(Protocol):
    def unassignable(self, technician_ids: Iterable[int], kept: Iterable[int] = ()) -> list[str]: ...


class UserChangedError(ConflictError):
    """The store refused a user's change: its active or admin flag changed since it was read."""

    def __init__(self) -> None:
        super().__init__("O usuário foi alterado por outra requisição; consulte-o e tente de novo.")


class AuthService:
    def __init__(
        self, store: IdentityStore, sequences: Sequences, hasher: PasswordHasher, clock: Clock,
        technicians: TechnicianLookup, access_token_seconds: int = ACCESS_TOKEN_SECONDS,
    ) -> None:
        self._technicians = technicians
        self._store = store
        self._sequences = sequences
        self._hasher = hasher
        self._clock = clock
        self._access_seconds = access_token_seconds
        # Client secrets already verified in this process, as {stored Argon2 hash: SHA-256 of the secret}.
        # The console's secret is public by nature: without this every login would pay a second Argon2.
        self._verified_clients: dict[str, bytes] = {}

    # -- the token endpoint ---------------------------------------------
    def grant(self, request: TokenRequest) -> TokenGrant:
        """``POST /oauth/token``: password and refresh_token grants."""
        if request.grant_type not in ("password", "refresh_token"):
            raise OAuthError(
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            )
        if request.grant_type == "password":
            return self._password_grant(request)
        self._check_client(request)
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
        if not self._client_secret_matches(client, request.client_secret) or not client.active:
            raise OAuthError("invalid_client", "Client authentication failed", status=401)

    def _client_secret_matches(self, client: OAuthClient, secret: str) -> bool:
        digest = hashlib.sha256(secret.encode("utf-8")).digest()
        known = self._verified_clients.get(client.secret_hash)
        if known is not None and hmac.compare_digest(known, digest):
            return True
        if not self._hasher.verify(client.secret_hash, secret):
            return False
        self._verified_clients[client.secret_hash] = digest
        return True

    def _password_grant(self, request: TokenRequest) -> TokenGrant:
        if not request.client_id or not request.client_secret:
            self._check_client(request)  # the same invalid_request answer as the refresh grant
        if not request.username or not request.password:
            raise OAuthError(
                "invalid_request",
                "The request is missing a required parameter: username and password.",
            )
        username = request.username.strip().lower()
        address = request.source_address or "desconhecido"
        now = self._clock()
        # Counted before anything is hashed, by a conditional write: of any number of concurrent
        # guesses, at most the allowed few reach Argon2; the rest cost one DynamoDB write.
        allowed = MAX_LOGIN_FAILURES
        if self._store.user_failures(username, now, LOGIN_WINDOW_SECONDS) >= USER_FAILURE_CEILING:
            allowed = ATTEMPTS_PAST_CEILING
        taken = self._store.take_login_attempt(username, address, now, allowed, LOGIN_WINDOW_SECONDS)
        if taken is None:
            raise self._too_many_attempts(username, address, now)
        self._check_client(request)
        user = self._store.get_user(username)
        # The same Argon2 work whether the user is unknown, inactive or active: timing tells nothing.
        if user is None:
            self._hasher.burn(request.password)
            ok = False
        else:
            ok = self._hasher.verify(user.password_hash, request.password) and user.active
        if not ok or user is None:
            self._count_failure(username, address, taken, allowed, now)
            raise OAuthError("invalid_credentials", INVALID_CREDENTIALS, status=401)
        self._store.clear_login_attempts(username, address)
        return self._start_family(user, request.client_id, now)

    def _count_failure(self, username: str, address: str, taken: LoginAttempts, allowed: int,
                       now: datetime) -> None:
        self._store.count_user_failure(username, now, LOGIN_WINDOW_SECONDS)
        if taken.attempts >= allowed:
            self._store.delay_login(username, address, now + timedelta(seconds=LOGIN_LOCK_SECONDS))
            logger.warning("login locked",
                           extra={"username": username, "source_address": address, "attempts": taken.attempts})
            return
        delay = LOGIN_FAILURE_DELAYS[min(taken.attempts, len(LOGIN_FAILURE_DELAYS)) - 1]
        if delay:
            self._store.delay_login(username, address, now + timedelta(seconds=delay))

    def _too_many_attempts(self, username: str, address: str, now: datetime) -> OAuthError:
        state = self._store.login_attempts(username, address)
        until = state.not_before if state and state.not_before and state.not_before > now else None
        if until is None and state is not None:
            until = state.window_start + timedelta(seconds=LOGIN_WINDOW_SECONDS)
        wait = max(1, int((until - now).total_seconds()) + 1) if until and until > now else 1
        when = f"{wait // 60} minuto(s)" if wait >= 120 else f"{wait} segundo(s)"
        return OAuthError(
            "too_many_attempts",
            f"Muitas tentativas de login sem sucesso. Tente novamente em {when}.",
            status=429,
            retry_after_seconds=wait,
        )

    def _refresh_grant(self, request: TokenRequest) -> TokenGrant:
        if not request.refresh_token:
            raise OAuthError("invalid_request", "The request is missing a required parameter: refresh_token.")
        invalid = OAuthError("invalid_grant", "The refresh token is invalid.", status=401)
        now = self._clock()
        stored = self._store.get_token(token_hash(request.refresh_token))
        if stored is None or stored.kind != "refresh" or stored.client_id != request.client_id:
            raise invalid
        if stored.used:
            self._reuse_detected(stored)
            raise invalid
        if stored.expires_at <= now:
            raise invalid
        user = self._store.get_user(stored.username)
        if user is None or not user.active or user.token_generation != stored.token_generation:
            raise invalid
        if not stored.family:  # issued before token families: exchanged once, by a conditional delete
            if self._store.consume_token(stored.token_hash) is None:
                raise invalid
            if stored.pair_hash:
                self._store.delete_token(stored.pair_hash)
            return self._start_family(user, request.client_id, now)
        access, refresh, grant = self._pair(user, request.client_id, now, stored.family)
        if not self._store.rotate_family(stored, access, refresh, now):
            # Lost to another exchange of the same token (or the family was revoked meanwhile):
            # two uses of one refresh token, so a copy of it exists.
            self._reuse_detected(stored)
            raise invalid
        return grant

    def _reuse_detected(self, stored: StoredToken) -> None:
        logger.warning("refresh token reused: its family is revoked",
                       extra={"username": stored.username, "client_id": stored.client_id})
        if stored.family:
            self._store.revoke_family(stored.family)

    def _start_family(self, user: User, client_id: str, now: datetime) -> TokenGrant:
        access, refresh, grant = self._pair(user, client_id, now, secrets.token_hex(16))
        self._store.start_family(access, refresh)
        return grant

    def _pair(self, user: User, client_id: str, now: datetime,
              family: str) -> tuple[StoredToken, StoredToken, TokenGrant]:
        access, refresh = new_token(), new_token()
        access_hash, refresh_hash = token_hash(access), token_hash(refresh)
        stored_access = StoredToken(
            token_hash=access_hash, kind="access", username=user.username, client_id=client_id,
            expires_at=now + timedelta(seconds=self._access_seconds),
            token_generation=user.token_generation, pair_hash=refresh_hash, family=family,
        )
        stored_refresh = StoredToken(
            token_hash=refresh_hash, kind="refresh", username=user.username, client_id=client_id,
            expires_at=now + timedelta(seconds=REFRESH_TOKEN_SECONDS),
            token_generation=user.token_generation, pair_hash=access_hash, family=family,
        )
        grant = TokenGrant(access_token=access, refresh_token=refresh, expires_in=self._access_seconds)
        return stored_access, stored_refresh, grant

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
        """Log out: the caller's access token and every token of its family stop working."""
        stored = self._store.consume_token(principal.token_hash)
        if stored and stored.family:
            self._store.revoke_family(stored.family)
        elif stored and stored.pair_hash:
            self._store.delete_token(stored.pair_hash)
        if refresh_token:
            other = self._store.get_token(token_hash(refresh_token))
            if other and other.username == principal.username:
                self._store.delete_token(other.token_hash)
                if other.family:
                    self._store.revoke_family(other.family)

    def revoke_user_tokens(self, user_id: int) -> User:
        user = self._user(user_id)
        self._store.bump_token_generation(user.username)
        return user

    def login_blocks(self, user_id: int) -> list[LoginBlock]:
        """The source addresses throttled for this user now (an address whose delay is over is not)."""
        user = self._user(user_id)
        now = self._clock()
        return [b for b in self._store.login_blocks(user.username) if b.not_before and b.not_before > now]

    def unlock_login(self, user_id: int) -> tuple[User, int]:
        """An administrator lifts every login throttle of a user (every address); the addresses cleared."""
        user = self._user(user_id)
        cleared = self._store.unlock_login(user.username)
        logger.info("login unlocked by an administrator", extra={"username": user.username, "addresses": cleared})
        return user, cleared

    def users_named(self, usernames: Iterable[str]) -> dict[str, User]:
        """The users of these usernames (one read each; the callers pass a page's worth), for display."""
        found = {name: self._store.get_user(name) for name in dict.fromkeys(u for u in usernames if u)}
        return {name: user for name, user in found.items() if user is not None}

    def _user(self, user_id: int) -> User:
        return require_found(self._store.get_user_by_id(user_id), f"Usuário de ID {user_id} não encontrado")

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
        self._check_technician(new.technician_id)
        username = new.username.strip().lower()
        if self._store.get_user(username) is not None:
            raise BusinessRuleError(f"Já existe um usuário com o username {username}.")
        user = User(
            id=self._sequences.next_id("usuario"),
            username=username,
            name=new.name,
            password_hash=self._hasher.hash(new.password),
            permissions=_ordered(new.permissions),
            is_admin=new.is_admin,
            technician_id=new.technician_id,
            created_at=self._clock(),
        )
        self._store.add_user(user)  # conditional: a racing twin loses with ConflictError
        return user

    def list_users(self) -> list[User]:
        return sorted(self._store.list_users(), key=lambda u: u.id)

    def user_names(self, user_ids: Iterable[int]) -> dict[int, str]:
        """The names of the users of ``user_ids`` that exist (one query of the users' listing)."""
        wanted = {u for u in user_ids if u is not None}
        return {u.id: u.name for u in self._store.list_users() if u.id in wanted} if wanted else {}

    def change_user(self, user_id: int, change: UserChange, by: Principal) -> User:
        """An administrator's change to a user. Deactivating revokes every token of the user in the same write.
        Refused, with nothing written: ``by`` deactivating or demoting themselves, and any change that would leave
        no active administrator (the store checks, in the same transaction, that another one still is)."""
        if change.empty:
            raise ValidationError([f"Informe ao menos um campo para alterar: {USER_CHANGE_FIELDS}."])
        errors = change_errors(change)
        if errors:
            raise ValidationError(errors)
        if user_id == by.user_id and change.active is False:
            raise BusinessRuleError("Você não pode desativar o seu próprio usuário: peça a outro administrador.")
        if user_id == by.user_id and change.is_admin is False:
            raise BusinessRuleError("Você não pode remover a sua própria permissão de administrador: peça a outro "
                                    "administrador.")
        for _ in range(MAX_CHANGE_ATTEMPTS):
            current = self._user(user_id)
            if change.technician_id != current.technician_id:
                self._check_technician(change.technician_id)
            updated = _changed(current, change)
            if updated == current:
                return current
            try:
                self._write_keeping_an_admin(current, updated)
            except UserChangedError:
                continue  # its active or admin flag changed meanwhile: decide again on a fresh read
            logger.info("user changed by an administrator", extra={
                "username": current.username, "by": by.username, "tokens_revoked": not updated.active})
            return updated
        raise UserChangedError()

    def _write_keeping_an_admin(self, current: User, updated: User) -> None:
        if not (_active_admin(current) and not _active_admin(updated)):
            self._store.change_user(current, updated)
            return
        # The store writes only while the other administrator named is still active (a condition in the same
        # transaction): two administrators removing each other at once cannot both succeed.
        for other in self.list_users():
            if other.id != current.id and _active_admin(other) \
                    and self._store.change_user(current, updated, keeping_admin=other.username):
                return
        raise BusinessRuleError(f"O usuário {current.username} é o último administrador ativo: promova outro "
                                "usuário a administrador antes de desativá-lo ou remover sua permissão.")

    def _check_technician(self, technician_id: int | None) -> None:
        """A user is linked only to an existing, active technician."""
        if technician_id is None or technician_id == UNLINK_TECHNICIAN:
            return
        errors = self._technicians.unassignable([technician_id])
        if errors:
            raise BusinessRuleError(errors[0])

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


def change_errors(change: UserChange) -> list[str]:
    """Every rule a user change breaks, as ``O campo <nome> ...`` messages."""
    errors = []
    if change.name is not None and not change.name.strip():
        errors.append("O campo nome é obrigatório.")
    errors.extend(_permission_errors(change.permissions or ()))
    return errors


def _changed(current: User, change: UserChange) -> User:
    updated = replace(
        current,
        name=current.name if change.name is None else change.name.strip(),
        permissions=current.permissions if change.permissions is None else _ordered(change.permissions),
        is_admin=current.is_admin if change.is_admin is None else change.is_admin,
        technician_id=current.technician_id if change.technician_id is None
        else (None if change.technician_id == UNLINK_TECHNICIAN else change.technician_id),
        active=current.active if change.active is None else change.active,
    )
    if current.active and not updated.active:  # every token issued so far stops working, now and if reactivated
        updated = replace(updated, token_generation=current.token_generation + 1)
    return updated


def _active_admin(user: User) -> bool:
    return user.active and user.is_admin


def _ordered(permissions: Iterable[str]) -> tuple[str, ...]:
    chosen = set(permissions)
    return tuple(p for p in ALL_PERMISSIONS if p in chosen)


def _permission_errors(permissions: Iterable[str]) -> list[str]:
    unknown = [p for p in permissions if p not in ALL_PERMISSIONS]
    if not unknown:
        return []
    return [f"O campo permissoes contém permissões desconhecidas: {', '.join(unknown)} "
            "(consulte GET configuracao/permissao)."]


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
    errors.extend(_permission_errors(new.permissions))
    return errors
