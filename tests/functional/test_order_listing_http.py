"""The read side of HubSoft's OS API (todos, consultar, cliente/ordem_servico)
and our calendar feed, through the Chalice app: exact shapes, every filter,
0-based paging that ends cleanly for clients starting at 1, and technicians'
users who see only their own OS."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest

from chalicelib.container import Container
from tests.conftest import MutableClock
from tests.functional.conftest import Http
from tests.functional.test_bad_input import assert_refused
from tests.functional.test_service_orders_http import (  # noqa: F401 - admin is a fixture
    ADDRESS_TEXT,
    MONDAY,
    ORDERS,
    admin,
    closing,
    open_os,
    user,
)
from tests.support.http import BASE, ok

WEDNESDAY = "2026-12-16"


def get(http: Http, path: str, **params: Any) -> Any:
    return http.request("GET", f"{path}?{urlencode(params)}" if params else path)


def todos(http: Http, **params: Any) -> dict[str, Any]:
    return ok(get(http, f"{ORDERS}/todos", **{"pagina": 0, "itens_por_pagina": 50, **params}))


def numbers(answer: dict[str, Any], key: str = "ordens_servico") -> list[int]:
    return [int(o["numero"]) for o in answer[key]]


@pytest.fixture
def orders(admin: Http, clock: MutableClock) -> Http:  # noqa: F811 - the imported fixture
    """OS 1 (Mon 09h, Carlos), 2 (Mon 10h, Ana, tarde), 3 (Wed 08h, Carlos and Ana), all pendente;
    4 (no agenda, aguardando_agendamento, HubSoft's default time: 10/12 14:00); 5 (Mon 11h, Carlos,
    then finished); opened an hour apart from 10/12 13:00 UTC (10:00 local)."""
    def an_hour_later() -> None:
        clock.advance(hours=1)
        admin.login()  # the access token lives an hour

    open_os(admin, 9, ids_tecnicos=[1], status="pendente")
    an_hour_later()
    open_os(admin, 10, ids_tecnicos=[2], disponibilidade=["tarde"], status="pendente")
    an_hour_later()
    open_os(admin, 8, day=WEDNESDAY, ids_tecnicos=[1, 2], status="pendente")
    an_hour_later()
    open_os(admin, None)
    an_hour_later()
    open_os(admin, 11, ids_tecnicos=[1])
    ok(admin.request("POST", f"{ORDERS}/fechar", closing(id_ordem_servico=5, hora_inicio_executado="11:10:00",
                                                         hora_termino_executado="11:40:00")))
    return admin


# ------------------------------------------------------------------- todos
def test_todos_shape_3(orders: Http) -> None:
    answer = todos(orders, data_inicio=MONDAY, data_fim=MONDAY)
    assert answer["msg"] == "Dados consultados com sucesso"
    assert numbers(answer) == [1, 2, 5]  # by programmed start, the default tipo_data
    assert answer["ordens_servico"][0] == {
        "id_ordem_servico": 1, "numero": 1, "id_atendimento": 1, "id_tipo_ordem_servico": 1,
        "tipo_ordem_servico": {"id_tipo_ordem_servico": 1, "descricao": "ABERTURA VIA API"},
        "tipo": "ABERTURA VIA API", "status": "Pendente",
        "prioridade": "normal", "data_cadastro": "2026-12-10 10:00:00",
        "data_inicio_programado": "2026-12-14 09:00:00", "data_termino_programado": "2026-12-14 10:00:00",
        "data_inicio_executado": None, "data_termino_executado": None,
        "descricao_abertura": "Cliente sem conexão", "descricao_servico": "O.S aberta via API.",
        "descricao_fechamento": None, "status_fechamento": None, "id_agenda_ordem_servico": 1,
        "id_cliente_servico": 1,
        "tecnicos": [{"id": 1, "name": "Carlos", "display": "Carlos"}],
        "disponibilidade": "Manhã, Tarde", "cliente": "(1) Maria da Silva", "servico": "(1) Fibra 500MB",
        "endereco_instalacao": ADDRESS_TEXT,
        "dados_endereco_instalacao": {"endereco": "Rua A", "numero": "1", "complemento": None, "bairro": "Centro",
                                      "cidade": "Campinas", "uf": "SP", "estado": "SP", "cep": "13010000"},
        "usuario_fechamento": None,
        "dados_cliente": {"id_cliente": 1, "codigo_cliente": 1, "nome_razaosocial": "Maria da Silva",
                          "cpf_cnpj": answer["ordens_servico"][0]["dados_cliente"]["cpf_cnpj"],
                          "display": "(1) Maria da Silva"},
        "dados_servico": {"id_cliente_servico": 1, "numero_plano": 1, "nome": "Fibra 500MB",
                          "display": "(1) Fibra 500MB"},
    }
    assert re.fullmatch(r"\d{3}\.\d{3}\.\d{3}-\d{2}", answer["ordens_servico"][0]["dados_cliente"]["cpf_cnpj"])
    finished = answer["ordens_servico"][2]
    assert (finished["status"], finished["data_inicio_executado"], finished["status_fechamento"]) == \
        ("Finalizado", "2026-12-14 11:10:00", "concluido")
    # who closed it, by the name clients read as ``usuario_fechamento.nome``
    assert finished["usuario_fechamento"]["login"] == "admin"
    assert finished["usuario_fechamento"]["nome"] == finished["usuario_fechamento"]["name"]
    assert isinstance(finished["usuario_fechamento"]["id"], int)


def test_todos_pages_from_zero_and_a_page_past_the_end_is_empty(orders: Http) -> None:
    period = {"data_inicio": MONDAY, "data_fim": "2026-12-18", "itens_por_pagina": 2}
    block = {"primeira_pagina": 0, "ultima_pagina": 1, "total_registros": 4}
    first, second = todos(orders, **period, pagina=0), todos(orders, **period, pagina="1")
    assert numbers(first) + numbers(second) == [1, 2, 5, 3]
    assert first["paginacao"] == {**block, "pagina_atual": 0}
    assert second["paginacao"] == {**block, "pagina_atual": 1}
    past = todos(orders, **period, pagina=7)
    assert past["ordens_servico"] == [] and past["paginacao"] == {**block, "pagina_atual": 7}


TODOS_FILTERS: list[tuple[dict[str, Any], list[int]]] = [
    ({"status": "pendente"}, [1, 2, 3]),
    ({"status": "finalizado,aguardando_agendamento"}, [5]),
    ({"tecnico": "2"}, [2, 3]),
    ({"tecnico": "1,2"}, [1, 2, 5, 3]),
    ({"agenda_ordem_servico": "1"}, [1, 2, 5, 3]),
    ({"agenda_ordem_servico": "2"}, []),
    ({"tipo_ordem_servico": "1"}, [1, 2, 5, 3]),
    ({"tipo_ordem_servico": "2"}, []),
    ({"disponibilidade": "tarde"}, [1, 2, 3, 5]),
    ({"disponibilidade": "noite"}, []),
    ({"id_cliente_servico": "1"}, [1, 2, 5, 3]),
    ({"destino": "pop"}, []),
    ({"reservada": "sim"}, []),
    ({"reservada": "nao"}, [1, 2, 5, 3]),
    ({"tipo_data": "data_termino_executado"}, [5]),
    ({"tipo_data": "data_inicio_executado", "status": "pendente"}, []),
    ({"tipo_data": "data_termino_programado", "data_inicio": "2026-12-14 10:00:00",
      "data_fim": "2026-12-14 11:00:00"}, [1, 2]),
]


def test_todos_filters(orders: Http) -> None:
    period = {"data_inicio": MONDAY, "data_fim": "2026-12-18"}
    for params, expected in TODOS_FILTERS:  # one set of OS for every filter: the setup is the slow part
        assert sorted(numbers(todos(orders, **{**period, **params}))) == sorted(expected), params


def test_todos_by_registration_date_includes_unscheduled_orders(orders: Http) -> None:
    answer = todos(orders, tipo_data="data_cadastro", data_inicio="2026-12-10", data_fim="2026-12-10")
    assert numbers(answer) == [1, 2, 3, 4, 5]
    assert answer["ordens_servico"][3]["id_agenda_ordem_servico"] is None
    assert numbers(todos(orders, tipo_data="data_cadastro", data_inicio="2026-12-10 11:00:00",
                         data_fim="2026-12-10 12:00:00")) == [2, 3]


def test_todos_without_dates_covers_a_month_either_side(orders: Http) -> None:
    assert numbers(todos(orders)) == [4, 1, 2, 5, 3]


def test_todos_relations(orders: Http) -> None:
    ok(orders.request("POST", f"{ORDERS}/adicionar_mensagem/1", {"mensagem": "Levar escada"}))
    answer = todos(orders, data_inicio=MONDAY, data_fim=MONDAY, itens_por_pagina=1,
                   relacoes="agenda_ordem_servico,tecnicos,ordem_servico_mensagem,anexos,link_rastreamento")
    shaped = answer["ordens_servico"][0]
    assert shaped["agenda_ordem_servico"] == {"id_agenda_ordem_servico": 1, "descricao": "Instalações Campinas"}
    assert [m["mensagem"] for m in shaped["ordem_servico_mensagem"]] == ["Levar escada"]
    assert (shaped["anexos"], shaped["link_rastreamento"]) == ([], None)


@pytest.mark.parametrize("params, fragment", [
    ({"tipo_data": "data_errada"}, "tipo_data"),
    ({"status": "pendente,aberta"}, "O campo status tem valor inválido (aberta)"),
    ({"itens_por_pagina": 501}, "itens_por_pagina"),
    ({"pagina": -1}, "pagina"),
    ({"tecnico": "1,x"}, "O campo tecnico deve ter IDs numéricos"),
    ({"data_inicio": "14/12/2026"}, "O campo data_inicio deve ser uma data"),
    ({"data_inicio": "2026-12-18", "data_fim": "2026-12-14"}, "data_fim deve ser igual ou posterior"),
    ({"data_inicio": "2016-01-01", "data_fim": "2026-12-14"}, "no máximo 10 anos"),
    ({"relacoes": "tecnicos,cobrancas"}, "O campo relacoes tem relação inválida (cobrancas)"),
    ({"disponibilidade": "madrugada"}, "O campo disponibilidade tem valor inválido"),
])
def test_todos_refusals(admin: Http, params: dict[str, Any], fragment: str) -> None:  # noqa: F811
    assert_refused(get(admin, f"{ORDERS}/todos", **params), fragment)


def test_a_technician_user_lists_only_own_orders(orders: Http) -> None:
    user(orders, "tecnico.ana", ["Consultar ordem de serviço"], technician=2)
    assert numbers(todos(orders, data_inicio=MONDAY, data_fim="2026-12-18")) == [2, 3]
    assert numbers(ok(orders.request("POST", f"{ORDERS}/consultar", {"consulta": 1}))) == []
    assert numbers(ok(orders.request("POST", f"{ORDERS}/consultar", {"consulta": "2"}))) == [2]
    mine = ok(get(orders, f"{BASE}/cliente/ordem_servico", busca="codigo_cliente", termo_busca=1))
    assert sorted(int(o["numero_ordem_servico"]) for o in mine["ordens_servico"]) == [2, 3]


# --------------------------------------------------------------- consultar
def test_consultar_by_number_in_shape_2_with_relations(orders: Http) -> None:
    answer = ok(orders.request("POST", f"{ORDERS}/consultar",
                               {"consulta": 5, "relacoes": ["tecnicos", "motivos_fechamento", "atendimento",
                                                            "assinatura"]}))
    [shaped] = answer["ordens_servico"]
    assert (shaped["numero"], shaped["status"], shaped["tipo"]) == ("5", "Finalizado", "ABERTURA VIA API")
    assert shaped["tecnicos"] == [{"id": 1, "name": "Carlos", "pivot": {"id_ordem_servico": 5, "id_usuario": 1}}]
    assert (shaped["data_inicio_executado"], shaped["data_termino_executado"]) == \
        ("2026-12-14 11:10:00", "2026-12-14 11:40:00")
    assert shaped["motivo_fechamento"] == [{"id_motivo_fechamento": 1, "descricao": "Serviço executado"}]
    assert shaped["atendimento"]["id_atendimento"] == 5 and shaped["assinatura"] is None
    assert ok(orders.request("POST", f"{ORDERS}/consultar", {"consulta": 99}))["ordens_servico"] == []


def test_consultar_by_name_in_a_period_with_order(orders: Http) -> None:
    body = {"consulta": "maria", "data_inicio": "2026-12-14 00:00:00", "data_fim": "2026-12-16 23:59:59",
            "tipo_data": "data_inicio_programado", "order_by": "data_inicio_programado"}
    assert numbers(ok(orders.request("POST", f"{ORDERS}/consultar", body))) == [3, 5, 2, 1]  # desc by default
    ascending = ok(orders.request("POST", f"{ORDERS}/consultar", {**body, "order_by_key": "asc"}))
    assert numbers(ascending) == [1, 2, 5, 3]
    assert numbers(ok(orders.request("POST", f"{ORDERS}/consultar",
                                     {**body, "status": "pendente", "tecnicos": [{"id": "2"}]}))) == [3, 2]
    assert numbers(ok(orders.request("POST", f"{ORDERS}/consultar", {**body, "consulta": "joao"}))) == []
    assert numbers(ok(orders.request("POST", f"{ORDERS}/consultar", {**body, "consulta": "2"}))) == [2]


@pytest.mark.parametrize("body, fragment", [
    ({}, "O campo consulta é obrigatório"),
    ({"consulta": "maria"}, "O campo data_inicio é obrigatório"),
    ({"consulta": "maria", "data_inicio": "2026-12-14", "data_fim": "2026-12-01"}, "data_fim deve ser"),
    ({"consulta": "1", "relacoes": ["fotos"]}, "relação inválida (fotos)"),
    ({"consulta": "e de", "data_inicio": "2026-12-14", "data_fim": "2026-12-15"}, "ao menos uma palavra"),
])
def test_consultar_refusals(admin: Http, body: dict[str, Any], fragment: str) -> None:  # noqa: F811
    assert_refused(admin.request("POST", f"{ORDERS}/consultar", body), fragment)


# ------------------------------------------------------- cliente/ordem_servico
def test_customer_orders_in_shape_1(orders: Http) -> None:
    answer = ok(get(orders, f"{BASE}/cliente/ordem_servico", busca="cpf_cnpj", termo_busca="529.982.247-25"))
    assert [o["numero_ordem_servico"] for o in answer["ordens_servico"]] == ["5", "4", "3", "2", "1"]
    first = answer["ordens_servico"][-1]
    assert (first["data_cadastro"], first["data_inicio_programado"], first["status"]) == \
        ("10/12/2026 10:00:00", "14/12/2026 09:00:00", "pendente")
    assert first["cliente"] == {"codigo_cliente": 1, "nome_razaosocial": "Maria da Silva",
                                "cpf_cnpj": "529.982.247-25"}
    assert first["servico"]["nome"] == "Fibra 500MB" and first["servico"]["valor"] == 99.9
    assert first["atendimento"]["id_atendimento"] == 1


CUSTOMER_SEARCHES: list[tuple[dict[str, Any], list[str]]] = [
    ({"busca": "codigo_cliente", "termo_busca": "1", "limit": 2}, ["5", "4"]),
    ({"busca": "codigo_cliente", "termo_busca": "1", "order_type": "asc", "limit": 2}, ["1", "2"]),
    ({"busca": "codigo_cliente", "termo_busca": "1", "status": "finalizado"}, ["5"]),
    ({"busca": "codigo_cliente", "termo_busca": "1", "order_by": "data_inicio_programado"},
     ["3", "5", "2", "1", "4"]),
    ({"busca": "codigo_cliente", "termo_busca": "1", "data_inicio": "2026-12-10", "data_fim": "2026-12-10"},
     ["5", "4", "3", "2", "1"]),
    ({"busca": "codigo_cliente", "termo_busca": "1", "data_inicio": "2026-12-11"}, []),
    ({"busca": "id_cliente_servico", "termo_busca": "1", "limit": 1}, ["5"]),
    ({"busca": "id_cliente_servico", "termo_busca": "2"}, []),
    ({"busca": "numero_ordem_servico", "termo_busca": "3"}, ["3"]),
    ({"busca": "numero_ordem_servico", "termo_busca": "77"}, []),
    ({"busca": "codigo_cliente", "termo_busca": "9"}, []),
    ({"busca": "cpf_cnpj", "termo_busca": "11144477735"}, []),
]


def test_customer_orders_searches(orders: Http) -> None:
    for params, expected in CUSTOMER_SEARCHES:
        answer = ok(get(orders, f"{BASE}/cliente/ordem_servico", **params))
        assert [o["numero_ordem_servico"] for o in answer["ordens_servico"]] == expected, params


@pytest.mark.parametrize("params, fragment", [
    ({"termo_busca": "1"}, "O campo busca é obrigatório"),
    ({"busca": "nome", "termo_busca": "1"}, "busca"),
    ({"busca": "codigo_cliente"}, "O campo termo_busca é obrigatório"),
    ({"busca": "codigo_cliente", "termo_busca": "abc"}, "deve ser numérico"),
    ({"busca": "codigo_cliente", "termo_busca": "1", "limit": 51}, "limit"),
    ({"busca": "codigo_cliente", "termo_busca": "1", "status": "aberta"}, "status"),
])
def test_customer_orders_refusals(admin: Http, params: dict[str, Any], fragment: str) -> None:  # noqa: F811
    assert_refused(get(admin, f"{BASE}/cliente/ordem_servico", **params), fragment)


# --------------------------------------------------------------- calendario
def test_calendar_by_agenda(orders: Http) -> None:
    answer = ok(get(orders, f"{ORDERS}/calendario", data_inicio=MONDAY, data_fim="2026-12-20"))
    assert answer["recursos"] == [{"id": 1, "titulo": "Instalações Campinas"}]  # agenda 2 is inactive
    assert [e["numero"] for e in answer["eventos"]] == [1, 2, 5, 3]
    assert answer["eventos"][0] == {
        "id_ordem_servico": 1, "numero": 1, "recursos": [1], "inicio": "2026-12-14T09:00:00",
        "fim": "2026-12-14T10:00:00", "titulo": "OS 1 - Maria da Silva", "tipo": "ABERTURA VIA API",
        "status": "pendente", "cliente": "(1) Maria da Silva", "cidade": "Campinas/SP", "tecnicos": [1],
        "editavel": True,
    }
    assert answer["eventos"][2]["editavel"] is False  # finished
    both = ok(get(orders, f"{ORDERS}/calendario", data_inicio=MONDAY, data_fim=MONDAY, ids="1,2"))
    assert [r["id"] for r in both["recursos"]] == [1, 2] and [e["numero"] for e in both["eventos"]] == [1, 2, 5]


def test_calendar_by_technician_and_a_cancelled_os_leaves_it(orders: Http, stack: Container) -> None:
    stack.service_orders.cancel(2, "Cliente desistiu")
    answer = ok(get(orders, f"{ORDERS}/calendario", data_inicio=MONDAY, data_fim="2026-12-20", ver_por="tecnico"))
    assert answer["recursos"] == [{"id": 1, "titulo": "Carlos"}, {"id": 2, "titulo": "Ana"}]
    assert [(e["numero"], e["recursos"]) for e in answer["eventos"]] == [(1, [1]), (5, [1]), (3, [1, 2])]
    only_ana = ok(get(orders, f"{ORDERS}/calendario", data_inicio=MONDAY, data_fim="2026-12-20",
                      ver_por="tecnico", ids="2"))
    assert [(e["numero"], e["recursos"]) for e in only_ana["eventos"]] == [(3, [2])]


def test_calendar_is_read_only_for_a_user_who_cannot_schedule(orders: Http) -> None:
    user(orders, "leitura", ["Consultar ordem de serviço"])
    answer = ok(get(orders, f"{ORDERS}/calendario", data_inicio=MONDAY, data_fim=MONDAY))
    assert {e["editavel"] for e in answer["eventos"]} == {False}


@pytest.mark.parametrize("params, fragment", [
    ({"data_fim": MONDAY}, "O campo data_inicio é obrigatório"),
    ({"data_inicio": MONDAY, "data_fim": "2027-03-01"}, "no máximo 62 dias"),
    ({"data_inicio": MONDAY, "data_fim": MONDAY, "ver_por": "cidade"}, "ver_por"),
    ({"data_inicio": MONDAY, "data_fim": MONDAY, "ids": "a"}, "O campo ids deve ter IDs numéricos"),
])
def test_calendar_refusals(admin: Http, params: dict[str, Any], fragment: str) -> None:  # noqa: F811
    assert_refused(get(admin, f"{ORDERS}/calendario", **params), fragment)


@pytest.mark.parametrize("method, path", [
    ("GET", f"{ORDERS}/todos"), ("POST", f"{ORDERS}/consultar"), ("GET", f"{BASE}/cliente/ordem_servico"),
    ("GET", f"{ORDERS}/calendario"),
])
def test_reads_need_the_permission(orders: Http, method: str, path: str) -> None:
    user(orders, "sem.permissao", ["Consultar clientes"])
    answer = orders.request(method, path, {} if method == "POST" else None)
    assert answer.status_code == 403
    assert answer.json["msg"] == "O Usuário não possui a permissão desejada!"
