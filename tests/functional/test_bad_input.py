"""Bad input tried as a new user would: envelope errors, nothing stored, no 500."""
from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.container import Container
from tests.functional.conftest import Http

CUSTOMERS = "/api/v1/integracao/cliente"
VALID: dict[str, Any] = {
    "nome_razaosocial": "Maria da Silva", "cpf_cnpj": "529.982.247-25", "telefone_primario": "11987654321",
    "servicos": [{"nome": "Fibra 500MB", "valor": "99.90", "endereco_instalacao": {
        "logradouro": "Rua A", "numero": "1", "bairro": "Centro", "cidade": "Campinas", "uf": "SP",
        "cep": "13010-000"}}],
}


def with_(**changes: Any) -> dict[str, Any]:
    return {**VALID, **changes}


def assert_refused(answer: Any, *fragments: str) -> None:
    assert answer.status_code == 200, answer.body
    assert answer.json["status"] == "error", answer.json
    assert answer.json["msg"]
    text = " ".join(answer.json["errors"]) + " " + answer.json["msg"]
    for fragment in fragments:
        assert fragment in text, (fragment, answer.json)


def assert_nothing_stored(stack: Container) -> None:
    assert stack.customers.search("cpf_cnpj", "52998224725", 5) == []
    assert stack.customers.search("nome_razaosocial", "maria", 5) == []


@pytest.fixture
def admin(http: Http) -> Http:
    http.login()
    return http


@pytest.mark.parametrize("body, fragments", [
    ({}, ["nome_razaosocial é obrigatório", "cpf_cnpj é obrigatório", "telefone_primario é obrigatório"]),
    (with_(cpf_cnpj="529.982.247-24"), ["CPF ou CNPJ válido"]),
    (with_(cpf_cnpj="111.111.111-11"), ["CPF ou CNPJ válido"]),
    (with_(cpf_cnpj=52998224725.5), ["CPF ou CNPJ válido"]),
    (with_(nome_razaosocial=["lista"]), ["nome_razaosocial deve ser um texto"]),
    (with_(nome_razaosocial="x" * 151), ["não pode ser superior a 150"]),
    (with_(telefone_primario="123"), ["telefone brasileiro"]),
    (with_(email="maria"), ["e-mail válido"]),
    (with_(servicos="nenhum"), ["servicos deve ser uma lista"]),
    (with_(servicos=[{"nome": "Fibra", "valor": "abc"}]), ["servicos.0.valor", "servicos.0.endereco_instalacao"]),
    (with_(servicos=[{"nome": "Fibra", "valor": "-5", "endereco_instalacao": {"uf": "XX", "cep": "1"}}]),
     ["negativo", "sigla de um estado", "8 dígitos", "servicos.0.endereco_instalacao.cidade é obrigatório"]),
    (with_(servicos=[{"nome": "Fibra", "valor": 10, "id_perfil_suspensao": 999,
                      "endereco_instalacao": VALID["servicos"][0]["endereco_instalacao"]}]),
     ["Perfil de suspensão de ID 999 não encontrado"]),
    (with_(servicos=[{"nome": "Fibra", "valor": 10, "id_perfil_suspensao": "abc",
                      "endereco_instalacao": VALID["servicos"][0]["endereco_instalacao"]}]),
     ["id_perfil_suspensao deve ser um número inteiro"]),
])
def test_customer_input_errors_are_named_and_nothing_is_stored(admin: Http, stack: Container, body: dict[str, Any],
                                                               fragments: list[str]) -> None:
    assert_refused(admin.request("POST", CUSTOMERS, body), *fragments)
    assert_nothing_stored(stack)


@pytest.mark.parametrize("raw, content_type, fragment", [
    ("{\"nome_razaosocial\": ", "application/json", "JSON válido"),
    ("[1, 2, 3]", "application/json", "objeto"),
    ("null", "application/json", "obrigatório"),
    ("\"texto\"", "application/json", "objeto"),
    ("nome_razaosocial=Maria&cpf_cnpj=123", "application/x-www-form-urlencoded", "CPF ou CNPJ"),
    ("a" * (1024 * 1024 + 10), "text/plain", "limite"),
])
def test_garbage_bodies_are_refused_in_the_envelope(admin: Http, stack: Container, raw: str, content_type: str,
                                                    fragment: str) -> None:
    answer = admin.request("POST", CUSTOMERS, raw=raw, headers={"Content-Type": content_type})
    assert_refused(answer, fragment)
    assert_nothing_stored(stack)


def test_form_body_with_php_keys_creates_a_customer(admin: Http) -> None:
    form = ("nome_razaosocial=Maria+da+Silva&cpf_cnpj=52998224725&telefone_primario=11987654321"
            "&servicos[0][nome]=Fibra&servicos[0][valor]=99.90&servicos[0][endereco_instalacao][logradouro]=Rua+A"
            "&servicos[0][endereco_instalacao][numero]=1&servicos[0][endereco_instalacao][bairro]=Centro"
            "&servicos[0][endereco_instalacao][cidade]=Campinas&servicos[0][endereco_instalacao][uf]=sp"
            "&servicos[0][endereco_instalacao][cep]=13010000")
    answer = admin.request("POST", CUSTOMERS, raw=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.json["status"] == "success", answer.json
    service = answer.json["cliente"]["servicos"][0]
    assert service["valor"] == 99.9 and service["endereco_instalacao"]["uf"] == "SP"


def test_created_customer_has_the_contract_shape(admin: Http) -> None:
    answer = admin.request("POST", CUSTOMERS, with_(email="Maria@Example.com"))
    assert answer.json["msg"] == "Cliente cadastrado com sucesso."
    cliente = answer.json["cliente"]
    assert {"id_cliente", "codigo_cliente", "nome_razaosocial", "cpf_cnpj", "telefone_primario", "email",
            "servicos"} <= set(cliente)
    assert cliente["cpf_cnpj"] == "529.982.247-25" and cliente["email"] == "maria@example.com"
    assert {"id_cliente_servico", "nome", "valor", "status", "endereco_instalacao"} <= set(cliente["servicos"][0])
    assert cliente["servicos"][0]["status"] == "servico_habilitado"


def test_duplicate_cpf_is_refused(admin: Http) -> None:
    assert admin.request("POST", CUSTOMERS, VALID).json["status"] == "success"
    assert_refused(admin.request("POST", CUSTOMERS, with_(cpf_cnpj="52998224725", nome_razaosocial="Outra")),
                   "Já existe um cliente")


def test_search_needs_busca_and_termo(admin: Http) -> None:
    assert_refused(admin.request("GET", CUSTOMERS), "busca é obrigatório", "termo_busca é obrigatório")
    assert_refused(admin.request("GET", CUSTOMERS + "?busca=placa&termo_busca=x"), "Valores aceitos")
    assert_refused(admin.request("GET", CUSTOMERS + "?busca=mac&termo_busca=x"), "não disponível nesta instalação")
    assert_refused(admin.request("GET", CUSTOMERS + "?busca=cpf_cnpj&termo_busca=1&limit=1000"),
                   "não pode ser superior a 100")


def test_search_finds_by_each_key(admin: Http) -> None:
    created = admin.request("POST", CUSTOMERS, VALID).json["cliente"]
    for busca, termo in [("cpf_cnpj", "52998224725"), ("codigo_cliente", str(created["codigo_cliente"])),
                         ("id_cliente_servico", str(created["servicos"][0]["id_cliente_servico"])),
                         ("nome_razaosocial", "silva"), ("telefone", "(11) 98765-4321")]:
        answer = admin.request("GET", f"{CUSTOMERS}?busca={busca}&termo_busca={termo}")
        assert [c["id_cliente"] for c in answer.json["clientes"]] == [created["id_cliente"]], busca
    none = admin.request("GET", f"{CUSTOMERS}?busca=cpf_cnpj&termo_busca=11144477735").json
    assert none["status"] == "success" and none["clientes"] == []


@pytest.mark.parametrize("path, fragment", [
    ("/api/v1/integracao/cliente/999/servico", "Cliente de ID 999 não encontrado"),
    ("/api/v1/integracao/cliente/abc/servico", "id_cliente deve ser um número inteiro positivo"),
    ("/api/v1/integracao/cliente/-1/servico", "id_cliente deve ser um número inteiro positivo"),
    ("/api/v1/integracao/configuracao/usuario/999/revogar_tokens", "Usuário de ID 999 não encontrado"),
])
def test_unknown_ids_are_envelope_errors(admin: Http, path: str, fragment: str) -> None:
    body = VALID["servicos"][0]
    assert_refused(admin.request("POST", path, body), fragment)


def test_add_service_to_existing_customer(admin: Http) -> None:
    created = admin.request("POST", CUSTOMERS, VALID).json["cliente"]
    answer = admin.request("POST", f"{CUSTOMERS}/{created['id_cliente']}/servico",
                           {**VALID["servicos"][0], "nome": "TV", "valor": 49})
    assert answer.json["status"] == "success" and answer.json["servico"]["valor"] == 49
    found = admin.request("GET", f"{CUSTOMERS}?busca=cpf_cnpj&termo_busca=52998224725").json["clientes"][0]
    assert [s["nome"] for s in found["servicos"]] == ["Fibra 500MB", "TV"]


def test_user_input_errors(admin: Http) -> None:
    answer = admin.request("POST", "/api/v1/integracao/configuracao/usuario",
                           {"username": "x", "password": 12345678, "nome": "", "permissoes": ["Inventada"]})
    assert_refused(answer, "password deve ser um texto", "nome é obrigatório", "username")
    answer = admin.request("POST", "/api/v1/integracao/configuracao/usuario",
                           {"username": "tecnico1", "password": "senha-forte-1", "nome": "T", "id_tecnico": 42})
    assert_refused(answer, "Técnico de ID 42 não encontrado")
    assert [u["username"] for u in admin.request("GET", "/api/v1/integracao/configuracao/usuario").json[
        "usuarios"]] == ["admin"]


def test_technicians(admin: Http) -> None:
    assert_refused(admin.request("POST", "/api/v1/integracao/configuracao/tecnico", {"name": "", "email": "x"}),
                   "name é obrigatório", "e-mail válido")
    created = admin.request("POST", "/api/v1/integracao/configuracao/tecnico",
                            {"name": "Carlos", "email": "carlos@provedor.com.br", "telefone": "11987654321"}).json
    assert created["tecnico"] == {"id": 1, "name": "Carlos", "email": "carlos@provedor.com.br",
                                  "telefone": "11987654321", "ativo": True}
    assert_refused(admin.request("POST", "/api/v1/integracao/configuracao/tecnico",
                                 {"name": "Outro", "email": "carlos@provedor.com.br"}), "Já existe um técnico")
    listed = admin.request("GET", "/api/v1/integracao/configuracao/tecnico").json
    assert listed["tecnicos"] == [created["tecnico"]]


def test_permissions_are_listed(admin: Http) -> None:
    names = admin.request("GET", "/api/v1/integracao/configuracao/permissao").json["permissoes"]
    assert "Consultar agenda de OS" in names and "Abrir ordem de serviço" in names and "Gerenciar cartões" in names


def test_wrong_method_and_content_type_get_envelopes(admin: Http) -> None:
    answer = admin.request("DELETE", CUSTOMERS)
    assert answer.status_code == 405 and answer.json["status"] == "error"
    answer = admin.request("POST", CUSTOMERS, raw="<xml/>", headers={"Content-Type": "application/xml"})
    assert answer.status_code == 415 and answer.json["status"] == "error"


def test_unexpected_errors_are_generic_and_carry_a_correlation_id(admin: Http, stack: Container,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def search(self, *args: object) -> None:
            raise RuntimeError("segredo interno: tabela isp-customers")

    stack.customers = Broken()  # type: ignore[assignment]
    answer = admin.request("GET", f"{CUSTOMERS}?busca=cpf_cnpj&termo_busca=1",
                           headers={"X-Correlation-Id": "teste-correlacao-123"})
    assert answer.status_code == 500
    assert answer.json["status"] == "error" and "teste-correlacao-123" in answer.json["msg"]
    assert "segredo" not in json.dumps(answer.json)
    assert answer.headers["X-Correlation-Id"] == "teste-correlacao-123"
    assert "correlation_id=teste-correlacao-123" in caplog.text and "segredo interno" in caplog.text
