"""Login throttling holds under a flood: threads against moto's server, the real Argon2id.

The attempt is counted by a conditional write before the password is hashed, so however many
guesses arrive at once, only the allowed few reach Argon2, and only their address is held back.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from chalicelib.auth.model import MAX_LOGIN_FAILURES, NewUser
from chalicelib.auth.passwords import PasswordHasher
from chalicelib.auth.service import AuthService, TokenRequest
from chalicelib.container import Container
from chalicelib.errors import OAuthError
from chalicelib.storage.identity import DynamoIdentityStore, DynamoTechnicianStore
from chalicelib.technicians.service import TechnicianService

FLOOD = 40
CLIENT = ("console", "segredo-publico-do-console")
PASSWORD = "senha-do-admin-1"


class CountingHasher(PasswordHasher):
    """Argon2id as deployed ("standard": 64 MiB, t=3), counting every check against a stored hash."""

    def __init__(self) -> None:
        super().__init__("standard")
        self._lock = threading.Lock()
        self.by_hash: dict[str, int] = {}

    def verify(self, stored_hash: str, secret: str) -> bool:
        with self._lock:
            self.by_hash[stored_hash] = self.by_hash.get(stored_hash, 0) + 1
        return super().verify(stored_hash, secret)


def login(auth: AuthService, password: str, address: str) -> str:
    return auth.grant(TokenRequest("password", CLIENT[0], CLIENT[1], username="admin", password=password,
                                   source_address=address)).access_token


def test_a_flood_of_wrong_passwords_from_one_address(server_stack: Container) -> None:
    hasher = CountingHasher()
    identity = DynamoIdentityStore()
    auth = AuthService(identity, server_stack.sequences, hasher, server_stack.clock,
                       TechnicianService(DynamoTechnicianStore(identity), server_stack.sequences, server_stack.clock))
    auth.ensure_client(*CLIENT, "Console")
    admin = auth.create_user(NewUser("admin", PASSWORD, "Administrador", (), is_admin=True))
    start = threading.Barrier(FLOOD)

    def guess(i: int) -> int:
        start.wait()
        try:
            login(auth, f"palpite-{i}", "203.0.113.66")
        except OAuthError as refused:
            return refused.status
        return 200

    with ThreadPoolExecutor(FLOOD) as pool:
        answers = list(pool.map(guess, range(FLOOD)))

    checked = hasher.by_hash.get(admin.password_hash, 0)
    assert 1 <= checked <= MAX_LOGIN_FAILURES, hasher.by_hash
    assert answers.count(401) == checked  # every guess that was hashed was wrong, and said so
    assert answers.count(429) == FLOOD - checked  # the rest were refused unhashed
    # The client secret is hashed once per allowed attempt at most, never for a refused one.
    assert sum(hasher.by_hash.values()) <= 2 * MAX_LOGIN_FAILURES
    # The flood's address is held back, even with the right password ...
    try:
        login(auth, PASSWORD, "203.0.113.66")
        raise AssertionError("the flooding address logged in")
    except OAuthError as refused:
        assert refused.status == 429
    # ... and the owner, from another address, is not.
    token = login(auth, PASSWORD, "198.51.100.7")
    assert auth.authenticate(token).username == "admin"
