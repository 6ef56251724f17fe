"""Users, OAuth clients, tokens, login throttles and technicians (``identity`` table).

Keys: ``USER#<username>``, ``CLIENT#<client_id>``, ``TOKEN#<sha256>``,
``THROTTLE#<username>``, ``TECH#<id>`` and ``EMAIL#TECH#<email>`` (claim).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError

from chalicelib.auth.model import LoginThrottle, OAuthClient, StoredToken, User
from chalicelib.errors import BusinessRuleError, ConflictError
from chalicelib.storage.binding import transaction
from chalicelib.storage.errors import cancelled_reasons, condition_failed
from chalicelib.storage.models import (
    ClientItem,
    IdentityItem,
    LookupItem,
    TechnicianItem,
    ThrottleItem,
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
        try:
            item.save(condition=UserItem.pk.does_not_exist())
        except PutError as exc:
            if condition_failed(exc):
                raise ConflictError(f"Já existe um usuário com o username {user.username}.") from exc
            raise

    def list_users(self) -> list[User]:
        return [_user(i) for i in UserItem.listing.query(USERS)]  # type: ignore[arg-type]

    def bump_token_generation(self, username: str) -> None:
        UserItem(f"USER#{username}", "USER").update(
            actions=[UserItem.token_generation.add(1)], condition=UserItem.pk.exists()
        )

    # -- OAuth clients --------------------------------------------------
    def get_client(self, client_id: str) -> OAuthClient | None:
        item = _get(ClientItem, f"CLIENT#{client_id}", "CLIENT")
        if item is None:
            return None
        return OAuthClient(client_id=item.client_id, name=item.name, secret_hash=item.secret_hash, active=item.active)

    def add_client(self, client: OAuthClient) -> bool:
        item = ClientItem(f"CLIENT#{client.client_id}", "CLIENT", client_id=client.client_id,
                          name=client.name, secret_hash=client.secret_hash, active=client.active)
        try:
            item.save(condition=ClientItem.pk.does_not_exist())
        except PutError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

    # -- tokens ---------------------------------------------------------
    def add_token(self, token: StoredToken) -> None:
        TokenItem(
            f"TOKEN#{token.token_hash}", "TOKEN", token_kind=token.kind, username=token.username,
            client_id=token.client_id, expires_at=token.expires_at, token_generation=token.token_generation,
            pair_hash=token.pair_hash, expires=token.expires_at + timedelta(days=1),
        ).save(condition=TokenItem.pk.does_not_exist())

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
    def get_throttle(self, username: str) -> LoginThrottle | None:
        item = _get(ThrottleItem, f"THROTTLE#{username}", "THROTTLE")
        if item is None:
            return None
        return LoginThrottle(failures=int(item.failures), window_start=item.window_start,
                             locked_until=item.locked_until)

    def record_failure(self, username: str, now: datetime, window_seconds: int) -> LoginThrottle:
        item = ThrottleItem(f"THROTTLE#{username}", "THROTTLE")
        window_open = ThrottleItem.window_start > now - timedelta(seconds=window_seconds)
        try:
            item.update(actions=[ThrottleItem.failures.add(1)], condition=window_open)
        except Exception as exc:  # noqa: BLE001 - only the condition failure is expected
            if not condition_failed(exc):
                raise
            # No open window: start one. Racing failures may each start one and
            # undercount by a few; the lock still engages within the window.
            item = ThrottleItem(f"THROTTLE#{username}", "THROTTLE", failures=1, window_start=now,
                                expires=now + timedelta(seconds=2 * window_seconds))
            item.save()
        return LoginThrottle(failures=int(item.failures), window_start=item.window_start,
                             locked_until=getattr(item, "locked_until", None))

    def lock(self, username: str, until: datetime) -> None:
        ThrottleItem(f"THROTTLE#{username}", "THROTTLE").update(
            actions=[ThrottleItem.locked_until.set(until), ThrottleItem.expires.set(until + timedelta(hours=1))]
        )

    def clear_throttle(self, username: str) -> None:
        ThrottleItem(f"THROTTLE#{username}", "THROTTLE").delete()

    # -- technicians ----------------------------------------------------
    def add_technician(self, technician: Technician) -> None:
        item = TechnicianItem(
            f"TECH#{technician.id}", "TECH", listing_pk=TECHNICIANS, listing_sk=f"{technician.id:010d}",
            technician_id=technician.id, name=technician.name, email=technician.email,
            phone=technician.phone, active=technician.active, created_at=technician.created_at,
        )
        claim = LookupItem(f"EMAIL#TECH#{technician.email}", "CLAIM", owner=f"TECH#{technician.id}")
        try:
            with transaction() as txn:
                txn.save(item, condition=TechnicianItem.pk.does_not_exist())
                txn.save(claim, condition=LookupItem.pk.does_not_exist())
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" in cancelled_reasons(exc)[1:]:
                raise BusinessRuleError(f"Já existe um técnico com o e-mail {technician.email}.") from exc
            raise

    def get_technician(self, technician_id: int) -> Technician | None:
        item = _get(TechnicianItem, f"TECH#{technician_id}", "TECH")
        return _technician(item) if item else None

    def get_technicians(self, technician_ids: list[int]) -> list[Technician]:
        """Several technicians in one BatchGetItem (up to 100 keys a call)."""
        keys = [(f"TECH#{i}", "TECH") for i in dict.fromkeys(technician_ids)]
        return [_technician(i) for i in TechnicianItem.batch_get(keys)] if keys else []

    def list_technicians(self) -> list[Technician]:
        return [_technician(i) for i in TechnicianItem.listing.query(TECHNICIANS)]  # type: ignore[arg-type]


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


_Item = TypeVar("_Item", bound=IdentityItem)


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
    )


def _technician(item: TechnicianItem) -> Technician:
    return Technician(id=int(item.technician_id), name=item.name, email=item.email, phone=item.phone or "",
                      active=bool(item.active), created_at=item.created_at)
