"""Auth as HubSoft clients use it, through the Chalice app."""
from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest

import app as app_module
from chalicelib.auth.model import ACCESS_TOKEN_SECONDS, MAX_LOGIN_FAILURES
from chalicelib.container import Container
from chalicelib.web.endpoint import PUBLIC
from tests.functional.conftest import ADMIN, CLIENT, Http

PERMISSION_MSG = "O Usuário não possui a permissão desejada!"


def token_body(**overrides: str) -> dict[str, str]:
    return {"grant_type": "password", "client_id": CLIENT[0], "client_secret": CLIENT[1],
            "username": ADMIN[0], "password": ADMIN[1], **overrides}


def test_token_with_json_body(http: Http) -> None:
    answer = http.request("POST", "/oauth/token", token_body(), token="")
    assert answer.status_code == 200
    assert answer.json["token_type"] == "Bearer" and answer.json["expires_in"] == ACCESS_TOKEN_SECONDS
    assert answer.json["access_token"] and answer.json["refresh_token"]


def test_token_with_form_body_and_numeric_client_id(http: Http) -> None:
    answer = http.request("POST", "/oauth/token", raw=urlencode(token_body()), token="",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200 and answer.json["access_token"]
    as_number = http.request("POST", "/oauth/token", {**token_body(), "client_id": 1}, token="")
    assert as_number.status_code == 200


def test_token_with_the_password_in_the_query_string_is_refused(http: Http) -> None:
    # A query string ends up in access logs and browser history: secrets travel in the body only.
    answer = http.request("POST", "/oauth/token?" + urlencode(token_body()), token="")
    assert answer.status_code == 200 and answer.json["status"] == "error" and "access_token" not in answer.json
    assert "password" in " ".join(answer.json["errors"]) and ADMIN[1] not in json.dumps(answer.json)
    fields_only = {k: v for k, v in token_body().items() if k not in ("password", "client_secret")}
    answer = http.request("POST", "/oauth/token?" + urlencode(fields_only), {"client_secret": CLIENT[1],
                                                                           "password": ADMIN[1]}, token="")
    assert answer.status_code == 200 and answer.json["access_token"]


def test_wrong_password_has_passports_shape(http: Http) -> None:
    answer = http.request("POST", "/oauth/token", token_body(password="errada"), token="")
    assert answer.status_code == 401
    assert answer.json == {"error": "invalid_credentials",
                           "error_description": "The user credentials were incorrect.",
                           "message": "The user credentials were incorrect."}


def test_repeated_failures_lock_with_429_and_retry_after(http: Http) -> None:
    for _ in range(MAX_LOGIN_FAILURES):
        http.request("POST", "/oauth/token", token_body(password="errada"), token="")
    answer = http.request("POST", "/oauth/token", token_body(), token="")
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) > 0
    assert "Tente novamente" in answer.json["error_description"]


def test_refresh_grant(http: Http) -> None:
    first = http.request("POST", "/oauth/token", token_body(), token="").json
    answer = http.request("POST", "/oauth/token", {"grant_type": "refresh_token", "client_id": CLIENT[0],
                                                   "client_secret": CLIENT[1],
                                                   "refresh_token": first["refresh_token"]}, token="")
    assert answer.status_code == 200 and answer.json["access_token"] != first["access_token"]


def test_logout_revokes_the_token(http: Http) -> None:
    token = http.login()
    assert http.request("POST", "/oauth/revoke").json["status"] == "success"
    assert http.request("GET", "/api/v1/integracao/usuario_atual", token=token).status_code == 401


def protected_routes() -> list[tuple[str, str]]:
    routes = []
    for route in app_module.api.routes:
        if route.permission == PUBLIC:
            continue
        path = re.sub(r"\{[^{}]+\}", "1", route.path)  # every path id
        routes.extend((method, path) for method in route.methods)
    return routes


@pytest.mark.parametrize("method, path", protected_routes())
@pytest.mark.parametrize("token", ["", "token-que-nao-existe", "Bearer"])
def test_every_protected_route_refuses_a_missing_or_wrong_token(http: Http, method: str, path: str,
                                                                token: str) -> None:
    answer = http.request(method, path, {}, token=token)
    assert answer.status_code == 401, (method, path, answer.body)
    assert answer.json["status"] == "error" and answer.json["msg"]
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_public_routes_are_only_health_and_token() -> None:
    public = {(m, r.path) for r in app_module.api.routes if r.permission == PUBLIC for m in r.methods}
    assert public == {("GET", "/health"), ("POST", "/oauth/token")}


@pytest.mark.parametrize("method, path", [
    (m, p) for m, p in protected_routes()
    if p not in ("/oauth/revoke", "/api/v1/openapi.json", "/api/v1/integracao/usuario_atual",
                 "/api/v1/integracao/configuracao/permissao")
])
def test_a_user_without_the_permission_gets_403(http: Http, stack: Container, method: str, path: str) -> None:
    http.login()
    created = http.request("POST", "/api/v1/integracao/configuracao/usuario", {
        "username": "sem.permissao", "password": "senha-forte-1", "nome": "Sem Permissão", "permissoes": []})
    assert created.json["status"] == "success", created.json
    http.login("sem.permissao", "senha-forte-1")
    answer = http.request(method, path, {})
    assert answer.status_code == 403, (method, path, answer.body)
    assert answer.json["msg"] == PERMISSION_MSG


def test_permission_granted_lets_the_user_in(http: Http) -> None:
    http.login()
    http.request("POST", "/api/v1/integracao/configuracao/usuario", {
        "username": "consulta", "password": "senha-forte-1", "nome": "Consulta",
        "permissoes": ["Consultar clientes"]})
    http.login("consulta", "senha-forte-1")
    answer = http.request("GET", "/api/v1/integracao/cliente?busca=cpf_cnpj&termo_busca=52998224725")
    assert answer.status_code == 200 and answer.json["status"] == "success"
    assert http.request("POST", "/api/v1/integracao/cliente", {}).status_code == 403


def test_admin_revokes_a_users_tokens(http: Http) -> None:
    http.login()
    user = http.request("POST", "/api/v1/integracao/configuracao/usuario", {
        "username": "bot", "password": "senha-forte-1", "nome": "Bot", "permissoes": ["Consultar clientes"]}).json
    admin_token = http.token
    bot_token = http.login("bot", "senha-forte-1")
    revoked = http.request("POST", f"/api/v1/integracao/configuracao/usuario/{user['usuario']['id']}/revogar_tokens",
                           token=admin_token)
    assert revoked.json["status"] == "success"
    assert http.request("GET", "/api/v1/integracao/usuario_atual", token=bot_token).status_code == 401
    assert http.request("GET", "/api/v1/integracao/usuario_atual", token=admin_token).status_code == 200


def test_admin_revokes_every_token(http: Http) -> None:
    admin_token = http.login()
    answer = http.request("POST", "/api/v1/integracao/configuracao/usuario/revogar_tokens")
    assert answer.json["status"] == "success"
    assert http.request("GET", "/api/v1/integracao/usuario_atual", token=admin_token).status_code == 401


def test_an_admin_sees_and_lifts_a_login_lock(http: Http) -> None:
    admin_token = http.login()
    user = http.request("POST", "/api/v1/integracao/configuracao/usuario", {
        "username": "bot", "password": "senha-forte-1", "nome": "Bot", "permissoes": []}).json["usuario"]
    for _ in range(MAX_LOGIN_FAILURES + 1):
        http.request("POST", "/oauth/token", token_body(username="bot", password="errada"), token="")
    assert http.request("POST", "/oauth/token", token_body(username="bot", password="senha-forte-1"),
                        token="").status_code == 429
    base = f"/api/v1/integracao/configuracao/usuario/{user['id']}"
    blocks = http.request("GET", f"{base}/bloqueios_login", token=admin_token).json
    assert blocks["status"] == "success"
    # The Chalice test client, like chalice.local, reports every caller as 127.0.0.1.
    assert [b["endereco"] for b in blocks["bloqueios"]] == ["127.0.0.1"]
    assert blocks["bloqueios"][0]["bloqueado_ate"]
    lifted = http.request("POST", f"{base}/desbloquear_login", token=admin_token).json
    assert lifted["status"] == "success" and lifted["enderecos_liberados"] == 1
    assert "bot" in lifted["msg"]
    assert http.request("POST", "/oauth/token", token_body(username="bot", password="senha-forte-1"),
                        token="").status_code == 200
    assert http.request("GET", f"{base}/bloqueios_login", token=admin_token).json["bloqueios"] == []
    assert http.request("POST", "/api/v1/integracao/configuracao/usuario/999/desbloquear_login",
                        token=admin_token).json["status"] == "error"


def test_only_an_admin_lifts_a_lock(http: Http) -> None:
    http.login()
    http.request("POST", "/api/v1/integracao/configuracao/usuario", {
        "username": "bot", "password": "senha-forte-1", "nome": "Bot", "permissoes": ["Consultar clientes"]})
    bot_token = http.login("bot", "senha-forte-1")
    answer = http.request("POST", "/api/v1/integracao/configuracao/usuario/1/desbloquear_login", token=bot_token)
    assert answer.status_code == 403


def test_a_reused_refresh_token_logs_the_family_out(http: Http) -> None:
    first = http.request("POST", "/oauth/token", token_body(), token="").json
    refresh = {"grant_type": "refresh_token", "client_id": CLIENT[0], "client_secret": CLIENT[1]}
    second = http.request("POST", "/oauth/token", {**refresh, "refresh_token": first["refresh_token"]},
                          token="").json
    assert http.request("GET", "/api/v1/integracao/usuario_atual", token=second["access_token"]).status_code == 200
    reused = http.request("POST", "/oauth/token", {**refresh, "refresh_token": first["refresh_token"]}, token="")
    assert reused.status_code == 401 and reused.json["error"] == "invalid_grant"
    assert http.request("GET", "/api/v1/integracao/usuario_atual", token=second["access_token"]).status_code == 401
