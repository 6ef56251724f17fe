"""An administrator changes users: fields, permissions, admin flag, technician link, deactivation (tokens revoked),
and never leaves the provider without an active administrator."""
from __future__ import annotations

import pytest

from chalicelib.auth.model import UNLINK_TECHNICIAN, NewUser, Principal, User, UserChange
from chalicelib.auth.passwords import PasswordHasher
from chalicelib.auth.permissions import Permission
from chalicelib.auth.service import AuthService, TokenRequest, UserChangedError
from chalicelib.errors import (
    AuthenticationError,
    BusinessRuleError,
    ConflictError,
    NotFoundError,
    OAuthError,
    ValidationError,
)
from chalicelib.technicians.service import NewTechnician, TechnicianService
from tests.conftest import MutableClock
from tests.fakes import InMemoryIdentityStore, InMemorySequences, InMemoryTechnicianStore

CLIENT_ID, SECRET = "1", "segredo-do-cliente"
CONSULTAR = Permission.CONSULTAR_CLIENTES.value
ABRIR = Permission.ABRIR_ORDEM_SERVICO.value


@pytest.fixture
def store() -> InMemoryIdentityStore:
    return InMemoryIdentityStore()


@pytest.fixture
def technicians(clock: MutableClock) -> TechnicianService:
    return TechnicianService(InMemoryTechnicianStore(), InMemorySequences(), clock)


@pytest.fixture
def auth(store: InMemoryIdentityStore, technicians: TechnicianService, clock: MutableClock) -> AuthService:
    service = AuthService(store, InMemorySequences(), PasswordHasher("fast"), clock, technicians)
    service.ensure_client(CLIENT_ID, SECRET, "Bot")
    return service


@pytest.fixture
def root(auth: AuthService) -> User:
    return auth.create_user(NewUser("root", "senha-do-root-1", "Root", (), is_admin=True))


@pytest.fixture
def ana(auth: AuthService) -> User:
    return auth.create_user(NewUser("ana", "senha-forte-1", "Ana", (CONSULTAR,)))


def acting(user: User) -> Principal:
    return Principal(user_id=user.id, username=user.username, is_admin=user.is_admin)


def login(auth: AuthService, username: str, password: str) -> tuple[str, str]:
    grant = auth.grant(TokenRequest("password", CLIENT_ID, SECRET, username=username, password=password))
    return grant.access_token, grant.refresh_token


def test_a_change_writes_the_fields_sent_and_keeps_the_others(auth: AuthService, store: InMemoryIdentityStore,
                                                              root: User, ana: User) -> None:
    changed = auth.change_user(ana.id, UserChange(name=" Ana Souza ", permissions=(ABRIR, CONSULTAR, ABRIR)),
                               acting(root))
    assert (changed.name, changed.permissions) == ("Ana Souza", (CONSULTAR, ABRIR))  # catalogue order, once each
    assert (changed.is_admin, changed.active, changed.token_generation) == (False, True, 0)
    assert store.users["ana"] == changed
    assert auth.change_user(ana.id, UserChange(permissions=()), acting(root)).permissions == ()
    assert auth.change_user(ana.id, UserChange(is_admin=True), acting(root)).is_admin is True


def test_an_empty_or_bad_change_is_refused_and_changes_nothing(auth: AuthService, store: InMemoryIdentityStore,
                                                               root: User, ana: User) -> None:
    with pytest.raises(ValidationError) as caught:
        auth.change_user(ana.id, UserChange(), acting(root))
    assert caught.value.errors == ["Informe ao menos um campo para alterar: nome, permissoes, admin, id_tecnico ou "
                                   "ativo."]
    with pytest.raises(ValidationError) as caught:
        auth.change_user(ana.id, UserChange(name=" ", permissions=("Permissão inventada",)), acting(root))
    assert caught.value.errors == [
        "O campo nome é obrigatório.",
        "O campo permissoes contém permissões desconhecidas: Permissão inventada (consulte GET "
        "configuracao/permissao).",
    ]
    with pytest.raises(NotFoundError, match="Usuário de ID 99 não encontrado"):
        auth.change_user(99, UserChange(name="X"), acting(root))
    assert store.users["ana"] == ana


def test_the_technician_link_is_set_kept_and_cleared(auth: AuthService, technicians: TechnicianService,
                                                     root: User, ana: User) -> None:
    carlos = technicians.register(NewTechnician("Carlos", "carlos@provedor.com.br"))
    bia = technicians.register(NewTechnician("Bia", "bia@provedor.com.br"))
    assert auth.change_user(ana.id, UserChange(technician_id=carlos.id), acting(root)).technician_id == carlos.id
    technicians.deactivate(carlos.id)
    # An inactive technician stays linked (a change naming it again is no change) but is linked to nobody new.
    assert auth.change_user(ana.id, UserChange(technician_id=carlos.id, name="Ana T."),
                            acting(root)).technician_id == carlos.id
    with pytest.raises(BusinessRuleError, match=f"O técnico Carlos \\(ID {carlos.id}\\) está inativo"):
        auth.change_user(root.id, UserChange(technician_id=carlos.id), acting(root))
    with pytest.raises(BusinessRuleError, match="Técnico de ID 77 não encontrado"):
        auth.change_user(ana.id, UserChange(technician_id=77), acting(root))
    with pytest.raises(BusinessRuleError, match="está inativo"):
        auth.create_user(NewUser("tec", "senha-forte-1", "Técnico", (), technician_id=carlos.id))
    assert auth.change_user(ana.id, UserChange(technician_id=bia.id), acting(root)).technician_id == bia.id
    assert auth.change_user(ana.id, UserChange(technician_id=UNLINK_TECHNICIAN), acting(root)).technician_id is None


def test_deactivating_revokes_every_token_at_once(auth: AuthService, root: User, ana: User) -> None:
    # GIVEN Ana logged in twice
    first_access, first_refresh = login(auth, "ana", "senha-forte-1")
    second_access, _ = login(auth, "ana", "senha-forte-1")
    # WHEN she is deactivated
    changed = auth.change_user(ana.id, UserChange(active=False), acting(root))
    assert (changed.active, changed.token_generation) == (False, ana.token_generation + 1)
    # THEN none of her tokens works, she cannot log in nor refresh
    for token in (first_access, second_access):
        with pytest.raises(AuthenticationError):
            auth.authenticate(f"Bearer {token}")
    with pytest.raises(OAuthError, match="credentials were incorrect"):
        login(auth, "ana", "senha-forte-1")
    with pytest.raises(OAuthError, match="refresh token is invalid"):
        auth.grant(TokenRequest("refresh_token", CLIENT_ID, SECRET, refresh_token=first_refresh))
    # and reactivated, she logs in again while the old tokens stay revoked
    assert auth.change_user(ana.id, UserChange(active=True), acting(root)).active is True
    fresh, _ = login(auth, "ana", "senha-forte-1")
    assert auth.authenticate(f"Bearer {fresh}").username == "ana"
    with pytest.raises(AuthenticationError):
        auth.authenticate(f"Bearer {first_access}")


def test_an_admin_cannot_deactivate_or_demote_themselves(auth: AuthService, store: InMemoryIdentityStore,
                                                         root: User) -> None:
    other = auth.create_user(NewUser("bia", "senha-forte-2", "Bia", (), is_admin=True))
    with pytest.raises(BusinessRuleError, match="Você não pode desativar o seu próprio usuário"):
        auth.change_user(root.id, UserChange(active=False), acting(root))
    with pytest.raises(BusinessRuleError, match="Você não pode remover a sua própria permissão de administrador"):
        auth.change_user(root.id, UserChange(is_admin=False, name="Outro"), acting(root))
    assert store.users["root"] == root
    # Another administrator may.
    assert auth.change_user(root.id, UserChange(is_admin=False), acting(other)).is_admin is False


def test_the_last_active_admin_is_never_removed(auth: AuthService, store: InMemoryIdentityStore, root: User,
                                                ana: User) -> None:
    bia = auth.create_user(NewUser("bia", "senha-forte-2", "Bia", (), is_admin=True))
    assert auth.change_user(bia.id, UserChange(active=False), acting(root)).active is False
    # GIVEN root is the only active admin (bia is an inactive admin, ana no admin); WHEN anyone acts on root
    acting_bia = Principal(user_id=bia.id, username="bia", is_admin=True)  # a token from before: refused anyway
    for change in (UserChange(active=False), UserChange(is_admin=False)):
        with pytest.raises(BusinessRuleError, match="O usuário root é o último administrador ativo"):
            auth.change_user(root.id, change, acting_bia)
    assert store.users["root"] == root
    # an inactive admin's changes never count: demoting or reactivating bia needs no other admin
    assert auth.change_user(bia.id, UserChange(active=True), acting(root)).active is True
    assert auth.change_user(root.id, UserChange(is_admin=False), acting(store.users["bia"])).is_admin is False


def test_a_user_changed_meanwhile_is_read_again() -> None:
    """The store refuses a write whose active/admin flags are stale; the service reads again and decides anew."""
    store = FlakyIdentityStore(failures=1)
    auth = AuthService(store, InMemorySequences(), PasswordHasher("fast"), MutableClock(),
                       TechnicianService(InMemoryTechnicianStore(), InMemorySequences(), MutableClock()))
    root = auth.create_user(NewUser("root", "senha-do-root-1", "Root", (), is_admin=True))
    ana = auth.create_user(NewUser("ana", "senha-forte-1", "Ana", ()))
    assert auth.change_user(ana.id, UserChange(name="Ana S."), acting(root)).name == "Ana S."
    assert store.refused == 1
    store.failures = 10
    with pytest.raises(ConflictError, match="alterado por outra requisição"):
        auth.change_user(ana.id, UserChange(name="Ana T."), acting(root))
    assert store.users["ana"].name == "Ana S."


class FlakyIdentityStore(InMemoryIdentityStore):
    """Refuses the first ``failures`` user changes as if another request had changed the user."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.refused = 0

    def change_user(self, current: User, updated: User, keeping_admin: str | None = None) -> bool:
        if self.refused < self.failures:
            self.refused += 1
            raise UserChangedError()
        return super().change_user(current, updated, keeping_admin)
