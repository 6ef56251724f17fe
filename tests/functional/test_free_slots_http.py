"""``GET ordem_servico/horarios_disponiveis_agenda`` as chat bots call it."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest

from chalicelib.agenda.model import City, Interval, Window
from chalicelib.agenda.service import AgendaSpec
from chalicelib.container import Container
from chalicelib.customers.model import Address, NewCustomer, NewService
from chalicelib.service_orders.service import NewServiceOrder
from chalicelib.technicians.service import NewTechnician
from tests.functional.conftest import Http

URL = "/api/v1/integracao/ordem_servico/horarios_disponiveis_agenda"
MONDAY = date(2026, 12, 14)


@pytest.fixture
def agenda_id(http: Http, stack: Container) -> int:
    http.login()
    technician = stack.technicians.register(NewTechnician("Carla Técnica", "carla@provedor.com.br"))
    agenda = stack.agendas.create(AgendaSpec(
        description="Instalações Campinas", active=True, cities=(City("Campinas", "SP"),),
        technician_ids=(technician.id,), daily_limit=3, block_national_holidays=True,
        windows=(Window(frozenset(range(5)), time(8), time(12), 60, 2),)))
    service = stack.customers.register(NewCustomer(
        "Cliente", "52998224725", "11987654321", "",
        (NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),))).services[0]
    stack.service_orders.open(NewServiceOrder(service.id, agenda.id, Interval(
        datetime.combine(MONDAY, time(9)), datetime.combine(MONDAY, time(10)))))
    return agenda.id


def get(http: Http, query: str) -> dict[str, Any]:
    answer = http.request("GET", f"{URL}?{query}")
    assert answer.status_code == 200
    return dict(answer.json)


def test_a_week_in_hubsofts_nested_shape(http: Http, agenda_id: int) -> None:
    body = get(http, f"id_agenda_ordem_servico={agenda_id}&data_inicio=2026-12-14&dias=7")
    assert body["status"] == "success" and body["msg"] == "Agenda consultada com sucesso!"
    assert body["agenda"] == "Instalações Campinas"
    days = body["horarios"]["datas"]
    assert list(days) == [f"2026-12-{d}" for d in range(14, 21)]
    monday = days["2026-12-14"]
    assert list(monday["horarios"]) == ["08:00:00", "09:00:00", "10:00:00", "11:00:00"]
    slot = monday["horarios"]["09:00:00"]
    assert slot == {"data_inicio": "2026-12-14", "hora_inicio": "09:00:00", "data_termino": "2026-12-14",
                    "hora_termino": "10:00:00", "duracao_minutos": 60, "duracao_str": "01:00:00",
                    "disponiveis": 1, "tecnicos": [{"id": 1, "name": "Carla Técnica",
                                                    "email": "carla@provedor.com.br"}]}
    # the daily limit (3, one taken) caps every slot at 2 and the day at 2 places
    assert (monday["disponiveis"], monday["vagas"]) == (4, 2)
    assert days["2026-12-19"] == {"disponiveis": 0, "vagas": 0, "horarios": {},
                                  "motivo": "A agenda Instalações Campinas não atende em sábado."}


def test_holidays_are_closed_when_the_agenda_says_so(http: Http, agenda_id: int) -> None:
    christmas = get(http, f"id_agenda_ordem_servico={agenda_id}&data_inicio=2026-12-25")["horarios"]["datas"]
    assert christmas["2026-12-25"]["disponiveis"] == 0 and "Natal" in christmas["2026-12-25"]["motivo"]


def test_today_by_default_and_only_slots_still_ahead(http: Http, agenda_id: int) -> None:
    # The test clock is 2026-12-10 13:00 UTC = 10:00 in São Paulo.
    days = get(http, f"id_agenda_ordem_servico={agenda_id}")["horarios"]["datas"]
    assert list(days) == ["2026-12-10"] and list(days["2026-12-10"]["horarios"]) == ["11:00:00"]


def test_by_description_ignoring_case_and_accents(http: Http, agenda_id: int) -> None:
    body = get(http, "descricao=INSTALACOES%20campinas&data_inicio=2026-12-14")
    assert body["id_agenda_ordem_servico"] == agenda_id


@pytest.mark.parametrize("query, fragment", [
    ("", "Informe id_agenda_ordem_servico ou descricao."),
    ("id_agenda_ordem_servico=99", "não encontrada"),
    ("id_agenda_ordem_servico=abc", "deve ser um número inteiro"),
    ("descricao=Nenhuma", "não encontrada"),
    ("id_agenda_ordem_servico=1&dias=40", "não pode ser superior a 31"),
    ("id_agenda_ordem_servico=1&data_inicio=14/12/2026", "AAAA-MM-DD"),
])
def test_bad_queries_are_named(http: Http, agenda_id: int, query: str, fragment: str) -> None:
    body = get(http, query)
    assert body["status"] == "error"
    assert fragment in " ".join(body["errors"]) + body["msg"], body
