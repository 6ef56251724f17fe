"""``python -m ops`` against a stage's tables (moto in-process): the CLI builds
its own container from the environment, as it would against a deployed stage."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from chalicelib.auth.service import TokenRequest
from chalicelib.container import Container
from chalicelib.errors import AuthenticationError
from ops.cli import main

CLIENT_ID = "integracao-1"
CLIENT_SECRET = "segredo-do-cliente-ops"


@pytest.fixture
def ops_env(stack: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    monkeypatch.setenv("PASSWORD_HASH_PROFILE", "fast")
    monkeypatch.setenv("OPS_PASSWORD", "senha-forte-123")
    monkeypatch.setenv("OPS_CLIENT_SECRET", CLIENT_SECRET)
    assert main(["create-client", "--client-id", CLIENT_ID, "--nome", "Integração de teste"]) == 0
    yield stack


def login(stack: Container, username: str, password: str = "senha-forte-123", client_secret: str = CLIENT_SECRET,
          client_id: str = CLIENT_ID) -> str:
    grant = stack.auth.grant(TokenRequest(grant_type="password", client_id=client_id, client_secret=client_secret,
                                          username=username, password=password))
    return grant.access_token


def test_created_user_can_log_in_with_its_permissions(ops_env: Container, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["create-user", "--username", "Operador.Um", "--nome", "Operador Um",
                 "--permissao", "Consultar clientes", "--permissao", "Cadastrar clientes"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "operador.um" in out and "Consultar clientes" in out
    principal = ops_env.auth.authenticate(f"Bearer {login(ops_env, 'operador.um')}")
    assert principal.username == "operador.um" and not principal.is_admin
    assert principal.permissions == {"Consultar clientes", "Cadastrar clientes"}


def test_admin_and_technician_link(ops_env: Container, capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.technicians.service import NewTechnician

    technician = ops_env.technicians.register(NewTechnician(name="Técnica", email="tec@example.com", phone=""))
    assert main(["create-user", "--username", "chefe", "--nome", "Chefe", "--admin"]) == 0
    assert main(["create-user", "--username", "tecnica", "--nome", "Técnica",
                 "--id-tecnico", str(technician.id)]) == 0
    assert ops_env.auth.authenticate(login(ops_env, "chefe")).is_admin
    assert ops_env.auth.authenticate(login(ops_env, "tecnica")).technician_id == technician.id
    capsys.readouterr()
    assert main(["create-user", "--username", "fantasma", "--nome", "X", "--id-tecnico", "999"]) == 1
    assert "Técnico de ID 999 não encontrado" in capsys.readouterr().err


def test_duplicate_username_is_refused(ops_env: Container, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create-user", "--username", "maria", "--nome", "Maria"]) == 0
    capsys.readouterr()
    assert main(["create-user", "--username", "MARIA", "--nome", "Outra Maria"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "Erro: Já existe um usuário com o username maria." in err
    assert [u.name for u in ops_env.auth.list_users()] == ["Maria"]


def test_invalid_input_lists_every_problem_and_creates_nothing(
    ops_env: Container, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPS_PASSWORD", "curta")
    assert main(["create-user", "--username", "x", "--nome", "X", "--permissao", "Voar"]) == 1
    err = capsys.readouterr().err
    assert "Favor preencher os campos obrigatórios" in err
    assert "O campo password deve ter pelo menos 8 caracteres." in err
    assert "O campo username" in err and "Voar" in err
    assert ops_env.auth.list_users() == []


def test_password_is_prompted_twice_when_not_in_the_environment(
    ops_env: Container, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("OPS_PASSWORD")
    typed = iter(["digitada-123", "digitada-123"])
    assert main(["create-user", "--username", "ana", "--nome", "Ana"], prompt=lambda _: next(typed)) == 0
    assert login(ops_env, "ana", password="digitada-123")
    mismatch = iter(["uma-senha-123", "outra-senha-123"])
    assert main(["create-user", "--username", "bia", "--nome", "Bia"], prompt=lambda _: next(mismatch)) == 1
    assert "não conferem" in capsys.readouterr().err
    assert [u.username for u in ops_env.auth.list_users()] == ["ana"]


def test_secrets_are_not_accepted_on_the_command_line(ops_env: Container) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["create-user", "--username", "x", "--nome", "X", "--password", "senha-forte-123"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit):
        main(["create-client", "--client-id", "x", "--nome", "X", "--client-secret", "segredo-123456"])


def test_generated_client_secret_is_printed_once_and_works(ops_env: Container,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["create-client", "--client-id", "bot", "--nome", "Bot do WhatsApp", "--gerar"]) == 0
    out = capsys.readouterr().out
    secret = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("client_secret: "))
    assert len(secret) >= 40 and out.count(secret) == 1
    assert main(["create-user", "--username", "robo", "--nome", "Robô"]) == 0
    assert login(ops_env, "robo", client_id="bot", client_secret=secret)
    capsys.readouterr()
    assert main(["create-client", "--client-id", "bot", "--nome", "De novo", "--gerar"]) == 1
    out, err = capsys.readouterr()
    assert "já existe" in err and "client_secret" not in out  # a secret that was not stored is never shown


def test_revoke_tokens_of_one_user(ops_env: Container, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create-user", "--username", "joao", "--nome", "João"]) == 0
    assert main(["create-user", "--username", "jose", "--nome", "José"]) == 0
    joao, jose = login(ops_env, "joao"), login(ops_env, "jose")
    assert main(["revoke-tokens", "--username", "Joao"]) == 0
    assert "joao" in capsys.readouterr().out
    with pytest.raises(AuthenticationError):
        ops_env.auth.authenticate(f"Bearer {joao}")
    assert ops_env.auth.authenticate(f"Bearer {jose}").username == "jose"
    assert ops_env.auth.authenticate(login(ops_env, "joao")).username == "joao"  # a new login works


def test_revoke_tokens_of_everyone(ops_env: Container, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("u1", "u2"):
        assert main(["create-user", "--username", f"user-{name}", "--nome", name]) == 0
    tokens = [login(ops_env, "user-u1"), login(ops_env, "user-u2")]
    assert main(["revoke-tokens", "--todos"]) == 0
    assert "2 usuário(s)" in capsys.readouterr().out
    for token in tokens:
        with pytest.raises(AuthenticationError):
            ops_env.auth.authenticate(token)


def test_revoke_tokens_needs_a_known_user_and_a_target(ops_env: Container, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["revoke-tokens", "--username", "ninguem"]) == 1
    assert "Usuário ninguem não encontrado." in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["revoke-tokens"])
    with pytest.raises(SystemExit):
        main(["revoke-tokens", "--username", "a", "--todos"])


def test_list_users(ops_env: Container, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list-users"]) == 0
    assert "Nenhum usuário cadastrado." in capsys.readouterr().out
    assert main(["create-user", "--username", "admin", "--nome", "Administradora", "--admin"]) == 0
    assert main(["create-user", "--username", "leitor", "--nome", "Leitor", "--permissao", "Consultar clientes"]) == 0
    capsys.readouterr()
    assert main(["list-users"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:2] == ["ID", "USERNAME"] and len(table) == 3
    assert "todas" in table[1] and "Consultar clientes" in table[2]
    assert main(["list-users", "--json"]) == 0
    users = json.loads(capsys.readouterr().out)
    assert [(u["username"], u["admin"]) for u in users] == [("admin", True), ("leitor", False)]
    assert all("password" not in key for u in users for key in u)


def test_missing_region_is_a_clear_error(ops_env: Container, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert main(["list-users"]) == 1
    assert "AWS_REGION" in capsys.readouterr().err
    assert main(["--region", "us-east-1", "list-users"]) == 0
