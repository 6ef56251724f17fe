"""Suspension profiles over HTTP: editing one (``PUT configuracao/perfil_suspensao/{id}``) with exactly one
default at all times, deleting one (refused while a service uses it or while it is the default), changing a
service's profile (``PUT cliente_servico/{id}/perfil_suspensao``) and what the customer answers show; every
refusal is the envelope's and changes nothing; each route needs its permission."""
from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.functional.billing.test_recurring_http import cpf
from tests.functional.conftest import Http
from tests.functional.test_bad_input import assert_refused
from tests.functional.test_entrypoints import hourly_event
from tests.support.http import BASE, ok

PROFILES = f"{BASE}/configuracao/perfil_suspensao"
ADDRESS = {"logradouro": "Rua A", "numero": "1", "bairro": "Centro", "cidade": "Campinas", "uf": "SP",
           "cep": "13010-000"}
SEEDS = itertools.count(1)


@pytest.fixture
def admin(http: Http) -> Http:
    http.login()
    return http


def new_profile(http: Http, description: str, warning: int, suspension: int, default: bool = False) -> int:
    return int(ok(http.request("POST", PROFILES, {"descricao": description, "dias_aviso": warning,
                                                   "dias_bloqueio": suspension, "padrao": default}))
               ["perfil_suspensao"]["id_perfil_suspensao"])


def listed(http: Http) -> dict[int, dict[str, Any]]:
    return {p["id_perfil_suspensao"]: p for p in ok(http.request("GET", PROFILES))["perfis_suspensao"]}


def customer(http: Http, *profiles: int | None) -> list[int]:
    """A new customer with one service per profile given (None: none); the services' ids."""
    services = [{"nome": "Fibra", "valor": "99.90", "endereco_instalacao": ADDRESS,
                 **({"id_perfil_suspensao": p} if p is not None else {})} for p in profiles]
    created = ok(http.request("POST", f"{BASE}/cliente", {
        "nome_razaosocial": "Maria da Silva", "cpf_cnpj": cpf(next(SEEDS)), "telefone_primario": "11987654321",
        "servicos": services}))["cliente"]
    return [s["id_cliente_servico"] for s in created["servicos"]]


def move(http: Http, service_id: int, profile_id: Any) -> Any:
    return http.request("PUT", f"{BASE}/cliente_servico/{service_id}/perfil_suspensao",
                        {"id_perfil_suspensao": profile_id})


def found_service(http: Http, service_id: int) -> dict[str, Any]:
    """The service as ``GET cliente`` (HubSoft's search, which the console reads) shows it."""
    [found] = ok(http.request("GET", f"{BASE}/cliente?busca=id_cliente_servico&termo_busca={service_id}"))["clientes"]
    return dict(next(s for s in found["servicos"] if s["id_cliente_servico"] == service_id))


# ---------------------------------------------------------------- editing a profile
def test_a_put_changes_what_it_sends_and_keeps_the_rest(admin: Http) -> None:
    profile_id = new_profile(admin, "Residencial", 3, 10)
    answer = ok(admin.request("PUT", f"{PROFILES}/{profile_id}", {"dias_bloqueio": "20", "descricao": " Casa "}))
    assert answer["msg"] == "Perfil de suspensão alterado com sucesso."
    assert answer["perfil_suspensao"] == {"id_perfil_suspensao": profile_id, "descricao": "Casa", "dias_aviso": 3,
                                          "dias_bloqueio": 20, "padrao": False, "quantidade_servicos": 0,
                                          "dias_desbloqueio_confianca": 3, "desbloqueios_confianca_mes": 1}
    assert listed(admin)[profile_id] == answer["perfil_suspensao"]


def test_there_is_always_exactly_one_default(admin: Http) -> None:
    assert [p["padrao"] for p in listed(admin).values()] == [True]  # the built-in one, id 0
    first = new_profile(admin, "Residencial", 2, 5, default=True)
    second = new_profile(admin, "Empresarial", 0, 30)
    assert {i: p["padrao"] for i, p in listed(admin).items()} == {first: True, second: False}

    ok(admin.request("PUT", f"{PROFILES}/{second}", {"padrao": True}))
    assert {i: p["padrao"] for i, p in listed(admin).items()} == {first: False, second: True}

    before = listed(admin)
    assert_refused(admin.request("PUT", f"{PROFILES}/{second}", {"padrao": False, "descricao": "Outro"}),
                   f"Escolha outro perfil como padrão (padrao: true nele) para que o perfil de suspensão {second} "
                   "(Empresarial) deixe de sê-lo: sempre há um perfil padrão.")
    assert listed(admin) == before
    ok(admin.request("PUT", f"{PROFILES}/{first}", {"padrao": "false"}))  # not the default: nothing to give up
    assert listed(admin) == before


@pytest.mark.parametrize("path, body, fragments", [
    ("{id}", {}, ["Informe ao menos um dos campos descricao, dias_aviso, dias_bloqueio, dias_desbloqueio_confianca, "
                  "desbloqueios_confianca_mes ou padrao."]),
    ("{id}", {"dias_aviso": 10}, ["O campo dias_aviso deve ser zero (sem aviso) ou menor que dias_bloqueio."]),
    ("{id}", {"dias_bloqueio": 3}, ["O campo dias_aviso deve ser zero (sem aviso) ou menor que dias_bloqueio."]),
    ("{id}", {"dias_bloqueio": 366}, ["O campo dias_bloqueio não pode ser superior a 365."]),
    ("{id}", {"dias_aviso": -1}, ["O campo dias_aviso deve ser no mínimo 0."]),
    ("{id}", {"padrao": "talvez"}, ["O campo padrao deve ser verdadeiro ou falso."]),
    ("{id}", {"descricao": "x" * 121}, ["O campo descricao não pode ser superior a 120 caracteres."]),
    ("{id}", {"nome": "Outro"}, ["Informe ao menos um dos campos"]),  # unknown fields are ignored, as anywhere
    ("0", {"descricao": "Embutido"}, ["O parâmetro id_perfil_suspensao deve ser um número inteiro positivo."]),
    ("99", {"descricao": "Outro"}, ["Perfil de suspensão de ID 99 não encontrado"]),
])
def test_bad_changes_are_refused_and_change_nothing(admin: Http, path: str, body: dict[str, Any],
                                                    fragments: list[str]) -> None:
    profile_id = new_profile(admin, "Residencial", 3, 10)
    before = listed(admin)
    assert_refused(admin.request("PUT", f"{PROFILES}/{path.format(id=profile_id)}", body), *fragments)
    assert listed(admin) == before


# ---------------------------------------------------------------- deleting a profile
def test_a_profile_in_use_or_the_default_is_not_deleted(admin: Http) -> None:
    default = new_profile(admin, "Residencial", 2, 5, default=True)
    business = new_profile(admin, "Empresarial", 0, 30)
    first, second = customer(admin, business, business)
    assert listed(admin)[business]["quantidade_servicos"] == 2
    before = listed(admin)

    assert_refused(admin.request("DELETE", f"{PROFILES}/{default}"),
                   f"O perfil de suspensão {default} (Residencial) é o padrão; escolha outro perfil como padrão "
                   "antes de excluí-lo.")
    assert_refused(admin.request("DELETE", f"{PROFILES}/{business}"),
                   f"O perfil de suspensão {business} (Empresarial) está em uso por 2 serviços; troque o perfil "
                   "deles antes de excluí-lo.")
    assert listed(admin) == before

    ok(move(admin, first, default))
    assert_refused(admin.request("DELETE", f"{PROFILES}/{business}"), "está em uso por 1 serviço; troque o "
                                                                      "perfil dele")
    ok(move(admin, second, default))
    answer = ok(admin.request("DELETE", f"{PROFILES}/{business}"))
    assert answer["msg"] == "Perfil de suspensão excluído com sucesso."
    assert [p["id_perfil_suspensao"] for p in answer["perfis_suspensao"]] == [default]
    assert answer["perfis_suspensao"][0]["quantidade_servicos"] == 2
    assert_refused(admin.request("DELETE", f"{PROFILES}/{business}"),
                   f"Perfil de suspensão de ID {business} não encontrado")
    assert_refused(move(admin, first, business), f"Perfil de suspensão de ID {business} não encontrado")


# ---------------------------------------------------------------- a service's profile
def test_changing_a_services_profile_answers_the_service(admin: Http) -> None:
    residential = new_profile(admin, "Residencial", 2, 5, default=True)
    business = new_profile(admin, "Empresarial", 0, 30)
    [service] = customer(admin, None)
    shown = found_service(admin, service)
    assert (shown["id_perfil_suspensao"], shown["status"]) == (None, "servico_habilitado")

    answer = ok(move(admin, service, str(business)))
    assert answer["msg"] == "Perfil de suspensão do serviço alterado com sucesso."
    assert answer["servico"] == {"id_cliente_servico": service, "id_cliente": shown["id_cliente"],
                                 "status": "servico_habilitado", "id_perfil_suspensao": business,
                                 "descricao_perfil_suspensao": "Empresarial"}
    shown = found_service(admin, service)
    assert (shown["id_perfil_suspensao"], shown["status"]) == (business, "servico_habilitado")
    assert {i: p["quantidade_servicos"] for i, p in listed(admin).items()} == {residential: 0, business: 1}


@pytest.mark.parametrize("service, body, fragments", [
    ("{service}", {"id_perfil_suspensao": 77}, ["Perfil de suspensão de ID 77 não encontrado"]),
    ("{service}", {"id_perfil_suspensao": 0}, ["O campo id_perfil_suspensao deve ser no mínimo 1."]),
    ("{service}", {"id_perfil_suspensao": "abc"}, ["O campo id_perfil_suspensao deve ser um número inteiro."]),
    ("{service}", {}, ["O campo id_perfil_suspensao é obrigatório."]),
    ("999", {"id_perfil_suspensao": "{profile}"}, ["Serviço de cliente de ID 999 não encontrado"]),
])
def test_bad_profile_changes_of_a_service_change_nothing(admin: Http, service: str, body: dict[str, Any],
                                                         fragments: list[str]) -> None:
    profile_id = new_profile(admin, "Empresarial", 0, 30)
    [service_id] = customer(admin, profile_id)
    before = (found_service(admin, service_id), listed(admin))
    sent = {k: v.format(profile=profile_id) if isinstance(v, str) else v for k, v in body.items()}
    answer = admin.request("PUT", f"{BASE}/cliente_servico/{service.format(service=service_id)}/perfil_suspensao",
                           sent)
    assert_refused(answer, *fragments)
    assert (found_service(admin, service_id), listed(admin)) == before


def test_a_suspended_service_stays_suspended_when_its_profile_changes(admin: Http) -> None:
    """The open invoice keeps the days it got when created; only later invoices take the new profile's."""
    quick = new_profile(admin, "Rápido", 2, 5)
    patient = new_profile(admin, "Paciente", 0, 30)
    [service] = customer(admin, quick)
    invoices = f"{BASE}/financeiro/fatura"
    first = ok(admin.request("POST", invoices, {"id_cliente_servico": service, "valor": "99.90",
                                                "data_vencimento": "2026-12-10"}))["fatura"]
    assert first["data_bloqueio"] == "2026-12-15"
    admin.client.lambda_.invoke("hourly_tick", hourly_event(admin, "2026-12-15T13:00:00Z"))
    assert found_service(admin, service)["status"] == "servico_suspenso"

    assert ok(move(admin, service, patient))["servico"]["status"] == "servico_suspenso"
    assert found_service(admin, service)["status"] == "servico_suspenso"
    [kept] = ok(admin.request("GET", f"{invoices}?id_cliente_servico={service}"))["faturas"]
    assert (kept["data_bloqueio"], kept["suspendeu_servico"]) == ("2026-12-15", True)
    later = ok(admin.request("POST", invoices, {"id_cliente_servico": service, "valor": "99.90",
                                                "data_vencimento": "2026-12-20"}))["fatura"]
    assert later["data_bloqueio"] == "2027-01-19"  # 30 days: the new profile

    ok(admin.request("POST", f"{invoices}/{first['id_fatura']}/cancelar"))
    assert found_service(admin, service)["status"] == "servico_habilitado"


# ---------------------------------------------------------------- permissions
def user_with(http: Http, username: str, *permissions: str) -> None:
    http.login()
    ok(http.request("POST", f"{BASE}/configuracao/usuario", {
        "username": username, "password": "senha-forte-1", "nome": username, "permissoes": list(permissions)}))
    http.login(username, "senha-forte-1")


def test_profiles_need_gerenciar_faturas_and_a_services_profile_cadastrar_clientes(http: Http) -> None:
    http.login()
    profile_id = new_profile(http, "Empresarial", 0, 30)
    other = new_profile(http, "Outro", 0, 10)
    [service] = customer(http, None)

    user_with(http, "faturas", "Gerenciar faturas", "Consultar faturas")
    ok(http.request("PUT", f"{PROFILES}/{profile_id}", {"descricao": "Empresas"}))
    denied = move(http, service, profile_id)
    assert denied.status_code == 403 and denied.json["msg"] == "O Usuário não possui a permissão desejada!"

    user_with(http, "cadastro", "Cadastrar clientes")
    ok(move(http, service, profile_id))
    for method, body in (("PUT", {"descricao": "Outro nome"}), ("DELETE", None)):
        denied = http.request(method, f"{PROFILES}/{other}", body)
        assert denied.status_code == 403, (method, denied.json)
    http.login()
    assert listed(http)[other]["descricao"] == "Outro"
    assert found_service(http, service)["id_perfil_suspensao"] == profile_id
