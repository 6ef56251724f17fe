"""Managing users (``PUT configuracao/usuario/{id}``) and technicians (``configuracao/tecnico``: list with the
inactive ones, ``PUT``, ``DELETE``) as the operators' console does, through the Chalice app."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.container import Container
from tests.functional.conftest import ADMIN, CLIENT, Http
from tests.functional.test_bad_input import assert_refused
from tests.support.http import BASE, ok

USERS = f"{BASE}/configuracao/usuario"
TECHNICIANS = f"{BASE}/configuracao/tecnico"
PERMISSION_MSG = "O Usuário não possui a permissão desejada!"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def admin(http: Http) -> Http:
    """The admin (user 1) logged in; technicians 1 (Carlos) and 2 (Bia); user 2 (ana, no admin)."""
    http.login()
    for name in ("Carlos", "Bia"):
        ok(http.request("POST", TECHNICIANS, {"name": name, "email": f"{name.lower()}@provedor.com.br"}))
    ok(http.request("POST", USERS, {"username": "ana", "password": "senha-forte-1", "nome": "Ana",
                                    "permissoes": ["Consultar clientes"]}))
    return http


def users(http: Http) -> dict[str, dict[str, Any]]:
    return {u["username"]: u for u in ok(http.request("GET", USERS))["usuarios"]}


def token_of(http: Http, username: str, password: str) -> dict[str, Any]:
    answer = http.request("POST", "/oauth/token", {"grant_type": "password", "client_id": CLIENT[0],
                                                   "client_secret": CLIENT[1], "username": username,
                                                   "password": password}, token="")
    return dict(answer.json)


# ---------------------------------------------------------------------- users
def test_a_change_answers_the_user_in_the_shape_of_the_other_routes(admin: Http) -> None:
    answer = ok(admin.request("PUT", f"{USERS}/2", {
        "nome": "Ana Souza", "permissoes": ["Abrir ordem de serviço", "Consultar clientes"], "id_tecnico": 1}))
    assert answer["msg"] == "Usuário alterado com sucesso."
    assert answer["usuario"] == {"id": 2, "username": "ana", "nome": "Ana Souza", "admin": False,
                                 "permissoes": ["Consultar clientes", "Abrir ordem de serviço"], "id_tecnico": 1,
                                 "ativo": True}
    assert users(admin)["ana"] == answer["usuario"]
    # a form body, ids and booleans as text; null and 0 unlink the technician; an empty list takes every permission
    promoted = ok(admin.request("PUT", f"{USERS}/2", raw="admin=1&id_tecnico=0&permissoes=", headers=FORM))
    assert (promoted["usuario"]["admin"], promoted["usuario"]["id_tecnico"]) == (True, None)
    assert len(promoted["usuario"]["permissoes"]) > 2  # an admin has them all
    demoted = ok(admin.request("PUT", f"{USERS}/2", {"admin": False, "id_tecnico": 2}))["usuario"]
    assert (demoted["admin"], demoted["permissoes"], demoted["id_tecnico"]) == (False, [], 2)
    assert ok(admin.request("PUT", f"{USERS}/2", {"id_tecnico": None}))["usuario"]["id_tecnico"] is None


def test_deactivating_a_user_revokes_its_tokens_at_once(admin: Http) -> None:
    # GIVEN ana logged in
    grant = token_of(admin, "ana", "senha-forte-1")
    assert admin.request("GET", f"{BASE}/usuario_atual", token=grant["access_token"]).status_code == 200
    # WHEN an administrator deactivates her
    answer = ok(admin.request("PUT", f"{USERS}/2", {"ativo": False}))
    assert answer["usuario"]["ativo"] is False
    # THEN her token stops working, she cannot refresh it nor log in again
    assert admin.request("GET", f"{BASE}/usuario_atual", token=grant["access_token"]).status_code == 401
    refreshed = admin.request("POST", "/oauth/token", {"grant_type": "refresh_token", "client_id": CLIENT[0],
                                                       "client_secret": CLIENT[1],
                                                       "refresh_token": grant["refresh_token"]}, token="")
    assert refreshed.status_code == 401 and refreshed.json["error"] == "invalid_grant"
    assert token_of(admin, "ana", "senha-forte-1")["error"] == "invalid_credentials"
    # reactivated, she logs in again; the old token stays revoked
    ok(admin.request("PUT", f"{USERS}/2", {"ativo": True}))
    assert "access_token" in token_of(admin, "ana", "senha-forte-1")
    assert admin.request("GET", f"{BASE}/usuario_atual", token=grant["access_token"]).status_code == 401


@pytest.mark.parametrize("user_id, body, fragments", [
    (2, {}, ["Informe ao menos um campo para alterar: nome, permissoes, admin, id_tecnico ou ativo."]),
    (2, {"nome": ""}, ["O campo nome é obrigatório."]),
    (2, {"nome": "x" * 151}, ["O campo nome não pode ser superior a 150 caracteres."]),
    (2, {"permissoes": ["Inventada"], "admin": "talvez"},
     ["O campo admin deve ser verdadeiro ou falso.", "permissões desconhecidas: Inventada"]),
    (2, {"ativo": "x"}, ["O campo ativo deve ser verdadeiro ou falso."]),
    (2, {"id_tecnico": "abc"}, ["O campo id_tecnico deve ser um número inteiro."]),
    (2, {"id_tecnico": 9}, ["Técnico de ID 9 não encontrado."]),
    (9, {"nome": "Outro"}, ["Usuário de ID 9 não encontrado"]),
    (1, {"ativo": False}, ["Você não pode desativar o seu próprio usuário"]),
    (1, {"admin": False}, ["Você não pode remover a sua própria permissão de administrador"]),
])
def test_every_refusal_is_named_and_changes_nothing(admin: Http, user_id: int, body: dict[str, Any],
                                                   fragments: list[str]) -> None:
    before = users(admin)
    assert_refused(admin.request("PUT", f"{USERS}/{user_id}", body), *fragments)
    assert users(admin) == before


def test_an_inactive_technician_is_linked_to_no_user(admin: Http) -> None:
    ok(admin.request("PUT", f"{USERS}/2", {"id_tecnico": 1}))
    ok(admin.request("DELETE", f"{TECHNICIANS}/1"))
    inactive = "O técnico Carlos (ID 1) está inativo"
    assert_refused(admin.request("PUT", f"{USERS}/1", {"id_tecnico": 1}), inactive)
    assert_refused(admin.request("POST", USERS, {"username": "tec", "password": "senha-forte-1", "nome": "Tec",
                                                 "id_tecnico": 1}), inactive)
    # ana, already linked, stays linked through other changes
    assert ok(admin.request("PUT", f"{USERS}/2", {"nome": "Ana T.", "id_tecnico": 1}))["usuario"]["id_tecnico"] == 1


def test_an_admin_removes_another_but_not_themselves(admin: Http) -> None:
    # GIVEN ana promoted to administrator
    ok(admin.request("PUT", f"{USERS}/2", {"admin": True}))
    first_admin_token = admin.token
    ana = Http(admin.client)
    ana.login("ana", "senha-forte-1")
    # WHEN she deactivates the first administrator, his token stops working
    assert ok(ana.request("PUT", f"{USERS}/1", {"ativo": False}))["usuario"]["ativo"] is False
    assert ana.request("GET", f"{BASE}/usuario_atual", token=first_admin_token).status_code == 401
    # THEN, the only active administrator left, she cannot remove herself. (An administrator acting on another
    # always leaves themselves, so "the last active administrator" is refused only to racing requests: see
    # tests/integration/test_races.py and tests/unit/test_user_changes.py.)
    before = users(ana)
    assert_refused(ana.request("PUT", f"{USERS}/2", {"ativo": False}), "Você não pode desativar")
    assert_refused(ana.request("PUT", f"{USERS}/2", {"admin": False}), "Você não pode remover")
    assert users(ana) == before


def test_a_non_admin_gets_403(admin: Http) -> None:
    ok(admin.request("PUT", f"{USERS}/2", {"permissoes": ["Consultar clientes", "Cadastrar técnicos"]}))
    admin.login("ana", "senha-forte-1")
    answer = admin.request("PUT", f"{USERS}/2", {"admin": True})
    assert answer.status_code == 403 and answer.json["msg"] == PERMISSION_MSG
    admin.login(*ADMIN)
    assert users(admin)["ana"]["admin"] is False


# ---------------------------------------------------------------- technicians
def test_technicians_are_listed_changed_deactivated_and_reactivated(admin: Http, stack: Container) -> None:
    carlos = {"id": 1, "name": "Carlos", "email": "carlos@provedor.com.br", "telefone": None, "ativo": True}
    bia = {"id": 2, "name": "Bia", "email": "bia@provedor.com.br", "telefone": None, "ativo": True}
    assert ok(admin.request("GET", TECHNICIANS))["tecnicos"] == [carlos, bia]

    changed = ok(admin.request("PUT", f"{TECHNICIANS}/1", {"name": "Carlos Souza", "email": "Souza@Provedor.com.br",
                                                           "telefone": "(11) 98765-4321"}))
    assert changed["msg"] == "Técnico alterado com sucesso."
    carlos = {**carlos, "name": "Carlos Souza", "email": "souza@provedor.com.br", "telefone": "11987654321"}
    assert changed["tecnico"] == carlos
    # the old e-mail is free again; clearing the phone
    ok(admin.request("POST", TECHNICIANS, {"name": "Novo", "email": "carlos@provedor.com.br"}))
    assert ok(admin.request("PUT", f"{TECHNICIANS}/1", {"telefone": None}))["tecnico"]["telefone"] is None
    carlos["telefone"] = None

    deactivated = ok(admin.request("DELETE", f"{TECHNICIANS}/1"))
    assert deactivated["msg"] == "Técnico desativado com sucesso."
    assert deactivated["tecnico"] == {**carlos, "ativo": False}
    assert [t["id"] for t in ok(admin.request("GET", TECHNICIANS))["tecnicos"]] == [2, 3]
    everyone = ok(admin.request("GET", f"{TECHNICIANS}?incluir_inativos=true"))["tecnicos"]
    assert [(t["id"], t["ativo"]) for t in everyone] == [(1, False), (2, True), (3, True)]
    assert stack.technicians.get(1).name == "Carlos Souza"  # never deleted

    reactivated = ok(admin.request("PUT", f"{TECHNICIANS}/1", raw="ativo=sim", headers=FORM))
    assert reactivated["tecnico"] == carlos


@pytest.mark.parametrize("method, path, body, fragments", [
    ("PUT", f"{TECHNICIANS}/1", {}, ["Informe ao menos um campo para alterar: name, email, telefone ou ativo."]),
    ("PUT", f"{TECHNICIANS}/1", {"name": " "}, ["O campo name é obrigatório."]),
    ("PUT", f"{TECHNICIANS}/1", {"email": "x", "telefone": "123", "ativo": "x"},
     ["O campo email deve ser um endereço de e-mail válido.", "telefone deve ser um telefone brasileiro",
      "O campo ativo deve ser verdadeiro ou falso."]),
    ("PUT", f"{TECHNICIANS}/1", {"name": "Outro", "email": "bia@provedor.com.br"},
     ["Já existe um técnico com o e-mail bia@provedor.com.br."]),
    ("PUT", f"{TECHNICIANS}/9", {"name": "Outro"}, ["Técnico de ID 9 não encontrado"]),
    ("DELETE", f"{TECHNICIANS}/9", None, ["Técnico de ID 9 não encontrado"]),
    ("PUT", f"{TECHNICIANS}/x", {"name": "Outro"}, ["id_tecnico deve ser um número inteiro positivo"]),
    ("GET", f"{TECHNICIANS}?incluir_inativos=talvez", None, ["O campo incluir_inativos deve ser verdadeiro ou falso."]),
])
def test_every_technician_refusal_is_named_and_changes_nothing(admin: Http, stack: Container, method: str, path: str,
                                                              body: dict[str, Any] | None,
                                                              fragments: list[str]) -> None:
    before = stack.technicians.list_technicians(include_inactive=True)
    assert_refused(admin.request(method, path, body), *fragments)
    assert stack.technicians.list_technicians(include_inactive=True) == before


@pytest.mark.parametrize("method, path, permission", [
    ("PUT", f"{TECHNICIANS}/1", "Cadastrar técnicos"),
    ("DELETE", f"{TECHNICIANS}/1", "Cadastrar técnicos"),
    ("GET", f"{TECHNICIANS}?incluir_inativos=1", "Consultar técnicos"),
])
def test_technician_routes_need_their_permission(admin: Http, stack: Container, method: str, path: str,
                                                 permission: str) -> None:
    admin.login("ana", "senha-forte-1")  # only "Consultar clientes"
    answer = admin.request(method, path, {"name": "Outro"} if method == "PUT" else None)
    assert answer.status_code == 403 and answer.json["msg"] == PERMISSION_MSG, answer.json
    assert answer.json["errors"] == [f"Permissão necessária: {permission}"]
    assert stack.technicians.get(1).active and stack.technicians.get(1).name == "Carlos"
