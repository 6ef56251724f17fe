"""``python -m ops`` against a stage's tables (moto in-process): the CLI builds
its own container from the environment, as it would against a deployed stage."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from chalicelib.auth.model import MAX_LOGIN_FAILURES
from chalicelib.auth.service import TokenRequest
from chalicelib.container import Container
from chalicelib.errors import AuthenticationError, OAuthError
from chalicelib.notify.channels import WHATSAPP
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


def test_unlock_login(ops_env: Container, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create-user", "--username", "joao", "--nome", "João"]) == 0
    for _ in range(MAX_LOGIN_FAILURES + 1):
        with pytest.raises(OAuthError):
            login(ops_env, "joao", password="errada")
    with pytest.raises(OAuthError) as locked:
        login(ops_env, "joao")
    assert locked.value.status == 429
    capsys.readouterr()
    assert main(["unlock-login", "--username", "Joao"]) == 0
    assert "joao desbloqueado (1 endereço(s)" in capsys.readouterr().out
    assert login(ops_env, "joao")
    assert main(["unlock-login", "--username", "ninguem"]) == 1
    assert "Usuário ninguem não encontrado." in capsys.readouterr().err


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


# ------------------------------------------------- integration credentials
CIELO_SECRET = {"merchant_id": "mid-0001", "merchant_key": "chave-cielo-NAO-MOSTRAR", "observacao": "ignorado"}
GETNET_SECRET = {"client_id": "cid-0002", "client_secret": "segredo-getnet-NAO-MOSTRAR", "seller_id": "sel-0003"}
ZAPME_SECRET = {"api": "api-zapme-NAO-MOSTRAR", "secret": "secret-zapme-NAO-MOSTRAR", "url": "https://zapme.example"}


def put_secret(name: str, value: dict[str, str] | str) -> None:
    import boto3

    client = boto3.client("secretsmanager", region_name="us-east-1")
    text = value if isinstance(value, str) else json.dumps(value)
    try:
        client.create_secret(Name=name, SecretString=text)
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=name, SecretString=text)


def opened(sealed: object, context: dict[str, str]) -> str:
    """What the application's sealer opens (same key alias, same encryption context)."""
    import boto3

    from chalicelib.config import CARDS_KEY, key_alias
    from chalicelib.sealing import KmsEnvelopeSealer, Sealed

    assert isinstance(sealed, Sealed)
    sealer = KmsEnvelopeSealer(lambda: boto3.client("kms", region_name="us-east-1"), key_alias(CARDS_KEY))
    return sealer.open(sealed, context)


def shown(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    return out + err


def assert_no_secret_value(text: str, *secrets: dict[str, str]) -> None:
    for secret in secrets:
        for key, value in secret.items():
            if key not in ("observacao", "url"):
                assert value not in text, f"valor de {key} apareceu na saída"


def test_set_gateway_stores_sealed_credentials_from_secrets_manager(
    ops_env: Container, capsys: pytest.CaptureFixture[str],
) -> None:
    put_secret("isp-backend/prod/cielo", CIELO_SECRET)
    assert main(["set-gateway", "--gateway", "cielo", "--secret-id", "isp-backend/prod/cielo"]) == 0
    text = shown(capsys)
    assert "Gateway cielo configurado" in text and "inativo" in text and "merchant_id, merchant_key" in text
    assert_no_secret_value(text, CIELO_SECRET)
    [config] = ops_env.gateway_settings.list()
    # A new gateway: inactive until asked, production, no automatic recurrence.
    assert (config.gateway, config.active, config.environment, config.allows_auto_recurrence) == \
        ("cielo", False, "producao", False)
    assert config.updated_by == "ops:isp-backend/prod/cielo"
    assert json.loads(opened(config.credentials, {"gateway": "cielo"})) == {
        "merchant_id": "mid-0001", "merchant_key": "chave-cielo-NAO-MOSTRAR"}
    assert "chave-cielo" not in repr(config)

    # Rotation: a new version of the secret, activated in the sandbox; flags left out keep their value next time.
    put_secret("isp-backend/prod/cielo", {**CIELO_SECRET, "merchant_key": "chave-nova"})
    assert main(["set-gateway", "--gateway", "cielo", "--secret-id", "isp-backend/prod/cielo", "--ativar",
                 "--sandbox", "--recorrencia-automatica"]) == 0
    assert main(["set-gateway", "--gateway", "cielo", "--secret-id", "isp-backend/prod/cielo"]) == 0
    [config] = ops_env.gateway_settings.list()
    assert (config.active, config.environment, config.allows_auto_recurrence) == (True, "sandbox", True)
    assert json.loads(opened(config.credentials, {"gateway": "cielo"}))["merchant_key"] == "chave-nova"
    active, _adapter = ops_env.gateway_settings.active()
    assert active.gateway == "cielo"


def test_activating_getnet_replaces_the_active_gateway(ops_env: Container, capsys: pytest.CaptureFixture[str]) -> None:
    put_secret("cielo", CIELO_SECRET)
    put_secret("getnet", GETNET_SECRET)
    assert main(["set-gateway", "--gateway", "cielo", "--secret-id", "cielo", "--ativar"]) == 0
    assert main(["set-gateway", "--gateway", "getnet", "--secret-id", "getnet", "--ativar", "--producao"]) == 0
    assert_no_secret_value(shown(capsys), CIELO_SECRET, GETNET_SECRET)
    assert {c.gateway: c.active for c in ops_env.gateway_settings.list()} == {"cielo": False, "getnet": True}
    config, _ = ops_env.gateway_settings.active()
    assert json.loads(opened(config.credentials, {"gateway": "getnet"})) == GETNET_SECRET
    # Sealed for its gateway: the same ciphertext does not open as another's.
    from chalicelib.sealing import SealError

    with pytest.raises(SealError):
        opened(config.credentials, {"gateway": "cielo"})


def test_set_gateway_refusals_name_the_problem_not_the_secret(ops_env: Container,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["set-gateway", "--gateway", "cielo", "--secret-id", "nao-existe"]) == 1
    assert "Segredo nao-existe não encontrado no Secrets Manager (us-east-1)." in capsys.readouterr().err
    put_secret("incompleto", {"client_id": "cid", "client_secret": "segredo-getnet-NAO-MOSTRAR", "seller_id": " "})
    assert main(["set-gateway", "--gateway", "getnet", "--secret-id", "incompleto"]) == 1
    err = capsys.readouterr().err
    assert "O segredo incompleto não tem seller_id" in err and "segredo-getnet" not in err
    put_secret("texto", "merchant_key=chave-cielo-NAO-MOSTRAR")
    assert main(["set-gateway", "--gateway", "cielo", "--secret-id", "texto"]) == 1
    err = capsys.readouterr().err
    assert "deve ser um objeto JSON" in err and "chave-cielo" not in err
    assert ops_env.gateway_settings.list() == []
    with pytest.raises(SystemExit):  # credentials are never accepted on the command line
        main(["set-gateway", "--gateway", "cielo", "--merchant-key", "x", "--secret-id", "texto"])
    with pytest.raises(SystemExit):
        main(["set-gateway", "--gateway", "pagseguro", "--secret-id", "texto"])


def test_set_zapme_stores_the_sealed_secret(ops_env: Container, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.notify.whatsapp import SECRET_CONTEXT

    # An address of ZapMe's other than the default is added to the deployment's allow-list first.
    monkeypatch.setenv("ZAPME_ALLOWED_HOSTS", "https://api.zapme.com.br,zapme.example")
    put_secret("isp-backend/prod/zapme", ZAPME_SECRET)
    assert main(["set-zapme", "--secret-id", "isp-backend/prod/zapme", "--ativar"]) == 0
    text = shown(capsys)
    assert "ZapMe configurada" in text and "ativa" in text and "https://zapme.example" in text
    assert_no_secret_value(text, ZAPME_SECRET)
    config = ops_env.notification_settings.config(WHATSAPP)
    assert config is not None
    assert (config.active, config.api, config.url) == (True, ZAPME_SECRET["api"], "https://zapme.example")
    assert opened(config.secret, SECRET_CONTEXT) == ZAPME_SECRET["secret"]
    # Without url in the secret and without --ativar/--desativar, both stay as they were.
    put_secret("isp-backend/prod/zapme", {"api": "api-2", "secret": "secret-2"})
    assert main(["set-zapme", "--secret-id", "isp-backend/prod/zapme"]) == 0
    config = ops_env.notification_settings.config(WHATSAPP)
    assert config is not None and (config.active, config.api, config.url) == (True, "api-2", "https://zapme.example")
    assert opened(config.secret, SECRET_CONTEXT) == "secret-2"
    assert main(["set-zapme", "--secret-id", "isp-backend/prod/zapme", "--desativar"]) == 0
    config = ops_env.notification_settings.config(WHATSAPP)
    assert config is not None and not config.active
    put_secret("sem-secret", {"api": "x"})
    capsys.readouterr()
    assert main(["set-zapme", "--secret-id", "sem-secret"]) == 1
    assert "não tem secret" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["https://evil.example", "http://zapme.example", "https://zapme.example@evil.example",
                                 "https://zapme.example.evil.example"])
def test_set_zapme_refuses_an_address_off_the_allow_list(ops_env: Container, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("ZAPME_ALLOWED_HOSTS", "zapme.example")
    put_secret("zapme", {**ZAPME_SECRET, "url": url})
    assert main(["set-zapme", "--secret-id", "zapme", "--ativar"]) == 1
    err = capsys.readouterr().err
    assert "O campo url é inválido" in err and ZAPME_SECRET["secret"] not in err
    assert ops_env.notification_settings.config(WHATSAPP) is None
