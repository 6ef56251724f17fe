from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.auth.model import (
    ACCESS_TOKEN_SECONDS,
    ATTEMPTS_PAST_CEILING,
    LOGIN_FAILURE_DELAYS,
    LOGIN_LOCK_SECONDS,
    MAX_LOGIN_FAILURES,
    USER_FAILURE_CEILING,
    NewUser,
    StoredToken,
)
from chalicelib.auth.passwords import PasswordHasher, token_hash
from chalicelib.auth.permissions import Permission
from chalicelib.auth.service import AuthService, TokenRequest
from chalicelib.errors import AuthenticationError, BusinessRuleError, NotFoundError, OAuthError, ValidationError
from chalicelib.technicians.service import TechnicianService
from tests.conftest import MutableClock
from tests.fakes import InMemoryIdentityStore, InMemorySequences, InMemoryTechnicianStore

CLIENT_ID, SECRET = "1", "segredo-do-cliente"


@pytest.fixture
def store() -> InMemoryIdentityStore:
    return InMemoryIdentityStore()


@pytest.fixture
def auth(store: InMemoryIdentityStore, clock: MutableClock) -> AuthService:
    sequences = InMemorySequences()
    technicians = TechnicianService(InMemoryTechnicianStore(), sequences, clock)
    service = AuthService(store, sequences, PasswordHasher("fast"), clock, technicians)
    service.ensure_client(CLIENT_ID, SECRET, "Bot")
    service.create_user(NewUser("ana", "senha-forte-1", "Ana", (Permission.CONSULTAR_CLIENTES.value,)))
    return service


def password(username: str = "ana", secret: str = "senha-forte-1", client_secret: str = SECRET,
             address: str = "10.0.0.1") -> TokenRequest:
    return TokenRequest("password", CLIENT_ID, client_secret, username=username, password=secret,
                        source_address=address)


def refresh(token: str) -> TokenRequest:
    return TokenRequest("refresh_token", CLIENT_ID, SECRET, refresh_token=token)


def fails(auth: AuthService, request: TokenRequest) -> OAuthError:
    with pytest.raises(OAuthError) as caught:
        auth.grant(request)
    return caught.value


class CountingHasher(PasswordHasher):
    """The real (fast) Argon2, counting the checks: a burn counts like a verify, as it costs the same."""

    def __init__(self) -> None:
        super().__init__("fast")
        self.checks = 0

    def verify(self, stored_hash: str, secret: str) -> bool:
        self.checks += 1
        return super().verify(stored_hash, secret)


def test_password_grant_gives_hubsoft_shaped_tokens(auth: AuthService) -> None:
    grant = auth.grant(password())
    assert grant.expires_in == ACCESS_TOKEN_SECONDS == 3600
    assert grant.token_type == "Bearer"
    principal = auth.authenticate(f"Bearer {grant.access_token}")
    assert principal.username == "ana"
    assert principal.can(Permission.CONSULTAR_CLIENTES.value)
    assert not principal.can(Permission.CADASTRAR_CLIENTES.value)


def test_bare_token_is_accepted_as_postman_sends_it(auth: AuthService) -> None:
    grant = auth.grant(password())
    assert auth.authenticate(grant.access_token).username == "ana"


def test_only_hashes_of_passwords_and_tokens_are_stored(auth: AuthService, store: InMemoryIdentityStore) -> None:
    grant = auth.grant(password())
    stored = store.users["ana"]
    assert "senha-forte-1" not in stored.password_hash and stored.password_hash.startswith("$argon2id$")
    assert grant.access_token not in store.tokens and token_hash(grant.access_token) in store.tokens
    assert SECRET not in store.clients[CLIENT_ID].secret_hash


@pytest.mark.parametrize("request_", [
    password(secret="errada"),
    password(username="ninguem"),
])
def test_bad_credentials_answer_invalid_credentials(auth: AuthService, request_: TokenRequest) -> None:
    with pytest.raises(OAuthError) as caught:
        auth.grant(request_)
    assert (caught.value.error, caught.value.status) == ("invalid_credentials", 401)
    assert caught.value.message == "The user credentials were incorrect."


def test_bad_client_is_invalid_client(auth: AuthService) -> None:
    with pytest.raises(OAuthError) as caught:
        auth.grant(password(client_secret="outro"))
    assert (caught.value.error, caught.value.status) == ("invalid_client", 401)


def test_unknown_grant_type_is_refused(auth: AuthService) -> None:
    with pytest.raises(OAuthError) as caught:
        auth.grant(TokenRequest("client_credentials", CLIENT_ID, SECRET))
    assert caught.value.error == "unsupported_grant_type"


def wrong_until_locked(auth: AuthService, clock: MutableClock, address: str = "10.0.0.1") -> None:
    """MAX_LOGIN_FAILURES wrong passwords from ``address``, each after its progressive delay."""
    for attempt in range(MAX_LOGIN_FAILURES):
        assert fails(auth, password(secret="errada", address=address)).error == "invalid_credentials"
        clock.advance(seconds=LOGIN_FAILURE_DELAYS[min(attempt, len(LOGIN_FAILURE_DELAYS) - 1)])


def test_repeated_bad_logins_lock_that_address_even_with_the_right_password(auth: AuthService,
                                                                          clock: MutableClock) -> None:
    wrong_until_locked(auth, clock)
    locked = fails(auth, password())
    assert locked.status == 429 and locked.error == "too_many_attempts"
    assert LOGIN_LOCK_SECONDS - 10 <= locked.retry_after_seconds <= LOGIN_LOCK_SECONDS + 1
    assert "minuto(s)" in locked.message
    clock.advance(seconds=LOGIN_LOCK_SECONDS + 1)
    assert auth.grant(password()).access_token


def test_a_locked_address_does_not_lock_the_owner_out_from_another(auth: AuthService, clock: MutableClock) -> None:
    wrong_until_locked(auth, clock, address="203.0.113.9")
    assert fails(auth, password(address="203.0.113.9")).status == 429
    assert auth.grant(password(address="198.51.100.7")).access_token


def test_failures_are_delayed_progressively_before_the_lock(auth: AuthService, clock: MutableClock) -> None:
    fails(auth, password(secret="errada"))
    fails(auth, password(secret="errada"))  # the first failure waits LOGIN_FAILURE_DELAYS[0] == 0
    too_soon = fails(auth, password())
    assert too_soon.status == 429 and too_soon.retry_after_seconds == LOGIN_FAILURE_DELAYS[1] + 1
    assert "segundo(s)" in too_soon.message
    clock.advance(seconds=LOGIN_FAILURE_DELAYS[1])
    assert auth.grant(password()).access_token


def test_refused_attempts_are_not_hashed(store: InMemoryIdentityStore, clock: MutableClock) -> None:
    hasher = CountingHasher()
    auth = AuthService(store, InMemorySequences(), hasher, clock, TechnicianService(
        InMemoryTechnicianStore(), InMemorySequences(), clock))
    auth.ensure_client(CLIENT_ID, SECRET, "Bot")
    auth.create_user(NewUser("ana", "senha-forte-1", "Ana", ()))
    hasher.checks = 0
    for _ in range(3 * MAX_LOGIN_FAILURES):
        fails(auth, password(secret="errada"))  # no clock move: every delay and then the lock apply
    # One client check (remembered afterwards) and one password check per allowed attempt; the first
    # failure waits 0 s, so a second attempt at once is allowed too, and none after it until the delay.
    assert hasher.checks == 1 + 2


def test_unknown_inactive_and_active_users_cost_the_same_argon2_work(store: InMemoryIdentityStore,
                                                                      clock: MutableClock) -> None:
    hasher = CountingHasher()
    auth = AuthService(store, InMemorySequences(), hasher, clock, TechnicianService(
        InMemoryTechnicianStore(), InMemorySequences(), clock))
    auth.ensure_client(CLIENT_ID, SECRET, "Bot")
    auth.create_user(NewUser("ana", "senha-forte-1", "Ana", ()))
    auth.create_user(NewUser("inativa", "senha-forte-1", "Inativa", ()))
    store.users["inativa"] = replace(store.users["inativa"], active=False)
    auth.grant(password())  # the client's secret is verified once and remembered
    checks = []
    for request in (password("ninguem"), password("inativa"), password(secret="errada")):
        before = hasher.checks
        assert fails(auth, request).error == "invalid_credentials"
        checks.append(hasher.checks - before)
    assert checks == [1, 1, 1]


def test_past_the_user_ceiling_each_address_gets_fewer_attempts_but_the_owner_still_gets_in(
        auth: AuthService, clock: MutableClock) -> None:
    addresses = [f"192.0.2.{n}" for n in range(USER_FAILURE_CEILING // MAX_LOGIN_FAILURES)]
    for address in addresses:
        wrong_until_locked(auth, clock, address)
    for _ in range(ATTEMPTS_PAST_CEILING):
        assert fails(auth, password(secret="errada", address="192.0.2.200")).status == 401
        clock.advance(seconds=max(LOGIN_FAILURE_DELAYS))
    assert fails(auth, password(address="192.0.2.200")).status == 429
    assert auth.grant(password(address="198.51.100.7")).access_token


def test_an_admin_lifts_every_lock_of_a_user(auth: AuthService, clock: MutableClock) -> None:
    wrong_until_locked(auth, clock)
    user_id = auth.authenticate(auth.grant(password(address="198.51.100.7")).access_token).user_id
    blocks = auth.login_blocks(user_id)
    assert [b.address for b in blocks] == ["10.0.0.1"]
    assert blocks[0].not_before is not None and blocks[0].not_before > clock.now
    assert auth.unlock_login(user_id)[1] == 1
    assert auth.login_blocks(user_id) == []
    assert auth.grant(password()).access_token
    with pytest.raises(NotFoundError):
        auth.unlock_login(999)


def test_failures_spread_over_time_do_not_lock(auth: AuthService, clock: MutableClock) -> None:
    for _ in range(MAX_LOGIN_FAILURES * 2):
        with pytest.raises(OAuthError):
            auth.grant(password(secret="errada"))
        clock.now += timedelta(minutes=5)  # the window is 15 minutes; 3 failures fit
        if _ % 2:
            auth.grant(password())  # a success clears the count
    assert auth.grant(password()).access_token


def test_the_access_token_lifetime_is_a_setting(store: InMemoryIdentityStore, clock: MutableClock) -> None:
    auth = AuthService(store, InMemorySequences(), PasswordHasher("fast"), clock, TechnicianService(
        InMemoryTechnicianStore(), InMemorySequences(), clock), access_token_seconds=600)
    auth.ensure_client(CLIENT_ID, SECRET, "Bot")
    auth.create_user(NewUser("ana", "senha-forte-1", "Ana", ()))
    grant = auth.grant(password())
    assert grant.expires_in == 600
    clock.advance(seconds=599)
    assert auth.authenticate(grant.access_token).username == "ana"
    clock.advance(seconds=2)
    with pytest.raises(AuthenticationError):
        auth.authenticate(grant.access_token)


def test_secrets_stay_out_of_the_token_requests_repr() -> None:
    request = TokenRequest("password", CLIENT_ID, SECRET, username="ana", password="senha-forte-1",
                           refresh_token="refresh-secreto")
    assert "senha-forte-1" not in repr(request) and "refresh-secreto" not in repr(request)


def test_expired_token_is_refused(auth: AuthService, clock: MutableClock) -> None:
    grant = auth.grant(password())
    clock.now += timedelta(seconds=ACCESS_TOKEN_SECONDS + 1)
    with pytest.raises(AuthenticationError):
        auth.authenticate(grant.access_token)


def test_refresh_rotates_and_old_tokens_stop_working(auth: AuthService) -> None:
    first = auth.grant(password())
    second = auth.grant(refresh(first.refresh_token))
    assert auth.authenticate(second.access_token).username == "ana"
    with pytest.raises(AuthenticationError):
        auth.authenticate(first.access_token)
    third = auth.grant(refresh(second.refresh_token))
    assert auth.authenticate(third.access_token).username == "ana"


def test_a_reused_refresh_token_revokes_its_whole_family(auth: AuthService) -> None:
    first = auth.grant(password())
    other_login = auth.grant(password())
    second = auth.grant(refresh(first.refresh_token))
    assert fails(auth, refresh(first.refresh_token)).error == "invalid_grant"  # a copy of it was used
    with pytest.raises(AuthenticationError):
        auth.authenticate(second.access_token)
    assert fails(auth, refresh(second.refresh_token)).error == "invalid_grant"
    # Another login of the same user is another family: untouched.
    assert auth.authenticate(other_login.access_token).username == "ana"
    assert auth.grant(refresh(other_login.refresh_token)).access_token


def test_a_refresh_token_from_before_families_is_exchanged_once(auth: AuthService,
                                                              store: InMemoryIdentityStore,
                                                              clock: MutableClock) -> None:
    store.add_token(StoredToken(token_hash("antigo"), "refresh", "ana", CLIENT_ID, clock.now + timedelta(days=1), 0))
    renewed = auth.grant(refresh("antigo"))
    assert auth.authenticate(renewed.access_token).username == "ana"
    assert fails(auth, refresh("antigo")).error == "invalid_grant"
    assert auth.grant(refresh(renewed.refresh_token)).access_token


def test_access_token_is_not_a_refresh_token(auth: AuthService) -> None:
    grant = auth.grant(password())
    with pytest.raises(OAuthError):
        auth.grant(TokenRequest("refresh_token", CLIENT_ID, SECRET, refresh_token=grant.access_token))


def test_logout_revokes_the_pair(auth: AuthService) -> None:
    grant = auth.grant(password())
    auth.revoke(auth.authenticate(grant.access_token))
    with pytest.raises(AuthenticationError):
        auth.authenticate(grant.access_token)
    with pytest.raises(OAuthError):
        auth.grant(TokenRequest("refresh_token", CLIENT_ID, SECRET, refresh_token=grant.refresh_token))


def test_revoking_a_users_tokens_kills_all_of_them_but_new_logins_work(auth: AuthService) -> None:
    tokens = [auth.grant(password()) for _ in range(3)]
    auth.revoke_user_tokens(auth.authenticate(tokens[0].access_token).user_id)
    for grant in tokens:
        with pytest.raises(AuthenticationError):
            auth.authenticate(grant.access_token)
    assert auth.authenticate(auth.grant(password()).access_token).username == "ana"


def test_revoke_all_tokens_reaches_every_user(auth: AuthService) -> None:
    auth.create_user(NewUser("bia", "outra-senha-1", "Bia", ()))
    grants = [auth.grant(password()), auth.grant(password("bia", "outra-senha-1"))]
    assert auth.revoke_all_tokens() == 2
    for grant in grants:
        with pytest.raises(AuthenticationError):
            auth.authenticate(grant.access_token)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic abc", "Bearer nao-existe"])
def test_missing_or_unknown_tokens_are_refused(auth: AuthService, header: str | None) -> None:
    with pytest.raises(AuthenticationError):
        auth.authenticate(header)


def test_user_validation_names_each_problem(auth: AuthService) -> None:
    with pytest.raises(ValidationError) as caught:
        auth.create_user(NewUser("a", "curta", "", ("Permissão inventada",)))
    assert len(caught.value.errors) == 4


def test_user_linked_to_an_unknown_technician_is_refused(auth: AuthService) -> None:
    with pytest.raises(BusinessRuleError, match="Técnico de ID 99 não encontrado"):
        auth.create_user(NewUser("tec", "senha-forte-1", "Técnico", (), technician_id=99))


def test_admin_has_every_permission(auth: AuthService) -> None:
    auth.ensure_admin("root", "senha-do-root-1")
    principal = auth.authenticate(auth.grant(password("root", "senha-do-root-1")).access_token)
    assert all(principal.can(p.value) for p in Permission)
    assert auth.ensure_admin("root", "outra") is False
