"""Agenda configuration (``configuracao/agenda_ordem_servico``) as an operator uses it, through the Chalice app."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.container import Container
from tests.functional.conftest import Http
from tests.functional.test_bad_input import assert_refused
from tests.support.http import ok

AGENDAS = "/api/v1/integracao/configuracao/agenda_ordem_servico"
USERS = "/api/v1/integracao/configuracao/usuario"
PERMISSION_MSG = "O Usuário não possui a permissão desejada!"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

VALID: dict[str, Any] = {
    "descricao": "Instalações Campinas", "ativo": True,
    "cidades": [{"cidade": "Campinas", "uf": "SP"}],
    "tecnicos": [{"id": 1}],
    "horarios": [{"dias_semana": ["segunda", "terca", "quarta", "quinta", "sexta"],
                  "hora_inicio": "08:00:00", "hora_termino": "12:00:00", "duracao_minutos": 60, "capacidade": 2}],
    "limite_diario": 10,
    "datas_bloqueadas": ["2026-12-31", "2026-12-24"],
    "bloquear_feriados_nacionais": True,
}
WINDOW = VALID["horarios"][0]


def with_(**changes: Any) -> dict[str, Any]:
    return {**VALID, **changes}


def window(**changes: Any) -> dict[str, Any]:
    return {**WINDOW, **changes}


@pytest.fixture
def admin(http: Http) -> Http:
    http.login()
    created = http.request("POST", "/api/v1/integracao/configuracao/tecnico",
                           {"name": "Carlos", "email": "carlos@provedor.com.br"}).json
    assert created["tecnico"]["id"] == 1, created
    return http


def listed(http: Http, query: str = "") -> list[dict[str, Any]]:
    answer = http.request("GET", AGENDAS + query)
    assert answer.status_code == 200 and answer.json["status"] == "success", answer.json
    return list(answer.json["agendas_ordem_servico"])


def create(http: Http, body: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = http.request("POST", AGENDAS, VALID if body is None else body)
    assert answer.json["status"] == "success", answer.json
    return dict(answer.json["agenda_ordem_servico"])


# ------------------------------------------------------------------ create
def test_create_with_json_answers_the_full_shape(admin: Http, stack: Container) -> None:
    answer = admin.request("POST", AGENDAS, VALID)
    assert answer.status_code == 200
    assert answer.json["msg"] == "Agenda cadastrada com sucesso."
    assert answer.json["agenda_ordem_servico"] == {
        "id_agenda_ordem_servico": 1,
        "descricao": "Instalações Campinas",
        "ativo": True,
        "cidades": [{"cidade": "Campinas", "uf": "SP"}],
        "tecnicos": [{"id": 1, "name": "Carlos"}],
        "horarios": [{"dias_semana": ["segunda", "terca", "quarta", "quinta", "sexta"],
                      "hora_inicio": "08:00:00", "hora_termino": "12:00:00", "duracao_minutos": 60,
                      "capacidade": 2}],
        "limite_diario": 10,
        "datas_bloqueadas": ["2026-12-24", "2026-12-31"],
        "bloquear_feriados_nacionais": True,
    }
    assert stack.agendas.get(1).technician_ids == (1,)


def test_create_with_only_the_required_fields_uses_the_defaults(admin: Http) -> None:
    created = create(admin, {"descricao": "Reparos", "horarios": [window(hora_inicio="13:00", hora_termino="18:00")]})
    assert created == {
        "id_agenda_ordem_servico": 1, "descricao": "Reparos", "ativo": True, "cidades": [], "tecnicos": [],
        "horarios": [{**WINDOW, "hora_inicio": "13:00:00", "hora_termino": "18:00:00"}],
        "limite_diario": None, "datas_bloqueadas": [], "bloquear_feriados_nacionais": False,
    }


def test_create_with_a_form_body_and_php_style_keys(admin: Http) -> None:
    form = ("descricao=Instala%C3%A7%C3%B5es+Campinas&ativo=true"
            "&cidades[0][cidade]=Campinas&cidades[0][uf]=sp"
            "&tecnicos[0][id]=1"
            "&horarios[0][dias_semana][0]=segunda&horarios[0][dias_semana][1]=quarta"
            "&horarios[0][hora_inicio]=08:00&horarios[0][hora_termino]=12:00"
            "&horarios[0][duracao_minutos]=30&horarios[0][capacidade]=3"
            "&horarios[1][dias_semana]=sabado"
            "&horarios[1][hora_inicio]=08:00:00&horarios[1][hora_termino]=10:00:00"
            "&horarios[1][duracao_minutos]=60&horarios[1][capacidade]=1"
            "&limite_diario=&datas_bloqueadas[]=2026-12-24&bloquear_feriados_nacionais=sim")
    answer = admin.request("POST", AGENDAS, raw=form, headers=FORM)
    assert answer.json["status"] == "success", answer.json
    agenda = answer.json["agenda_ordem_servico"]
    assert agenda["cidades"] == [{"cidade": "Campinas", "uf": "SP"}]
    assert agenda["tecnicos"] == [{"id": 1, "name": "Carlos"}]
    assert agenda["horarios"] == [
        {"dias_semana": ["segunda", "quarta"], "hora_inicio": "08:00:00", "hora_termino": "12:00:00",
         "duracao_minutos": 30, "capacidade": 3},
        {"dias_semana": ["sabado"], "hora_inicio": "08:00:00", "hora_termino": "10:00:00",
         "duracao_minutos": 60, "capacidade": 1},
    ]
    assert agenda["limite_diario"] is None and agenda["datas_bloqueadas"] == ["2026-12-24"]
    assert agenda["bloquear_feriados_nacionais"] is True


def test_lenient_shapes_ids_as_strings_indexed_maps_and_comma_weekdays(admin: Http) -> None:
    created = create(admin, with_(
        tecnicos={"0": {"id": "1"}, "1": {"id": 1}},
        horarios={"0": window(dias_semana="Segunda-feira, TERÇA,sábado", duracao_minutos="60", capacidade="2")},
        datas_bloqueadas="2026-12-24,2026-12-31", limite_diario=None, ativo="false",
        cidades=[{"cidade": "São Paulo", "uf": "SP"}, {"cidade": "SAO PAULO", "uf": "sp"}],
    ))
    assert created["tecnicos"] == [{"id": 1, "name": "Carlos"}]
    assert created["horarios"][0]["dias_semana"] == ["segunda", "terca", "sabado"]
    assert created["datas_bloqueadas"] == ["2026-12-24", "2026-12-31"]
    assert created["limite_diario"] is None and created["ativo"] is False
    assert created["cidades"] == [{"cidade": "São Paulo", "uf": "SP"}]


# ------------------------------------------------------------ read, replace, deactivate
def test_list_get_replace_and_deactivate(admin: Http) -> None:
    first = create(admin)
    second = create(admin, with_(descricao="Reparos", tecnicos=[], cidades=[]))
    assert listed(admin) == [first, second]
    assert admin.request("GET", AGENDAS).json["msg"] == "Agendas consultadas com sucesso."

    got = admin.request("GET", f"{AGENDAS}/{first['id_agenda_ordem_servico']}").json
    assert got["status"] == "success" and got["agenda_ordem_servico"] == first

    replaced = admin.request("PUT", f"{AGENDAS}/1", with_(
        descricao="Instalações Campinas e Valinhos", cidades=[*VALID["cidades"], {"cidade": "Valinhos", "uf": "SP"}],
        horarios=[WINDOW, window(dias_semana=["sabado"], hora_termino="10:00:00")], limite_diario=None)).json
    assert replaced["msg"] == "Agenda atualizada com sucesso.", replaced
    agenda = replaced["agenda_ordem_servico"]
    assert agenda["id_agenda_ordem_servico"] == 1 and agenda["descricao"] == "Instalações Campinas e Valinhos"
    assert len(agenda["cidades"]) == 2 and len(agenda["horarios"]) == 2 and agenda["limite_diario"] is None
    assert admin.request("GET", f"{AGENDAS}/1").json["agenda_ordem_servico"] == agenda

    deactivated = admin.request("DELETE", f"{AGENDAS}/1").json
    assert deactivated["msg"] == "Agenda desativada com sucesso."
    assert deactivated["agenda_ordem_servico"] == {**agenda, "ativo": False}
    assert [a["id_agenda_ordem_servico"] for a in listed(admin, "?ativo=true")] == [2]
    assert [a["id_agenda_ordem_servico"] for a in listed(admin, "?ativo=false")] == [1]
    assert [a["id_agenda_ordem_servico"] for a in listed(admin)] == [1, 2]

    reactivated = admin.request("PUT", f"{AGENDAS}/1", with_(ativo=True)).json
    assert reactivated["agenda_ordem_servico"]["ativo"] is True


def test_empty_list_is_a_success(admin: Http) -> None:
    answer = admin.request("GET", AGENDAS).json
    assert answer["status"] == "success" and answer["agendas_ordem_servico"] == []
    assert_refused(admin.request("GET", AGENDAS + "?ativo=talvez"), "ativo deve ser verdadeiro ou falso")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_unknown_or_bad_ids_are_envelope_errors(admin: Http, method: str) -> None:
    assert_refused(admin.request(method, f"{AGENDAS}/999", VALID),
                   "Agenda de ordem de serviço de ID 999 não encontrada")
    for bad in ("abc", "0", "-1"):
        assert_refused(admin.request(method, f"{AGENDAS}/{bad}", VALID),
                       "id_agenda_ordem_servico deve ser um número inteiro positivo")


# --------------------------------------------------------------- refusals
@pytest.mark.parametrize("body, fragments", [
    ({}, ["descricao é obrigatório", "horarios é obrigatório"]),
    (with_(horarios=None), ["horarios é obrigatório"]),
    (with_(horarios=[]), ["horarios deve ter ao menos um item"]),
    (with_(horarios="todo dia"), ["horarios deve ser uma lista"]),
    (with_(horarios=[window(dias_semana=["segunda", "feriado", "dom"])]),
     ["horarios.0.dias_semana tem dia da semana inválido (feriado, dom)", "domingo, segunda, terca"]),
    (with_(horarios=[window(dias_semana=[])]), ["horarios.0.dias_semana deve ter ao menos um dia"]),
    (with_(horarios=[window(hora_inicio="8h")]), ["horarios.0.hora_inicio deve ser um horário no formato HH:MM:SS"]),
    (with_(horarios=[window(hora_termino="25:00")]), ["horarios.0.hora_termino deve ser um horário"]),
    (with_(horarios=[window(hora_inicio="08:00:30")]), ["horarios.0.hora_inicio deve ter segundos 00"]),
    (with_(horarios=[window(hora_inicio="12:00", hora_termino="08:00")]),
     ["horarios.0.hora_termino deve ser posterior a hora_inicio"]),
    (with_(horarios=[window(hora_termino="11:30")]), ["horarios.0 não é múltiplo de duracao_minutos (60)"]),
    (with_(horarios=[WINDOW, window(dias_semana=["sexta", "sabado"], hora_inicio="11:00", hora_termino="13:00")]),
     ["Os horários de sexta se sobrepõem (08:00–12:00 e 11:00–13:00)"]),
    (with_(horarios=[window(capacidade=0)]), ["horarios.0.capacidade deve ser no mínimo 1"]),
    (with_(horarios=[window(capacidade=1001)]), ["horarios.0.capacidade não pode ser superior a 1000"]),
    (with_(horarios=[window(duracao_minutos=10)]), ["horarios.0.duracao_minutos deve ser no mínimo 15"]),
    (with_(horarios=[window(duracao_minutos="uma hora")]),
     ["horarios.0.duracao_minutos deve ser um número inteiro"]),
    (with_(horarios=[window(capacidade=None, hora_inicio=None)]),
     ["horarios.0.capacidade é obrigatório", "horarios.0.hora_inicio é obrigatório"]),
    (with_(tecnicos=[{"id": 42}]), ["Técnico de ID 42 não encontrado"]),
    (with_(tecnicos=[{"id": "abc"}, 5]), ["tecnicos.0.id deve ser um número inteiro", "tecnicos.1 deve ser um objeto"]),
    (with_(cidades=[{"cidade": "Campinas", "uf": "XX"}]), ["cidades.0.uf deve ser a sigla de um estado brasileiro"]),
    (with_(cidades=[{"uf": "SP"}]), ["cidades.0.cidade é obrigatório"]),
    (with_(limite_diario=0), ["limite_diario deve ser no mínimo 1"]),
    (with_(datas_bloqueadas=["24/12/2026", "2026-02-30", "2026-W52-4"]),
     ["datas_bloqueadas.0 deve ser uma data", "datas_bloqueadas.1 deve ser uma data",
      "datas_bloqueadas.2 deve ser uma data"]),
    (with_(descricao="   "), ["descricao é obrigatório"]),
    (with_(descricao="x" * 151), ["descricao não pode ser superior a 150"]),
    (with_(ativo="talvez"), ["ativo deve ser verdadeiro ou falso"]),
])
def test_every_refusal_is_named_and_nothing_is_stored(admin: Http, body: dict[str, Any],
                                                      fragments: list[str]) -> None:
    assert_refused(admin.request("POST", AGENDAS, body), *fragments)
    assert listed(admin) == []


def test_format_and_rule_errors_come_in_one_envelope_once_per_field(admin: Http) -> None:
    answer = admin.request("POST", AGENDAS, with_(
        descricao="",
        cidades=[{"cidade": "Campinas", "uf": "XX"}],
        tecnicos=[{"id": 42}],
        horarios=[WINDOW, window(hora_inicio="11:00", hora_termino="13:00"), window(hora_inicio="x"),
                  window(hora_inicio="14:00", hora_termino="15:30")],
    ))
    assert_refused(answer)
    assert answer.json["msg"] == "Favor preencher os campos obrigatórios de acordo com as especificações"
    assert answer.json["errors"] == [
        "O campo descricao é obrigatório.",
        "O campo cidades.0.uf deve ser a sigla de um estado brasileiro.",
        "O campo horarios.2.hora_inicio deve ser um horário no formato HH:MM:SS.",
        "O horário horarios.3 não é múltiplo de duracao_minutos (60).",
        "Os horários de segunda, terca, quarta, quinta e sexta se sobrepõem (08:00–12:00 e 11:00–13:00).",
        "Técnico de ID 42 não encontrado.",
    ]
    assert listed(admin) == []


def test_an_inactive_technician_stays_on_its_agenda_but_joins_no_other(admin: Http) -> None:
    # GIVEN agenda 1 served by Carlos (1), who is then deactivated
    created = create(admin)
    ok(admin.request("DELETE", "/api/v1/integracao/configuracao/tecnico/1"))
    inactive = "O técnico Carlos (ID 1) está inativo e não pode ser adicionado a agendas, OS ou usuários."
    # THEN no other agenda takes him, and nothing is stored
    assert_refused(admin.request("POST", AGENDAS, with_(descricao="Reparos")), inactive)
    assert listed(admin) == [created]
    # but agenda 1 keeps him, by name, through a replace, even one with other errors
    answer = admin.request("PUT", f"{AGENDAS}/1", with_(descricao="", limite_diario=5))
    assert answer.json["errors"] == ["O campo descricao é obrigatório."]
    replaced = ok(admin.request("PUT", f"{AGENDAS}/1", with_(limite_diario=5)))["agenda_ordem_servico"]
    assert replaced["tecnicos"] == [{"id": 1, "name": "Carlos"}] and replaced["limite_diario"] == 5
    # and once taken off, he cannot come back while inactive
    ok(admin.request("PUT", f"{AGENDAS}/1", with_(tecnicos=[])))
    assert_refused(admin.request("PUT", f"{AGENDAS}/1", VALID), inactive)


def test_a_refused_replace_changes_nothing(admin: Http) -> None:
    created = create(admin)
    assert_refused(admin.request("PUT", f"{AGENDAS}/1", with_(descricao="Nova", horarios=[window(capacidade=0)])),
                   "capacidade deve ser no mínimo 1")
    assert_refused(admin.request("PUT", f"{AGENDAS}/1", with_(descricao="Nova", tecnicos=[{"id": 7}])),
                   "Técnico de ID 7 não encontrado")
    assert listed(admin) == [created]


# -------------------------------------------------------------- permissions
def user(http: Http, username: str, permissions: list[str]) -> None:
    created = http.request("POST", USERS, {"username": username, "password": "senha-forte-1", "nome": username,
                                           "permissoes": permissions})
    assert created.json["status"] == "success", created.json
    http.login(username, "senha-forte-1")


@pytest.mark.parametrize("method, path", [
    ("POST", AGENDAS), ("GET", AGENDAS), ("GET", f"{AGENDAS}/1"), ("PUT", f"{AGENDAS}/1"),
    ("DELETE", f"{AGENDAS}/1"),
])
def test_a_user_without_permission_gets_403(admin: Http, method: str, path: str) -> None:
    create(admin)
    user(admin, "sem.permissao", ["Consultar clientes"])
    answer = admin.request(method, path, VALID)
    assert answer.status_code == 403 and answer.json["msg"] == PERMISSION_MSG, answer.json


def test_consulting_does_not_allow_configuring(admin: Http) -> None:
    created = create(admin)
    user(admin, "consulta.agenda", ["Consultar agenda de OS"])
    assert listed(admin) == [created]
    assert admin.request("GET", f"{AGENDAS}/1").json["agenda_ordem_servico"] == created
    for method, path in [("POST", AGENDAS), ("PUT", f"{AGENDAS}/1"), ("DELETE", f"{AGENDAS}/1")]:
        assert admin.request(method, path, VALID).status_code == 403, (method, path)


def test_configuring_needs_its_own_permission(admin: Http) -> None:
    user(admin, "config.agenda", ["Configurar agendas de OS"])
    assert create(admin)["id_agenda_ordem_servico"] == 1
    assert admin.request("PUT", f"{AGENDAS}/1", with_(descricao="Outra")).json["status"] == "success"
    assert admin.request("DELETE", f"{AGENDAS}/1").json["status"] == "success"
    assert admin.request("GET", AGENDAS).status_code == 403
