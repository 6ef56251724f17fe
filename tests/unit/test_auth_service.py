from datetime import timedelta

import pytest

from chalicelib.auth.model import ACCESS_TOKEN_SECONDS, MAX_LOGIN_FAILURES, NewUser
from chalicelib.auth.passwords import PasswordHasher, token_hash
from chalicelib.auth.permissions import Permission
from chalicelib.auth.service import AuthService, TokenRequest
from chalicelib.errors import AuthenticationError, NotFoundError, OAuthError, ValidationError
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


def password(username: str = "ana", secret: str = "senha-forte-1", client_secret: str = SECRET) -> TokenRequest:
    return TokenRequest("password", CLIENT_ID, client_secret, username=username, password=secret)


def test_password_grant_gives_hubsoft_shaped_tokens(auth: AuthService) -> None:
    grant = auth.grant(password())
    assert grant.expires_in == ACCESS_TOKEN_SECONDS == 2592000
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


def test_repeated_bad_logins_lock_the_user_even_with_the_right_password(auth: AuthService,
                                                                        clock: MutableClock) -> None:
    for _ in range(MAX_LOGIN_FAILURES):
        with pytest.raises(OAuthError):
            auth.grant(password(secret="errada"))
    with pytest.raises(OAuthError) as caught:
        auth.grant(password())
    assert caught.value.status == 429 and caught.value.retry_after_seconds > 0
    clock.now += timedelta(minutes=16)
    assert auth.grant(password()).access_token


def test_failures_spread_over_time_do_not_lock(auth: AuthService, clock: MutableClock) -> None:
    for _ in range(MAX_LOGIN_FAILURES * 2):
        with pytest.raises(OAuthError):
            auth.grant(password(secret="errada"))
        clock.now += timedelta(minutes=5)  # the window is 15 minutes; 3 failures fit
        if _ % 2:
            auth.grant(password())  # a success clears the count
    assert auth.grant(password()).access_token


def test_expired_token_is_refused(auth: AuthService, clock: MutableClock) -> None:
    grant = auth.grant(password())
    clock.now += timedelta(seconds=ACCESS_TOKEN_SECONDS + 1)
    with pytest.raises(AuthenticationError):
        auth.authenticate(grant.access_token)


def test_refresh_rotates_and_old_tokens_stop_working(auth: AuthService) -> None:
    first = auth.grant(password())
    second = auth.grant(TokenRequest("refresh_token", CLIENT_ID, SECRET, refresh_token=first.refresh_token))
    assert auth.authenticate(second.access_token).username == "ana"
    with pytest.raises(AuthenticationError):
        auth.authenticate(first.access_token)
    with pytest.raises(OAuthError) as caught:
        auth.grant(TokenRequest("refresh_token", CLIENT_ID, SECRET, refresh_token=first.refresh_token))
    assert caught.value.error == "invalid_grant"


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
    with pytest.raises(NotFoundError, match="Técnico de ID 99"):
        auth.create_user(NewUser("tec", "senha-forte-1", "Técnico", (), technician_id=99))


def test_admin_has_every_permission(auth: AuthService) -> None:
    auth.ensure_admin("root", "senha-do-root-1")
    principal = auth.authenticate(auth.grant(password("root", "senha-do-root-1")).access_token)
    assert all(principal.can(p.value) for p in Permission)
    assert auth.ensure_admin("root", "outra") is False
