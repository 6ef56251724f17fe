"""The write side of HubSoft's OS API (atendimento, ordem_servico/*) as HubSoft
clients call it, through the Chalice app: exact shapes, lenient input, and
refusals that change nothing (no OS, counter, ticket or outbox row)."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.container import Container
from chalicelib.storage.agendas import DynamoAgendaStore
from chalicelib.storage.models import OrderTableItem, OutboxItem, TicketItem
from tests.conftest import MutableClock
from tests.functional.conftest import Http
from tests.functional.test_bad_input import assert_refused
from tests.support.http import BASE, ok

ORDERS = f"{BASE}/ordem_servico"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PERMISSION_MSG = "O Usuário não possui a permissão desejada!"
MONDAY = "2026-12-14"
CLOSED = "2026-12-15"  # datas_bloqueadas of the Campinas agenda
ADDRESS = {"logradouro": "Rua A", "numero": "1", "bairro": "Centro", "cidade": "Campinas", "uf": "SP",
           "cep": "13010-000"}
AGENDA: dict[str, Any] = {
    "descricao": "Instalações Campinas", "cidades": [{"cidade": "Campinas", "uf": "SP"}], "tecnicos": [{"id": 1}],
    "horarios": [{"dias_semana": ["segunda", "terca", "quarta", "quinta", "sexta"], "hora_inicio": "08:00:00",
                  "hora_termino": "12:00:00", "duracao_minutos": 60, "capacidade": 2}],
    "limite_diario": 3, "datas_bloqueadas": [CLOSED],
}
ADDRESS_TEXT = "Rua A, 1 - Centro, Campinas/SP | CEP: 13010-000"


@pytest.fixture
def admin(http: Http) -> Http:
    """Technicians 1 (Carlos) and 2 (Ana); customer 1 with service 1 in Campinas and service 2 in
    Valinhos; agenda 1 (Campinas, weekdays 08–12, 2 places an hour, 3 a day, 15/12 closed)
    and agenda 2 (any city, inactive)."""
    http.login()
    for name in ("Carlos", "Ana"):
        ok(http.request("POST", f"{BASE}/configuracao/tecnico", {"name": name, "email": f"{name}@isp.com.br"}))
    ok(http.request("POST", f"{BASE}/cliente", {
        "nome_razaosocial": "Maria da Silva", "cpf_cnpj": "529.982.247-25", "telefone_primario": "11987654321",
        "servicos": [{"nome": "Fibra 500MB", "valor": "99.90", "endereco_instalacao": ADDRESS}]}))
    ok(http.request("POST", f"{BASE}/cliente/1/servico", {
        "nome": "Fibra 1GB", "valor": "149.90", "endereco_instalacao": {**ADDRESS, "cidade": "Valinhos"}}))
    ok(http.request("POST", f"{BASE}/configuracao/agenda_ordem_servico", AGENDA))
    ok(http.request("POST", f"{BASE}/configuracao/agenda_ordem_servico",
                    {**AGENDA, "descricao": "Reparos", "cidades": [], "ativo": False, "limite_diario": None}))
    return http


def ticket_body(**changes: Any) -> dict[str, Any]:
    return {"id_cliente_servico": 1, "descricao": "Cliente sem conexão", "nome": "Maria",
            "telefone": "11987654321", **changes}


def scheduled(hour: int, day: str = MONDAY, hours: int = 1, **extra: Any) -> dict[str, Any]:
    return {"id_agenda_ordem_servico": 1, "data_inicio_programado": day, "hora_inicio_programado": f"{hour:02d}:00:00",
            "data_termino_programado": day, "hora_termino_programado": f"{hour + hours:02d}:00:00", **extra}


def open_os(http: Http, hour: int | None = 9, **params: Any) -> int:
    """An OS opened with its ticket (agenda 1 at ``hour`` on Monday; no agenda when hour is None)."""
    order = scheduled(hour, **params) if hour is not None else params
    answer = ok(http.request("POST", f"{BASE}/atendimento", ticket_body(abrir_os=True,
                                                                      parametros_ordem_servico=order)))
    return int(answer["atendimento"]["ordens_servico"][0]["id_ordem_servico"])


def counters(agenda_id: int = 1, day: str = MONDAY) -> dict[str, int]:
    first = date.fromisoformat(day)
    return {k: v for k, v in DynamoAgendaStore().booked(agenda_id, first, first).items() if v}


def outbox() -> list[dict[str, Any]]:
    return [json.loads(i.body) for i in OutboxItem.query("OUTBOX") if isinstance(i, OutboxItem)]


def snapshot() -> tuple[Any, ...]:
    """Everything a refusal must leave as it was: every row of the service_orders table
    (OS with their versions, tickets, messages, outbox) and the agendas' counters."""
    rows = sorted((i.pk, i.sk, getattr(i, "version", None), getattr(i, "status", None))
                  for i in OrderTableItem.scan())
    return rows, counters(1), counters(1, CLOSED), counters(2), len(outbox())


def user(http: Http, username: str, permissions: list[str], technician: int | None = None) -> None:
    body: dict[str, Any] = {"username": username, "password": "senha-forte-1", "nome": username,
                            "permissoes": permissions}
    if technician is not None:
        body["id_tecnico"] = technician
    ok(http.request("POST", f"{BASE}/configuracao/usuario", body))
    http.login(username, "senha-forte-1")


# ---------------------------------------------------------------- atendimento
def test_ticket_without_os(admin: Http, stack: Container) -> None:
    answer = ok(admin.request("POST", f"{BASE}/atendimento", ticket_body(email="Maria@Email.com")))
    assert answer["msg"] == "Atendimento aberto com sucesso. Anote o protocolo: 20261210000001"
    assert answer["atendimento"] == {
        "id_atendimento": 1, "protocolo": "20261210000001", "descricao_abertura": "Cliente sem conexão",
        "descricao_fechamento": None, "tipo_atendimento": "SAC", "usuario_abertura": "admin",
        "usuario_responsavel": "Administrador", "usuario_fechamento": None, "data_cadastro": "10/12/2026",
        "data_fechamento": None, "setor_responsavel": None, "status_fechamento": None, "motivo_fechamento": None,
        "status": "Pendente",
        "cliente": {"codigo_cliente": 1, "nome_razaosocial": "Maria da Silva", "cpf_cnpj": "529.982.247-25"},
        "servico": {"id_cliente_servico": "1", "numero_plano": 1, "nome": "Fibra 500MB", "valor": 99.9,
                    "status": "Serviço Habilitado", "status_prefixo": "servico_habilitado"},
        "ordens_servico": [],
        "id_cliente_servico": 1, "id_cliente": 1, "id_tipo_atendimento": 1, "id_atendimento_status": 1,
        "id_usuario_responsavel": 1, "nome": "Maria", "telefone": "11987654321", "email": "maria@email.com",
        "parametros": {},
    }
    assert stack.service_orders.ticket(1).protocol == "20261210000001"
    assert outbox() == []


def test_ticket_with_os_in_shape_1(admin: Http, stack: Container) -> None:
    answer = ok(admin.request("POST", f"{BASE}/atendimento", ticket_body(
        abrir_os=True, parametros_ordem_servico=scheduled(9, ids_tecnicos=["1"], status="pendente",
                                                           prioridade="alta"))))
    assert answer["atendimento"]["ordens_servico"] == [{
        "id_ordem_servico": 1, "numero_ordem_servico": "1", "id_tipo_ordem_servico": 1, "tipo": "ABERTURA VIA API",
        "status": "pendente", "status_fechamento": None, "prioridade": "alta",
        "data_cadastro": "10/12/2026 10:00:00",
        "data_inicio_programado": "14/12/2026 09:00:00", "data_termino_programado": "14/12/2026 10:00:00",
        "data_inicio_executado": None, "data_termino_executado": None,
        "descricao_abertura": "Cliente sem conexão", "descricao_servico": "O.S aberta via API.",
        "descricao_fechamento": None, "usuario_abertura": "admin", "usuario_fechamento": None,
        "id_agenda_ordem_servico": 1, "disponibilidade": ["manha", "tarde"],
        "tecnicos": [{"id": 1, "name": "Carlos"}],
        "atendimento": {"id_atendimento": 1, "protocolo": "20261210000001", "tipo_atendimento": "SAC",
                        "usuario_abertura": "admin"},
        "cliente": {"codigo_cliente": 1, "nome_razaosocial": "Maria da Silva", "cpf_cnpj": "529.982.247-25"},
        "servico": {"id_cliente_servico": 1, "numero_plano": 1, "nome": "Fibra 500MB", "valor": 99.9,
                    "status": "Serviço Habilitado", "status_prefixo": "servico_habilitado"},
    }]
    assert counters() == {f"{MONDAY}#09:00": 1, f"{MONDAY}#DIA": 1}
    assert [e["type"] for e in outbox()] == ["os_agendada"]
    assert stack.service_orders.get(1).ticket_id == 1


def test_query_string_false_does_not_open_the_os(admin: Http) -> None:
    answer = ok(admin.request("POST", f"{BASE}/atendimento?abrir_os=false",
                              ticket_body(parametros_ordem_servico=scheduled(9))))
    assert answer["atendimento"]["ordens_servico"] == [] and counters() == {}


@pytest.mark.parametrize("params, fragment", [
    (scheduled(11, hours=2), "fora dos horários de atendimento"),
    (scheduled(9, day=CLOSED), "A data 15/12/2026 está bloqueada"),
    ({**scheduled(9), "id_agenda_ordem_servico": 2}, "A agenda Reparos está inativa"),
    ({**scheduled(9), "id_agenda_ordem_servico": 9}, "Agenda de ordem de serviço de ID 9 não encontrada"),
    ({**scheduled(9), "ids_tecnicos": "1,7"}, "Técnico de ID 7 não encontrado"),
    ({**scheduled(9), "id_tipo_ordem_servico": 99}, "Tipo de ordem de serviço de ID 99 não encontrado"),
])
def test_a_refused_os_stores_no_ticket(admin: Http, params: dict[str, Any], fragment: str) -> None:
    before = snapshot()
    assert_refused(admin.request("POST", f"{BASE}/atendimento",
                                 ticket_body(abrir_os=True, parametros_ordem_servico=params)), fragment)
    assert snapshot() == before


def test_a_full_slot_refuses_the_ticket_and_its_os(admin: Http) -> None:
    open_os(admin, 9)
    open_os(admin, 9)
    before = snapshot()
    assert tickets() == 2
    assert_refused(admin.request("POST", f"{BASE}/atendimento", ticket_body(
        abrir_os=True, parametros_ordem_servico=scheduled(9))), "O horário das 09:00 de 14/12/2026",
        "está lotado")
    assert snapshot() == before and tickets() == 2


def tickets() -> int:
    return sum(1 for i in OrderTableItem.scan() if isinstance(i, TicketItem))


@pytest.mark.parametrize("body, fragments", [
    ({}, ["id_cliente_servico é obrigatório", "descricao é obrigatório", "nome é obrigatório",
          "telefone é obrigatório"]),
    (ticket_body(telefone="123"), ["telefone deve ser um telefone com DDD"]),
    (ticket_body(id_cliente_servico=99), ["Serviço de cliente de ID 99 não encontrado"]),
    (ticket_body(id_tipo_atendimento=42), ["Tipo de atendimento de ID 42 não encontrado"]),
    (ticket_body(id_tipo_atendimento=4, abrir_os=True), ["FINANCEIRO não permite abrir ordem de serviço"]),
    (ticket_body(abrir_os="talvez"), ["abrir_os deve ser verdadeiro ou falso"]),
])
def test_ticket_refusals(admin: Http, body: dict[str, Any], fragments: list[str]) -> None:
    before = snapshot()
    assert_refused(admin.request("POST", f"{BASE}/atendimento", body), *fragments)
    assert snapshot() == before


def test_ticket_fields_in_the_query_string_and_abrir_os_as_json_bool(admin: Http) -> None:
    """As a cancellation bot sends it: the ticket in query params, the boolean in the JSON body."""
    query = ("id_cliente_servico=1&descricao=Cancelamento&nome=Maria&telefone=%2811%29%2098765-4321"
             "&id_tipo_atendimento=2&id_usuario_responsavel=7&id_atendimento_status=1")
    answer = ok(admin.request("POST", f"{BASE}/atendimento?{query}", {
        "abrir_os": True, "parametros_ordem_servico": {"ids_tecnicos": ["2"]}}))
    ticket = answer["atendimento"]
    assert (ticket["telefone"], ticket["tipo_atendimento"]) == ("11987654321", "SUPORTE TÉCNICO")
    assert [o["tecnicos"] for o in ticket["ordens_servico"]] == [[{"id": 2, "name": "Ana"}]]
    assert ticket["ordens_servico"][0]["data_inicio_programado"] == "10/12/2026 11:00:00"  # HubSoft: now + 1 h


def test_a_ticket_type_that_does_not_open_orders(admin: Http) -> None:
    ok(admin.request("POST", f"{BASE}/atendimento", ticket_body(id_tipo_atendimento=4)))
    before = snapshot()
    assert_refused(admin.request("POST", f"{ORDERS}/abrir_os?id_atendimento=1"),
                   "O tipo de atendimento FINANCEIRO não permite abrir ordem de serviço")
    assert snapshot() == before


# ------------------------------------------------------------------- abrir_os
def test_abrir_os_as_a_form_with_the_ticket_in_the_query_string(admin: Http, stack: Container) -> None:
    ok(admin.request("POST", f"{BASE}/atendimento", ticket_body()))
    form = ("id_agenda_ordem_servico=1&data_inicio_programado=2026-12-14&hora_inicio_programado=08:30:00"
            "&duracao=01:30:00&tecnicos[0][id]=1&tecnicos[1][id]=2&disponibilidade[0]=manha&status=pendente")
    answer = ok(admin.request("POST", f"{ORDERS}/abrir_os?id_atendimento=1", raw=form, headers=FORM))
    assert answer["msg"] == "Ordem de Serviço adicionada com sucesso"
    assert answer["ordem_servico"] == {
        "id_ordem_servico": 1, "id_atendimento": 1, "id_tipo_ordem_servico": 1,
        "tipo_ordem_servico": {"id_tipo_ordem_servico": 1, "descricao": "ABERTURA VIA API"},
        "numero_ordem_servico": "1", "descricao_abertura": "Cliente sem conexão",
        "descricao_servico": "O.S aberta via API.", "status": "pendente", "prioridade": "normal",
        "data_cadastro": "2026-12-10 10:00:00",
        "data_inicio_programado": "2026-12-14 08:30:00", "data_termino_programado": "2026-12-14 10:00:00",
        "id_agenda_ordem_servico": 1, "disponibilidade": ["manha"],
        "tecnicos": [{"id": 1, "name": "Carlos"}, {"id": 2, "name": "Ana"}],
        "cliente_servico": {"display": "(1) Fibra 500MB", "id_cliente_servico": 1, "cliente": {
            "id_cliente": 1, "codigo_cliente": 1, "nome_razaosocial": "Maria da Silva",
            "display": "(1) Maria da Silva"}},
    }
    assert counters() == {f"{MONDAY}#08:00": 1, f"{MONDAY}#09:00": 1, f"{MONDAY}#DIA": 1}


def test_abrir_os_json_with_indexed_objects_and_string_ids(admin: Http) -> None:
    ok(admin.request("POST", f"{BASE}/atendimento", ticket_body()))
    answer = ok(admin.request("POST", f"{ORDERS}/abrir_os?id_atendimento=1", {
        **scheduled(10), "id_agenda_ordem_servico": "1", "tecnicos": {"0": {"id": "2"}},
        "disponibilidade": {"0": "tarde", "1": "noite"}, "id_tipo_ordem_servico": "2"}))
    order = answer["ordem_servico"]
    assert order["tecnicos"] == [{"id": 2, "name": "Ana"}] and order["disponibilidade"] == ["tarde", "noite"]
    assert order["tipo_ordem_servico"] == {"id_tipo_ordem_servico": 2, "descricao": "INSTALAÇÃO"}


def test_abrir_os_defaults_without_agenda_take_no_agenda_place(admin: Http, stack: Container) -> None:
    ok(admin.request("POST", f"{BASE}/atendimento", ticket_body()))
    order = ok(admin.request("POST", f"{ORDERS}/abrir_os?id_atendimento=1"))["ordem_servico"]
    assert (order["status"], order["prioridade"], order["descricao_servico"], order["tipo_ordem_servico"]) == (
        "aguardando_agendamento", "normal", "O.S aberta via API.",
        {"id_tipo_ordem_servico": 1, "descricao": "ABERTURA VIA API"})
    # HubSoft's defaults (today, now + 1 h, lasting 1 h; the clock is 10:00 in São Paulo), no agenda
    assert (order["data_inicio_programado"], order["data_termino_programado"]) == (
        "2026-12-10 11:00:00", "2026-12-10 12:00:00")
    assert order["id_agenda_ordem_servico"] is None
    assert order["tecnicos"] == [] and order["disponibilidade"] == ["manha", "tarde"]
    assert counters() == {} and outbox() == []


def test_abrir_os_with_agenda_and_no_dates_is_now_plus_one_hour_for_one_hour(admin: Http,
                                                                            clock: MutableClock) -> None:
    clock.now = datetime(2026, 12, 14, 12, 20, 45, tzinfo=UTC)  # 09:20:45 in São Paulo
    admin.login()  # days later: the first login's access token (an hour) is gone
    ok(admin.request("POST", f"{BASE}/atendimento", ticket_body()))
    order = ok(admin.request("POST", f"{ORDERS}/abrir_os?id_atendimento=1",
                             {"id_agenda_ordem_servico": 1}))["ordem_servico"]
    assert (order["data_inicio_programado"], order["data_termino_programado"]) == (
        "2026-12-14 10:20:00", "2026-12-14 11:20:00")
    assert counters() == {f"{MONDAY}#10:00": 1, f"{MONDAY}#11:00": 1, f"{MONDAY}#DIA": 1}


@pytest.mark.parametrize("query, body, fragment", [
    ("", {}, "id_atendimento é obrigatório"),
    ("?id_atendimento=99", {}, "Atendimento de ID 99 não encontrado"),
    ("?id_atendimento=1", {"duracao": "1h30"}, "duracao deve ser uma duração no formato HH:MM:SS"),
    ("?id_atendimento=1", {"tecnicos": {"0": {"id": "x"}}}, "tecnicos.0 deve ser o ID de um técnico"),
    ("?id_atendimento=1", {"disponibilidade": "madrugada"}, "disponibilidade tem valor inválido"),
    ("?id_atendimento=1", {"prioridade": "máxima"}, "prioridade selecionado é inválido"),
])
def test_abrir_os_refusals(admin: Http, query: str, body: dict[str, Any], fragment: str) -> None:
    ok(admin.request("POST", f"{BASE}/atendimento", ticket_body()))
    before = snapshot()
    assert_refused(admin.request("POST", f"{ORDERS}/abrir_os{query}", body), fragment)
    assert snapshot() == before


def test_abrir_os_city_not_served(admin: Http) -> None:
    ok(admin.request("POST", f"{BASE}/atendimento", ticket_body(id_cliente_servico=2)))
    before = snapshot()
    assert_refused(admin.request("POST", f"{ORDERS}/abrir_os?id_atendimento=1", scheduled(9)),
                   "A cidade Valinhos/SP do endereço de instalação não é atendida pela agenda Instalações Campinas")
    assert snapshot() == before


# ------------------------------------------------------------------- agendar
def shape_2(**changes: Any) -> dict[str, Any]:
    return {
        "id_ordem_servico": 1, "numero": "1", "id_atendimento": 1, "id_tipo_ordem_servico": 1,
        "tipo_ordem_servico": "ABERTURA VIA API", "status": "Pendente", "prioridade": "normal",
        "data_cadastro": "2026-12-10 10:00:00",
        "data_inicio_programado": "2026-12-14 09:00:00", "data_termino_programado": "2026-12-14 10:00:00",
        "data_inicio_executado": None, "data_termino_executado": None, "tipo": "ABERTURA VIA API",
        "descricao_abertura": "Cliente sem conexão", "descricao_servico": "O.S aberta via API.",
        "descricao_fechamento": None, "id_agenda_ordem_servico": 1,
        "tecnicos": [{"id": 1, "name": "Carlos", "pivot": {"id_ordem_servico": 1, "id_usuario": 1}}],
        "disponibilidade": "Manhã, Tarde", "cliente": "(1) Maria da Silva", "servico": "(1) Fibra 500MB",
        "endereco_instalacao": ADDRESS_TEXT, **changes,
    }


def test_agendar_confirms_a_programmed_os(admin: Http) -> None:
    open_os(admin, 9, ids_tecnicos=[1])
    answer = ok(admin.request("POST", f"{ORDERS}/agendar", {"id_ordem_servico": "1"}))
    assert answer["msg"] == "Agendamento salvo com sucesso"
    assert answer["ordem_servico"] == shape_2()
    assert counters() == {f"{MONDAY}#09:00": 1, f"{MONDAY}#DIA": 1}


def test_agendar_refuses_an_os_without_dates_and_unknown_ids(admin: Http) -> None:
    open_os(admin, 9)
    ok(admin.request("POST", f"{ORDERS}/remove_agendamento", {
        "id_ordem_servico": 1, "id_motivo_remocao_agendamento": 1, "observacao": "Cliente vai remarcar"}))
    before = snapshot()
    assert_refused(admin.request("POST", f"{ORDERS}/agendar", {"id_ordem_servico": 1}),
                   "não tem data programada")
    assert_refused(admin.request("POST", f"{ORDERS}/agendar", {"id_ordem_servico": 5}),
                   "Ordem de serviço de ID 5 não encontrada")
    assert_refused(admin.request("POST", f"{ORDERS}/agendar", {}), "id_ordem_servico é obrigatório")
    assert snapshot() == before


# ----------------------------------------------------------------- reagendar
def reagendar(hour: int, day: str = MONDAY, hours: int = 1, **extra: Any) -> dict[str, Any]:
    body = scheduled(hour, day, hours, id_ordem_servico=1)
    del body["id_agenda_ordem_servico"]
    return {**body, **extra}


def test_reagendar_moves_swaps_a_technician_and_answers_without_seconds(admin: Http) -> None:
    open_os(admin, 9, ids_tecnicos=[1])
    answer = ok(admin.request("POST", f"{ORDERS}/reagendar", reagendar(10, hours=2, id_usuario_antigo="1",
                                                                      id_usuario_novo="2")))
    assert answer["msg"] == "Reagendamento salvo com sucesso"
    assert answer["ordem_servico"] == shape_2(
        data_inicio_programado="2026-12-14 10:00", data_termino_programado="2026-12-14 12:00",
        tecnicos=[{"id": 2, "name": "Ana", "pivot": {"id_ordem_servico": 1, "id_usuario": 2}}])
    assert counters() == {f"{MONDAY}#10:00": 1, f"{MONDAY}#11:00": 1, f"{MONDAY}#DIA": 1}
    assert sorted(e["type"] for e in outbox()) == ["os_agendada", "os_reagendada"]


@pytest.mark.parametrize("body, fragment", [
    (reagendar(11, hours=2), "fora dos horários de atendimento"),
    (reagendar(9, day=CLOSED), "A data 15/12/2026 está bloqueada"),
    (reagendar(9, id_agenda_ordem_servico=2), "A agenda Reparos está inativa"),
    (reagendar(8), "O horário das 08:00 de 14/12/2026 da agenda Instalações Campinas está lotado"),
    (reagendar(9, day="2026-12-16"), "já atingiu o limite diário de 3 OS em 16/12/2026"),
    (reagendar(9, id_usuario_antigo=1), "id_usuario_antigo e id_usuario_novo devem ser informados juntos"),
    (reagendar(9, id_usuario_antigo=2, id_usuario_novo=1), "O técnico de ID 2 (id_usuario_antigo) não está"),
    (reagendar(9, id_usuario_antigo=1, id_usuario_novo=9), "Técnico de ID 9 (id_usuario_novo) não encontrado"),
    ({**reagendar(9), "id_ordem_servico": 99}, "Ordem de serviço de ID 99 não encontrada"),
    ({"id_ordem_servico": 1}, "data_inicio_programado é obrigatório"),
])
def test_reagendar_refusals_change_nothing(admin: Http, body: dict[str, Any], fragment: str) -> None:
    open_os(admin, 9, ids_tecnicos=[1])  # OS 1
    open_os(admin, 8)
    open_os(admin, 8)  # 08:00 full
    for hour in (8, 9, 10):
        open_os(admin, hour, data_inicio_programado="2026-12-16", data_termino_programado="2026-12-16")
    before = snapshot()
    assert_refused(admin.request("POST", f"{ORDERS}/reagendar", body), fragment)
    assert snapshot() == before


def test_a_technician_user_reschedules_only_own_orders(admin: Http) -> None:
    open_os(admin, 9, ids_tecnicos=[1])
    open_os(admin, 10, ids_tecnicos=[2])
    user(admin, "tecnico.ana", ["Agendar ordem de serviço", "Fechar ordem de serviço"], technician=2)
    before = snapshot()
    unknown = admin.request("POST", f"{ORDERS}/reagendar", reagendar(11))
    assert_refused(unknown, "Ordem de serviço de ID 1 não encontrada")
    assert unknown.json == admin.request("POST", f"{ORDERS}/reagendar", {**reagendar(11), "id_ordem_servico": 1}).json
    assert_refused(admin.request("POST", f"{ORDERS}/fechar", closing()), "Ordem de serviço de ID 1 não encontrada")
    assert_refused(admin.request("POST", f"{ORDERS}/adicionar_mensagem/1", {"mensagem": "Oi"}),
                   "Ordem de serviço de ID 1 não encontrada")
    for path, body in (("agendar", {"id_ordem_servico": 1}),
                       ("remove_agendamento", {"id_ordem_servico": 1, "id_motivo_remocao_agendamento": 1,
                                               "observacao": "Cliente pediu outra data"}),
                       ("editar", {"id_ordem_servico": 1, "prioridade": "alta"})):
        assert_refused(admin.request("POST", f"{ORDERS}/{path}", body), "Ordem de serviço de ID 1 não encontrada")
    assert snapshot() == before
    ok(admin.request("POST", f"{ORDERS}/reagendar", {**reagendar(11), "id_ordem_servico": 2}))


# ------------------------------------------------------- remove_agendamento
def test_remove_agendamento_releases_the_places(admin: Http, stack: Container) -> None:
    open_os(admin, 9, ids_tecnicos=[1])
    answer = ok(admin.request("POST", f"{ORDERS}/remove_agendamento", {
        "id_ordem_servico": 1, "id_motivo_remocao_agendamento": "2", "observacao": "Cliente viajou, remarcar"}))
    assert answer["msg"] == "Remoção do agendamento feito com sucesso"
    assert answer["ordem_servico"] == shape_2(status="Aguardando Agendamento", data_inicio_programado=None,
                                              data_termino_programado=None)
    assert counters() == {}
    stored = stack.service_orders.get(1)
    assert (stored.unschedule_reason_id, stored.unschedule_note) == (2, "Cliente viajou, remarcar")
    assert sorted(e["type"] for e in outbox()) == ["os_agendada", "os_agendamento_removido"]


@pytest.mark.parametrize("body, fragment", [
    ({"id_motivo_remocao_agendamento": 1, "observacao": "curta"}, "observacao deve ter pelo menos 10 caracteres"),
    ({"id_motivo_remocao_agendamento": 77, "observacao": "Cliente viajou"},
     "Motivo de remoção de agendamento de ID 77 não encontrado"),
    ({"observacao": "Cliente viajou"}, "id_motivo_remocao_agendamento é obrigatório"),
    ({"id_ordem_servico": 3, "id_motivo_remocao_agendamento": 1, "observacao": "Cliente viajou"},
     "Ordem de serviço de ID 3 não encontrada"),
    ({"id_ordem_servico": 2, "id_motivo_remocao_agendamento": 1, "observacao": "Cliente viajou"},
     "não tem agendamento para remover"),
])
def test_remove_agendamento_refusals(admin: Http, body: dict[str, Any], fragment: str) -> None:
    open_os(admin, 9)
    open_os(admin, 10)
    ok(admin.request("POST", f"{ORDERS}/remove_agendamento", {  # OS 2 keeps no programmed dates
        "id_ordem_servico": 2, "id_motivo_remocao_agendamento": 1, "observacao": "Cliente vai remarcar"}))
    before = snapshot()
    assert_refused(admin.request("POST", f"{ORDERS}/remove_agendamento", {"id_ordem_servico": 1, **body}), fragment)
    assert snapshot() == before


def test_catalogues(admin: Http) -> None:
    reasons = ok(admin.request("GET", f"{ORDERS}/create"))
    assert {"id_motivo_remocao_agendamento": 1, "descricao": "Cliente solicitou remarcação"} in \
        reasons["motivos_remocao_agendamento"]
    assert reasons["motivos_fechamento"][0] == {"id_motivo_fechamento": 1, "descricao": "Serviço executado"}
    types = ok(admin.request("GET", f"{BASE}/configuracao/tipo_ordem_servico"))["tipo_ordem_servicos"]
    assert types[0] == {"id_tipo_ordem_servico": 1, "descricao": "ABERTURA VIA API", "destino": "cliente_servico"}


# -------------------------------------------------------------------- fechar
def closing(**changes: Any) -> dict[str, Any]:
    return {"id_ordem_servico": 1, "gera_custo": False, "data_inicio_executado": MONDAY,
            "hora_inicio_executado": "09:05:00", "data_termino_executado": MONDAY,
            "hora_termino_executado": "09:50:00", "status_fechamento": "concluido",
            "descricao_fechamento": "Troca de conector", "motivo_fechamento": {"id": 1},
            "tecnicos": [{"id": "1"}], "tipo_faturamento": "proxima_fatura",
            "servicos_cobrados": [{"id_servico_cobrado": 3, "quantidade": 1}], **changes}


def test_fechar_finishes_and_releases(admin: Http, stack: Container) -> None:
    open_os(admin, 9, ids_tecnicos=[1])
    answer = ok(admin.request("POST", f"{ORDERS}/fechar", closing()))
    assert answer["msg"] == "Ordem de Serviço número 1 finalizada com sucesso"
    assert answer["ordem_servico"] == shape_2(
        status="Finalizado", data_inicio_executado="2026-12-14 09:05:00", data_termino_executado="2026-12-14 09:50:00",
        descricao_fechamento="Troca de conector")
    assert counters() == {}
    stored = stack.service_orders.get(1)
    assert stored.closing is not None
    assert (stored.closing.status, stored.closing.reason_id, stored.closing.billing_type,
            stored.closing.closed_by) == ("concluido", 1, "proxima_fatura", "admin")
    assert stored.closing.executed.start == datetime(2026, 12, 14, 9, 5)
    assert_refused(admin.request("POST", f"{ORDERS}/fechar", closing()), "está finalizado")


@pytest.mark.parametrize("changes, fragment", [
    ({"status_fechamento": "feito"}, "status_fechamento selecionado é inválido"),
    ({"motivo_fechamento": {"id_motivo_fechamento": 50}}, "Motivo de fechamento de ID 50 não encontrado"),
    ({"hora_termino_executado": "09:00:00"}, "O término executado deve ser posterior"),
    ({"data_inicio_executado": None}, "data_inicio_executado é obrigatório"),
    ({"id_ordem_servico": 9}, "Ordem de serviço de ID 9 não encontrada"),
])
def test_fechar_refusals(admin: Http, changes: dict[str, Any], fragment: str) -> None:
    open_os(admin, 9, ids_tecnicos=[1])
    before = snapshot()
    assert_refused(admin.request("POST", f"{ORDERS}/fechar", closing(**changes)), fragment)
    assert snapshot() == before


# -------------------------------------------------------- adicionar_mensagem
def test_adicionar_mensagem_shape(admin: Http, stack: Container) -> None:
    open_os(admin, 9, ids_tecnicos=[1])
    # A forged X-Forwarded-For is ignored: the address kept is the TCP peer API Gateway saw (sourceIp; the Chalice
    # test client's is 127.0.0.1).
    answer = ok(admin.request("POST", f"{ORDERS}/adicionar_mensagem/1", {"mensagem": "Cliente pediu para ligar"},
                              headers={"X-Forwarded-For": "200.1.2.3, 10.0.0.1"}))
    assert answer["ordem_servico_mensagem"] == {
        "id_ordem_servico": 1, "id_usuario": 1, "mensagem": "Cliente pediu para ligar",
        "data_cadastro": {"date": "2026-12-10 10:00:00.000000", "timezone_type": 3,
                          "timezone": "America/Sao_Paulo"},
        "ip_cadastro": "127.0.0.1", "id_ordem_servico_mensagem": 1, "data_cadastro_br": "10/12/2026 10:00:00",
    }
    from chalicelib.storage.orders import DynamoOrderStore
    assert [(m.text, m.ip) for m in DynamoOrderStore().messages(1)] == [("Cliente pediu para ligar", "127.0.0.1")]
    assert stack.service_orders.get(1).version == 1  # the OS itself is untouched


def test_adicionar_mensagem_refusals(admin: Http) -> None:
    open_os(admin, 9)
    before = snapshot()
    assert_refused(admin.request("POST", f"{ORDERS}/adicionar_mensagem/1", {}), "mensagem é obrigatório")
    assert_refused(admin.request("POST", f"{ORDERS}/adicionar_mensagem/8", {"mensagem": "x"}),
                   "Ordem de serviço de ID 8 não encontrada")
    assert_refused(admin.request("POST", f"{ORDERS}/adicionar_mensagem/abc", {"mensagem": "x"}),
                   "id_ordem_servico deve ser um número inteiro positivo")
    assert snapshot() == before


def test_a_technician_user_closes_and_writes_on_own_orders(admin: Http) -> None:
    open_os(admin, 9, ids_tecnicos=[1, 2])
    user(admin, "tecnico.ana", ["Fechar ordem de serviço"], technician=2)
    ok(admin.request("POST", f"{ORDERS}/adicionar_mensagem/1", {"mensagem": "A caminho"}))
    ok(admin.request("POST", f"{ORDERS}/fechar", closing(tecnicos=None)))


# -------------------------------------------------------------------- editar
def test_editar_changes_details_and_agenda(admin: Http, stack: Container) -> None:
    open_os(admin, 9, ids_tecnicos=[1])
    ok(admin.request("POST", f"{BASE}/configuracao/agenda_ordem_servico",
                     {**AGENDA, "descricao": "Campinas tarde", "limite_diario": None}))
    answer = ok(admin.request("POST", f"{ORDERS}/editar", {
        "id_ordem_servico": 1, "id_agenda_ordem_servico": 3, "descricao_servico": "Levar roteador",
        "prioridade": "urgente", "tecnicos": [{"id": 2}]}))
    assert answer["ordem_servico"] == shape_2(
        id_agenda_ordem_servico=3, descricao_servico="Levar roteador", prioridade="urgente",
        status="Aguardando Agendamento",
        tecnicos=[{"id": 2, "name": "Ana", "pivot": {"id_ordem_servico": 1, "id_usuario": 2}}])
    assert counters(1) == {} and counters(3) == {f"{MONDAY}#09:00": 1, f"{MONDAY}#DIA": 1}


@pytest.mark.parametrize("body, fragment", [
    ({"id_agenda_ordem_servico": 2}, "A agenda Reparos está inativa"),
    ({"id_agenda_ordem_servico": 3}, "não é atendida pela agenda Só Valinhos"),
    ({}, "Informe ao menos um campo para alterar"),
    ({"tecnicos": [{"id": 5}]}, "Técnico de ID 5 não encontrado"),
])
def test_editar_refusals(admin: Http, body: dict[str, Any], fragment: str) -> None:
    open_os(admin, 9)
    ok(admin.request("POST", f"{BASE}/configuracao/agenda_ordem_servico",
                     {**AGENDA, "descricao": "Só Valinhos", "cidades": [{"cidade": "Valinhos", "uf": "SP"}]}))
    before = snapshot()
    assert_refused(admin.request("POST", f"{ORDERS}/editar", {"id_ordem_servico": 1, **body}), fragment)
    assert snapshot() == before


def valinhos_agenda(http: Http) -> int:
    """Agenda 3: weekdays 08–12 in Valinhos only."""
    ok(http.request("POST", f"{BASE}/configuracao/agenda_ordem_servico",
                    {**AGENDA, "descricao": "Só Valinhos", "cidades": [{"cidade": "Valinhos", "uf": "SP"}]}))
    return 3


@pytest.mark.parametrize("agenda", [None, 0, "0", "", " "])
def test_editar_takes_a_dated_os_out_of_its_agenda_and_keeps_its_dates(admin: Http, agenda: Any) -> None:
    open_os(admin, 9, ids_tecnicos=[1], status="pendente")
    answer = ok(admin.request("POST", f"{ORDERS}/editar", {"id_ordem_servico": 1, "id_agenda_ordem_servico": agenda}))
    assert answer["ordem_servico"] == shape_2(id_agenda_ordem_servico=None)
    assert counters() == {} and [e["type"] for e in outbox()] == ["os_agendada"]


def test_editar_takes_the_os_out_of_its_agenda_from_a_form(admin: Http) -> None:
    open_os(admin, 9, ids_tecnicos=[1])
    answer = ok(admin.request("POST", f"{ORDERS}/editar", raw="id_ordem_servico=1&id_agenda_ordem_servico=",
                              headers=FORM))
    assert answer["ordem_servico"]["id_agenda_ordem_servico"] is None and counters() == {}


@pytest.mark.parametrize("agenda, fragment", [
    ("-3", "id_agenda_ordem_servico deve ser o ID de uma agenda (null, 0 ou vazio tiram a OS da agenda)"),
    ("abc", "id_agenda_ordem_servico deve ser o ID de uma agenda"),
    (True, "id_agenda_ordem_servico deve ser o ID de uma agenda"),
    (9, "Agenda de ordem de serviço de ID 9 não encontrada"),
])
def test_editar_refuses_an_agenda_that_is_no_id(admin: Http, agenda: Any, fragment: str) -> None:
    open_os(admin, 9)
    before = snapshot()
    body = {"id_ordem_servico": 1, "id_agenda_ordem_servico": agenda}
    assert_refused(admin.request("POST", f"{ORDERS}/editar", body), fragment)
    assert snapshot() == before


CITY_REFUSAL = "A cidade Campinas/SP do endereço de instalação não é atendida pela agenda Só Valinhos"


@pytest.mark.parametrize("path, body", [
    ("atendimento", ticket_body(abrir_os=True, parametros_ordem_servico=scheduled(9, id_agenda_ordem_servico=3))),
    ("ordem_servico/abrir_os?id_atendimento=1", {"id_agenda_ordem_servico": 3}),
    ("ordem_servico/reagendar", {**scheduled(9, id_ordem_servico=1, id_agenda_ordem_servico=3)}),
    ("ordem_servico/editar", {"id_ordem_servico": 1, "id_agenda_ordem_servico": 3}),
    ("ordem_servico/editar", {"id_ordem_servico": 2, "id_agenda_ordem_servico": 3}),  # no dates
])
def test_the_city_rule_holds_whenever_an_os_gets_an_agenda(admin: Http, path: str, body: dict[str, Any]) -> None:
    open_os(admin, 9)
    open_os(admin, 10)
    ok(admin.request("POST", f"{ORDERS}/remove_agendamento", {  # OS 2: in agenda 1, without dates
        "id_ordem_servico": 2, "id_motivo_remocao_agendamento": 1, "observacao": "Cliente vai remarcar"}))
    valinhos_agenda(admin)
    before = snapshot()
    assert_refused(admin.request("POST", f"{BASE}/{path}", body), CITY_REFUSAL)
    assert snapshot() == before


# ------------------------------------------------------------------ cancelar
def test_cancelar_cancels_and_releases_the_places(admin: Http, stack: Container) -> None:
    open_os(admin, 9, ids_tecnicos=[1])
    answer = ok(admin.request("POST", f"{ORDERS}/cancelar", {"id_ordem_servico": "1",
                                                             "motivo": "Cliente desistiu da instalação"}))
    assert answer["msg"] == "Ordem de Serviço número 1 cancelada com sucesso"
    assert answer["ordem_servico"] == shape_2(status="Cancelado")
    assert counters() == {}
    assert sorted(e["type"] for e in outbox()) == ["os_agendada", "os_cancelada"]  # one moment: keys by event id
    assert stack.service_orders.get(1).status == "cancelado"
    # the technician's time is free again: another OS takes it
    open_os(admin, 9, ids_tecnicos=[1])


@pytest.mark.parametrize("body, fragment", [
    ({"id_ordem_servico": 1}, "O campo motivo é obrigatório."),
    ({"id_ordem_servico": 1, "motivo": "   "}, "O campo motivo é obrigatório."),
    ({"id_ordem_servico": 1, "motivo": "x" * 501}, "O campo motivo não pode ser superior a 500 caracteres."),
    ({"motivo": "Cliente desistiu"}, "O campo id_ordem_servico é obrigatório."),
    ({"id_ordem_servico": 9, "motivo": "Cliente desistiu"}, "Ordem de serviço de ID 9 não encontrada"),
    ({"id_ordem_servico": 2, "motivo": "Cliente desistiu"},
     "A ordem de serviço 2 está finalizada e não pode ser cancelada."),
    ({"id_ordem_servico": 3, "motivo": "Cliente desistiu"}, "A ordem de serviço 3 já está cancelada."),
])
def test_cancelar_refusals_change_nothing(admin: Http, body: dict[str, Any], fragment: str) -> None:
    open_os(admin, 9)
    open_os(admin, 10)
    open_os(admin, 11)
    ok(admin.request("POST", f"{ORDERS}/fechar", closing(id_ordem_servico=2)))
    ok(admin.request("POST", f"{ORDERS}/cancelar", {"id_ordem_servico": 3, "motivo": "Duplicada"}))
    before = snapshot()
    assert_refused(admin.request("POST", f"{ORDERS}/cancelar", body), fragment)
    assert snapshot() == before


def test_a_technician_user_cancels_only_own_orders(admin: Http) -> None:
    open_os(admin, 9, ids_tecnicos=[1])
    open_os(admin, 10, ids_tecnicos=[2])
    user(admin, "tecnico.ana", ["Fechar ordem de serviço", "Consultar ordem de serviço"], technician=2)
    before = snapshot()
    assert_refused(admin.request("POST", f"{ORDERS}/cancelar", {"id_ordem_servico": 1, "motivo": "Cliente ausente"}),
                   "Ordem de serviço de ID 1 não encontrada")
    assert_refused(admin.request("GET", f"{ORDERS}/1/historico"), "Ordem de serviço de ID 1 não encontrada")
    assert snapshot() == before
    ok(admin.request("POST", f"{ORDERS}/cancelar", {"id_ordem_servico": 2, "motivo": "Cliente ausente"}))
    assert [h["usuario"] for h in ok(admin.request("GET", f"{ORDERS}/2/historico"))["historico"]] == [
        "admin", "tecnico.ana"]


# ----------------------------------------------------------------- historico
def test_historico_lists_every_change_and_message_oldest_first(admin: Http, clock: MutableClock) -> None:
    open_os(admin, 9, ids_tecnicos=[1])
    steps = [
        ("reagendar", reagendar(10)),
        ("adicionar_mensagem/1", {"mensagem": "Cliente pediu para ligar antes"}),
        ("editar", {"id_ordem_servico": 1, "prioridade": "alta", "id_agenda_ordem_servico": None}),
        ("remove_agendamento", {"id_ordem_servico": 1, "id_motivo_remocao_agendamento": 2,
                                "observacao": "Cliente viajou, remarcar"}),
        ("cancelar", {"id_ordem_servico": 1, "motivo": "Cliente desistiu"}),
    ]
    answers = []
    for path, body in steps:
        clock.advance(minutes=5)
        answers.append(ok(admin.request("POST", f"{ORDERS}/{path}", body)))
    answer = ok(admin.request("GET", f"{ORDERS}/1/historico"))
    assert answer["msg"] == "Dados consultados com sucesso."
    assert answer["historico"] == [
        {"data": "2026-12-10 10:00:00", "usuario": "admin", "acao": "aberta",
         "detalhe": "status aguardando_agendamento; agenda 1; horário 14/12/2026 09:00–10:00; técnicos 1."},
        {"data": "2026-12-10 10:05:00", "usuario": "admin", "acao": "reagendada",
         "detalhe": "status: aguardando_agendamento → pendente; horário: 14/12/2026 09:00–10:00 → "
                    "14/12/2026 10:00–11:00."},
        {"data": "2026-12-10 10:10:00", "usuario": "admin", "acao": "mensagem",
         "detalhe": "Cliente pediu para ligar antes"},
        {"data": "2026-12-10 10:15:00", "usuario": "admin", "acao": "editada",
         "detalhe": "agenda: 1 → nenhuma; prioridade: normal → alta."},
        {"data": "2026-12-10 10:20:00", "usuario": "admin", "acao": "agendamento_removido",
         "detalhe": "status: pendente → aguardando_agendamento; horário: 14/12/2026 10:00–11:00 → nenhuma. "
                    "Motivo: Cliente ausente no endereço. Observação: Cliente viajou, remarcar"},
        {"data": "2026-12-10 10:25:00", "usuario": "admin", "acao": "cancelada",
         "detalhe": "status: aguardando_agendamento → cancelado. Motivo: Cliente desistiu"},
    ]
    assert answer["mensagens"] == [answers[1]["ordem_servico_mensagem"]]


def test_historico_of_an_os_closed_with_no_messages(admin: Http) -> None:
    open_os(admin, 9, ids_tecnicos=[1])
    ok(admin.request("POST", f"{ORDERS}/agendar", {"id_ordem_servico": 1}))
    ok(admin.request("POST", f"{ORDERS}/fechar", closing()))
    answer = ok(admin.request("GET", f"{ORDERS}/1/historico"))
    assert [(h["acao"], h["detalhe"]) for h in answer["historico"][1:]] == [
        ("agendada", "status: aguardando_agendamento → pendente."),
        ("fechada", "status: pendente → finalizado. Fechamento: concluido (Serviço executado). Troca de conector"),
    ]
    assert answer["mensagens"] == []


@pytest.mark.parametrize("path, fragment", [
    (f"{ORDERS}/9/historico", "Ordem de serviço de ID 9 não encontrada"),
    (f"{ORDERS}/abc/historico", "O parâmetro id_ordem_servico deve ser um número inteiro positivo."),
    (f"{ORDERS}/0/historico", "O parâmetro id_ordem_servico deve ser um número inteiro positivo."),
])
def test_historico_refusals(admin: Http, path: str, fragment: str) -> None:
    open_os(admin, 9)
    assert_refused(admin.request("GET", path), fragment)


# ------------------------------------------------------ inactive technicians
def test_an_inactive_technician_stays_on_its_os_but_joins_no_other(admin: Http) -> None:
    # GIVEN OS 1 with Carlos (1) and OS 2 with Ana (2); then Carlos is deactivated
    open_os(admin, 9, ids_tecnicos=[1])
    open_os(admin, 10, ids_tecnicos=[2])
    ok(admin.request("DELETE", f"{BASE}/configuracao/tecnico/1"))
    inactive = "O técnico Carlos (ID 1) está inativo"
    # WHEN he is added to an OS, THEN it is refused and nothing changes
    before = snapshot()
    for path, body in (
        ("atendimento", ticket_body(abrir_os=True, parametros_ordem_servico=scheduled(11, ids_tecnicos=[1]))),
        ("ordem_servico/editar", {"id_ordem_servico": 2, "tecnicos": [{"id": 2}, {"id": 1}]}),
        ("ordem_servico/reagendar", {**reagendar(10), "id_ordem_servico": 2, "id_usuario_antigo": 2,
                                     "id_usuario_novo": 1}),
        ("ordem_servico/fechar", closing(id_ordem_servico=2, tecnicos=[{"id": 1}])),
    ):
        assert_refused(admin.request("POST", f"{BASE}/{path}", body), inactive)
    assert snapshot() == before
    # but where he already is he stays, by name, through changes that keep him
    edited = ok(admin.request("POST", f"{ORDERS}/editar", {"id_ordem_servico": 1, "descricao_servico": "Levar cabo",
                                                           "tecnicos": [{"id": 1}, {"id": 2}]}))
    assert [t["name"] for t in edited["ordem_servico"]["tecnicos"]] == ["Carlos", "Ana"]
    closed = ok(admin.request("POST", f"{ORDERS}/fechar", closing(tecnicos=[{"id": 1}])))
    assert closed["ordem_servico"]["status"] == "Finalizado"


# --------------------------------------------------------------- permissions
@pytest.mark.parametrize("method, path, permission", [
    ("POST", f"{BASE}/atendimento", "Criar atendimento"),
    ("POST", f"{ORDERS}/abrir_os", "Abrir ordem de serviço"),
    ("POST", f"{ORDERS}/agendar", "Agendar ordem de serviço"),
    ("POST", f"{ORDERS}/reagendar", "Agendar ordem de serviço"),
    ("POST", f"{ORDERS}/remove_agendamento", "Agendar ordem de serviço"),
    ("POST", f"{ORDERS}/editar", "Agendar ordem de serviço"),
    ("POST", f"{ORDERS}/fechar", "Fechar ordem de serviço"),
    ("POST", f"{ORDERS}/adicionar_mensagem/1", "Fechar ordem de serviço"),
    ("POST", f"{ORDERS}/cancelar", "Fechar ordem de serviço"),
    ("GET", f"{ORDERS}/1/historico", "Consultar ordem de serviço"),
    ("GET", f"{ORDERS}/create", "Consultar ordem de serviço"),
    ("GET", f"{BASE}/configuracao/tipo_ordem_servico", "Consultar ordem de serviço"),
])
def test_403_without_the_permission(admin: Http, method: str, path: str, permission: str) -> None:
    user(admin, "sem.permissao", ["Consultar clientes", "Consultar agenda de OS"])
    answer = admin.request(method, path, {})
    assert answer.status_code == 403 and answer.json["msg"] == PERMISSION_MSG, answer.json
    assert answer.json["errors"] == [f"Permissão necessária: {permission}"]
