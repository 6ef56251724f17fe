"""Users, OAuth clients, tokens, login throttles and technicians (``identity`` table).

Keys: ``USER#<username>``, ``CLIENT#<client_id>``, ``TOKEN#<sha256>``, ``FAMILY#<id>`` (a token
family), ``THROTTLE#<username>`` (one ``ADDR#<address>`` row per source address and a ``USER`` row),
``TECH#<id>`` and ``EMAIL#TECH#<email>`` (claim).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from pynamodb.attributes import Attribute
from pynamodb.exceptions import DeleteError, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.auth.model import LoginAttempts, LoginBlock, OAuthClient, StoredToken, User
from chalicelib.auth.service import UserChangedError
from chalicelib.errors import BusinessRuleError, ConflictError
from chalicelib.storage.binding import LabelledTransaction, committed, refusing, transaction
from chalicelib.storage.errors import condition_failed, conflicted, failed_conditions, written
from chalicelib.storage.models import (
    ClientItem,
    IdentityItem,
    LoginAttemptsItem,
    LookupItem,
    TechnicianItem,
    TokenFamilyItem,
    TokenItem,
    UserItem,
)
from chalicelib.technicians.service import Technician

USERS = "USER"
TECHNICIANS = "TECH"


class DynamoIdentityStore:
    # -- users ----------------------------------------------------------
    def get_user(self, username: str) -> User | None:
        item = _get(UserItem, f"USER#{username}", "USER")
        return _user(item) if item else None

    def get_user_by_id(self, user_id: int) -> User | None:
        for item in UserItem.listing.query(USERS, UserItem.listing_sk == f"{user_id:010d}"):
            return _user(item)  # type: ignore[arg-type]
        return None

    def add_user(self, user: User) -> None:
        item = UserItem(
            f"USER#{user.username}", "USER", listing_pk=USERS, listing_sk=f"{user.id:010d}",
            user_id=user.id, username=user.username, name=user.name, password_hash=user.password_hash,
            permissions=list(user.permissions), is_admin=user.is_admin, technician_id=user.technician_id,
            active=user.active, token_generation=user.token_generation, created_at=user.created_at,
        )
        if not written(lambda: item.save(condition=UserItem.pk.does_not_exist())):
            raise ConflictError(f"Já existe um usuário com o username {user.username}.")

    def list_users(self) -> list[User]:
        return [_user(i) for i in UserItem.listing.query(USERS)]  # type: ignore[arg-type]

    def bump_token_generation(self, username: str) -> None:
        UserItem(f"USER#{username}", "USER").update(
            actions=[UserItem.token_generation.add(1)], condition=UserItem.pk.exists()
        )

    def change_user(self, current: User, updated: User, keeping_admin: str | None = None) -> bool:
        """Write what differs from ``current`` (a new token generation as an increment: a concurrent revocation
        is kept), only while the stored user's active and admin flags are still ``current``'s (else
        UserChangedError) and, with ``keeping_admin``, while that other user is an active administrator, checked
        in the same transaction (else False, nothing written): no change can remove the last one."""
        item = UserItem(f"USER#{current.username}", "USER")
        actions = _changed(current, updated, {
            "name": UserItem.name, "permissions": UserItem.permissions, "is_admin": UserItem.is_admin,
            "technician_id": UserItem.technician_id, "active": UserItem.active,
        })
        if updated.token_generation != current.token_generation:
            actions.append(UserItem.token_generation.add(updated.token_generation - current.token_generation))
        unchanged = UserItem.pk.exists() & (UserItem.active == current.active) \
            & (UserItem.is_admin == current.is_admin)
        if keeping_admin is None:
            if not written(lambda: item.update(actions=actions, condition=unchanged)):
                raise UserChangedError()
            return True
        txn: LabelledTransaction[str] = LabelledTransaction()
        try:
            with txn:
                txn.condition_check("other admin", UserItem, f"USER#{keeping_admin}", "USER",
                                    condition=(UserItem.active == True) & (UserItem.is_admin == True))  # noqa: E712
                txn.update("user", item, actions, condition=unchanged)
        except TransactWriteError as exc:
            failed = failed_conditions(exc, txn.labels)
            if "user" in failed or (not failed and conflicted(exc)):
                raise UserChangedError() from exc
            if "other admin" in failed:
                return False
            raise
        return True

    # -- OAuth clients --------------------------------------------------
    def get_client(self, client_id: str) -> OAuthClient | None:
        item = _get(ClientItem, f"CLIENT#{client_id}", "CLIENT")
        if item is None:
            return None
        return OAuthClient(client_id=item.client_id, name=item.name, secret_hash=item.secret_hash, active=item.active)

    def add_client(self, client: OAuthClient) -> bool:
        item = ClientItem(f"CLIENT#{client.client_id}", "CLIENT", client_id=client.client_id,
                          name=client.name, secret_hash=client.secret_hash, active=client.active)
        return written(lambda: item.save(condition=ClientItem.pk.does_not_exist()))

    # -- tokens ---------------------------------------------------------
    def add_token(self, token: StoredToken) -> None:
        _token_item(token).save(condition=TokenItem.pk.does_not_exist())

    def start_family(self, access: StoredToken, refresh: StoredToken) -> None:
        """A password grant's pair and the family that will follow its refreshes, together."""
        family = TokenFamilyItem(
            f"FAMILY#{refresh.family}", "FAMILY", username=refresh.username, current_access=access.token_hash,
            current_refresh=refresh.token_hash, expires=refresh.expires_at + timedelta(days=1),
        )
        with transaction() as txn:
            txn.save(family, condition=TokenFamilyItem.pk.does_not_exist())
            txn.save(_token_item(access), condition=TokenItem.pk.does_not_exist())
            txn.save(_token_item(refresh), condition=TokenItem.pk.does_not_exist())

    def rotate_family(self, used: StoredToken, access: StoredToken, refresh: StoredToken, now: datetime) -> bool:
        """Exchange ``used`` (a refresh token) for a new pair, in one transaction: only while ``used`` is
        unused and still the family's current refresh token, and the family is not revoked. False when
        any of that no longer holds (a racing exchange won, or a reuse revoked the family)."""
        def write(txn: TransactWrite) -> None:
            txn.update(
                TokenItem(f"TOKEN#{used.token_hash}", "TOKEN"), actions=[TokenItem.used_at.set(now)],
                condition=TokenItem.pk.exists() & TokenItem.used_at.does_not_exist(),
            )
            txn.update(
                TokenFamilyItem(f"FAMILY#{used.family}", "FAMILY"),
                actions=[TokenFamilyItem.current_access.set(access.token_hash),
                         TokenFamilyItem.current_refresh.set(refresh.token_hash),
                         TokenFamilyItem.expires.set(refresh.expires_at + timedelta(days=1))],
                condition=(TokenFamilyItem.current_refresh == used.token_hash)
                & (TokenFamilyItem.revoked == False),  # noqa: E712 - a DynamoDB condition, not a test
            )
            txn.save(_token_item(access), condition=TokenItem.pk.does_not_exist())
            txn.save(_token_item(refresh), condition=TokenItem.pk.does_not_exist())
            if used.pair_hash:
                txn.delete(TokenItem(f"TOKEN#{used.pair_hash}", "TOKEN"))

        return committed(write)

    def revoke_family(self, family: str) -> None:
        """No token of ``family`` works any more and none can be added to it."""
        item = TokenFamilyItem(f"FAMILY#{family}", "FAMILY")
        if not written(lambda: item.update(actions=[TokenFamilyItem.revoked.set(True)],
                                           condition=TokenFamilyItem.pk.exists())):
            return
        for token in (item.current_access, item.current_refresh):
            TokenItem(f"TOKEN#{token}", "TOKEN").delete()

    def get_token(self, token_hash: str) -> StoredToken | None:
        item = _get(TokenItem, f"TOKEN#{token_hash}", "TOKEN")
        return _token(item, token_hash) if item else None

    def consume_token(self, token_hash: str) -> StoredToken | None:
        """Delete the token if present; return it only to the caller whose delete won."""
        try:
            answer = TokenItem._get_connection().delete_item(
                f"TOKEN#{token_hash}", "TOKEN", condition=TokenItem.pk.exists(), return_values="ALL_OLD",
            )
        except DeleteError as exc:
            if condition_failed(exc):
                return None
            raise
        old = answer.get("Attributes")
        return _token(TokenItem.from_raw_data(old), token_hash) if old else None

    def delete_token(self, token_hash: str) -> None:
        TokenItem(f"TOKEN#{token_hash}", "TOKEN").delete()

    # -- login throttling -----------------------------------------------
    def take_login_attempt(self, username: str, address: str, now: datetime, max_attempts: int,
                           window_seconds: int) -> LoginAttempts | None:
        """Count one password check of ``username`` from ``address``, unless the window's
        ``max_attempts`` are used up or its delay has not passed (None: refused, nothing counted)."""
        return _take(f"THROTTLE#{username}", f"ADDR#{address}", now, window_seconds, max_attempts)

    def login_attempts(self, username: str, address: str) -> LoginAttempts | None:
        item = _get(LoginAttemptsItem, f"THROTTLE#{username}", f"ADDR#{address}")
        return _attempts(item) if item else None

    def delay_login(self, username: str, address: str, until: datetime) -> None:
        """No check from ``address`` before ``until`` (a later ``until`` already set stays)."""
        not_before = LoginAttemptsItem.not_before
        written(lambda: LoginAttemptsItem(f"THROTTLE#{username}", f"ADDR#{address}").update(
            actions=[not_before.set(until), LoginAttemptsItem.expires.set(until + timedelta(hours=1))],
            condition=LoginAttemptsItem.pk.exists() & (not_before.does_not_exist() | (not_before < until)),
        ))

    def clear_login_attempts(self, username: str, address: str) -> None:
        LoginAttemptsItem(f"THROTTLE#{username}", f"ADDR#{address}").delete()

    def count_user_failure(self, username: str, now: datetime, window_seconds: int) -> int:
        taken = _take(f"THROTTLE#{username}", "USER", now, window_seconds, None)
        return taken.attempts if taken else 0

    def user_failures(self, username: str, now: datetime, window_seconds: int) -> int:
        item = _get(LoginAttemptsItem, f"THROTTLE#{username}", "USER")
        if item is None or item.window_start <= now - timedelta(seconds=window_seconds):
            return 0
        return int(item.attempts)

    def login_blocks(self, username: str) -> list[LoginBlock]:
        rows = LoginAttemptsItem.query(f"THROTTLE#{username}", LoginAttemptsItem.sk.startswith("ADDR#"),
                                       consistent_read=True)
        return [LoginBlock(address=row.sk.removeprefix("ADDR#"), attempts=int(row.attempts),
                           not_before=row.not_before) for row in rows]

    def unlock_login(self, username: str) -> int:
        """Forget every count of ``username`` (every address and the user's own); the addresses cleared."""
        rows = list(LoginAttemptsItem.query(f"THROTTLE#{username}", consistent_read=True))
        with LoginAttemptsItem.batch_write() as batch:
            for row in rows:
                batch.delete(row)
        return sum(1 for row in rows if row.sk.startswith("ADDR#"))

    # -- technicians ----------------------------------------------------
    def add_technician(self, technician: Technician) -> None:
        item = TechnicianItem(
            f"TECH#{technician.id}", "TECH", listing_pk=TECHNICIANS, listing_sk=f"{technician.id:010d}",
            technician_id=technician.id, name=technician.name, email=technician.email,
            phone=technician.phone, active=technician.active, created_at=technician.created_at,
        )
        claim = LookupItem(f"EMAIL#TECH#{technician.email}", "CLAIM", owner=f"TECH#{technician.id}")
        with refusing("email", BusinessRuleError(f"Já existe um técnico com o e-mail {technician.email}.")) as txn:
            txn.save("technician", item, condition=TechnicianItem.pk.does_not_exist())
            txn.save("email", claim, condition=LookupItem.pk.does_not_exist())

    def get_technician(self, technician_id: int) -> Technician | None:
        item = _get(TechnicianItem, f"TECH#{technician_id}", "TECH")
        return _technician(item) if item else None

    def get_technicians(self, technician_ids: list[int]) -> list[Technician]:
        """Several technicians in one BatchGetItem (up to 100 keys a call)."""
        keys = [(f"TECH#{i}", "TECH") for i in dict.fromkeys(technician_ids)]
        return [_technician(i) for i in TechnicianItem.batch_get(keys)] if keys else []

    def list_technicians(self) -> list[Technician]:
        return [_technician(i) for i in TechnicianItem.listing.query(TECHNICIANS)]  # type: ignore[arg-type]

    def update_technician(self, current: Technician, updated: Technician) -> None:
        """Write what differs from ``current``. A new e-mail moves its claim in the same transaction, only
        while no other technician holds it and the technician's e-mail is still ``current``'s."""
        item = TechnicianItem(f"TECH#{current.id}", "TECH")
        actions = _changed(current, updated, {
            "name": TechnicianItem.name, "email": TechnicianItem.email, "phone": TechnicianItem.phone,
            "active": TechnicianItem.active,
        })
        changed = ConflictError("O técnico foi alterado por outra requisição; consulte-o e tente de novo.")
        if updated.email == current.email:
            if actions and not written(lambda: item.update(actions=actions, condition=TechnicianItem.pk.exists())):
                raise changed
            return
        owner = f"TECH#{current.id}"
        txn: LabelledTransaction[str] = LabelledTransaction()
        try:
            with txn:
                txn.update("technician", item, actions, condition=TechnicianItem.email == current.email)
                txn.delete("old email", LookupItem(f"EMAIL#TECH#{current.email}", "CLAIM"),
                           condition=LookupItem.pk.does_not_exist() | (LookupItem.owner == owner))
                txn.save("email", LookupItem(f"EMAIL#TECH#{updated.email}", "CLAIM", owner=owner),
                         condition=LookupItem.pk.does_not_exist())
        except TransactWriteError as exc:
            failed = failed_conditions(exc, txn.labels)
            if "email" in failed:
                raise BusinessRuleError(f"Já existe um técnico com o e-mail {updated.email}.") from exc
            if failed or conflicted(exc):
                raise changed from exc
            raise


class DynamoTechnicianStore:
    """The technicians' port over the identity table."""

    def __init__(self, identity: DynamoIdentityStore) -> None:
        self._identity = identity

    def add(self, technician: Technician) -> None:
        self._identity.add_technician(technician)

    def get(self, technician_id: int) -> Technician | None:
        return self._identity.get_technician(technician_id)

    def list_all(self) -> list[Technician]:
        return self._identity.list_technicians()

    def get_many(self, technician_ids: list[int]) -> list[Technician]:
        return self._identity.get_technicians(technician_ids)

    def update(self, current: Technician, updated: Technician) -> None:
        self._identity.update_technician(current, updated)


_Item = TypeVar("_Item", bound=IdentityItem)
_Value = TypeVar("_Value", Technician, User)


def _changed(current: _Value, updated: _Value, attributes: dict[str, Attribute[Any]]) -> list[Action]:
    """Actions writing the fields of ``updated`` that differ from ``current`` (None removes the attribute),
    so that a concurrent change to another field is kept."""
    actions: list[Action] = []
    for name, attribute in attributes.items():
        value = getattr(updated, name)
        if value != getattr(current, name):
            actions.append(attribute.remove() if value is None else
                           attribute.set(list(value) if isinstance(value, tuple) else value))
    return actions


def _get(model: type[_Item], pk: str, sk: str) -> _Item | None:
    try:
        return model.get(pk, sk, consistent_read=True)
    except model.DoesNotExist:
        return None


def _user(item: UserItem) -> User:
    return User(
        id=int(item.user_id), username=item.username, name=item.name, password_hash=item.password_hash,
        permissions=tuple(str(p) for p in (item.permissions or [])), is_admin=bool(item.is_admin),
        technician_id=int(item.technician_id) if item.technician_id is not None else None,
        active=bool(item.active), token_generation=int(item.token_generation or 0), created_at=item.created_at,
    )


def _token(item: TokenItem, token_hash: str) -> StoredToken:
    return StoredToken(
        token_hash=token_hash, kind=item.token_kind, username=item.username, client_id=item.client_id,
        expires_at=item.expires_at, token_generation=int(item.token_generation), pair_hash=item.pair_hash or "",
        family=item.family or "", used=item.used_at is not None,
    )


def _token_item(token: StoredToken) -> TokenItem:
    return TokenItem(
        f"TOKEN#{token.token_hash}", "TOKEN", token_kind=token.kind, username=token.username,
        client_id=token.client_id, expires_at=token.expires_at, token_generation=token.token_generation,
        pair_hash=token.pair_hash, family=token.family, expires=token.expires_at + timedelta(days=1),
    )


def _take(pk: str, sk: str, now: datetime, window_seconds: int, max_attempts: int | None) -> LoginAttempts | None:
    """Add one to a windowed count, with conditional writes only: within an open window while below
    ``max_attempts`` and past ``not_before``; else start a new window if the old one is over and no
    delay is pending. Concurrent callers can never take more than ``max_attempts`` in one window."""
    cutoff = now - timedelta(seconds=window_seconds)
    expires = now + timedelta(seconds=2 * window_seconds)
    not_before = LoginAttemptsItem.not_before
    past_delay = not_before.does_not_exist() | (not_before <= now)
    for _ in range(2):  # a racing caller may start the new window between our two writes: count in it
        item = LoginAttemptsItem(pk, sk)
        condition = (LoginAttemptsItem.window_start > cutoff) & past_delay
        if max_attempts is not None:
            condition &= LoginAttemptsItem.attempts < max_attempts
        if written(partial(item.update, actions=[LoginAttemptsItem.attempts.add(1),
                                                 LoginAttemptsItem.expires.set(expires)], condition=condition)):
            return _attempts(item)
        fresh = LoginAttemptsItem(pk, sk, attempts=1, window_start=now, expires=expires)
        if written(partial(fresh.save, condition=LoginAttemptsItem.pk.does_not_exist()
                           | ((LoginAttemptsItem.window_start <= cutoff) & past_delay))):
            return _attempts(fresh)
    return None


def _attempts(item: LoginAttemptsItem) -> LoginAttempts:
    return LoginAttempts(attempts=int(item.attempts), window_start=item.window_start, not_before=item.not_before)


def _technician(item: TechnicianItem) -> Technician:
    return Technician(id=int(item.technician_id), name=item.name, email=item.email, phone=item.phone or "",
                      active=bool(item.active), created_at=item.created_at)
