"""HubSoft's ticket routes through the Chalice app: every key path of HubSoft's example answers (with data that
fills every list), the searches and lists, changing and closing a ticket, its messages, and the refusals."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.container import Container
from tests.conftest import MutableClock
from tests.functional.conftest import Http
from tests.functional.test_bad_input import assert_refused
from tests.functional.test_service_orders_http import ORDERS, admin, closing, scheduled, ticket_body, user
from tests.support.http import BASE, ok
from tests.support.hubsoft_shape import assert_hubsoft_shape

__all__ = ["admin"]  # the fixture, used by name

# What we keep no record of (see chalicelib/tickets/shapes.py and docs/api.md).
NO_MAP = "não guardamos coordenadas nem o ID da cidade do endereço"
NO_PLANS = "não há catálogo de planos nem grupos de serviço: o serviço do cliente é o plano"
ADDRESS = "cliente_servico.endereco_instalacao.endereco_numero"
UNKNOWN_SERVICE = {
    f"{ADDRESS}.coordenadas": NO_MAP, f"{ADDRESS}.id_cidade": NO_MAP, f"{ADDRESS}.cidade.id_cidade": NO_MAP,
    "cliente_servico.id_servico": NO_PLANS, "cliente_servico.servico.id_servico": NO_PLANS,
    "cliente_servico.servico.id_servico_grupo": NO_PLANS, "cliente_servico.servico.servico_grupo": NO_PLANS,
}


@pytest.fixture
def desk(admin: Http) -> Http:
    """The admin's session plus user 2, "Joana Souza", who may read and change tickets (logged back as admin)."""
    ok(admin.request("POST", f"{BASE}/configuracao/usuario", {
        "username": "joana", "password": "senha-forte-1", "nome": "Joana Souza",
        "permissoes": ["Consultar atendimentos", "Alterar atendimentos"]}))
    return admin


def open_ticket(http: Http, **changes: Any) -> dict[str, Any]:
    answer: dict[str, Any] = ok(http.request("POST", f"{BASE}/atendimento", ticket_body(**changes)))
    return answer["atendimento"]


def put(http: Http, ticket_id: int, body: dict[str, Any]) -> Any:
    return http.request("PUT", f"{BASE}/atendimento/{ticket_id}", body)


# ---------------------------------------------------------------- POST atendimento
def test_post_atendimento_has_hubsofts_shape_and_keeps_what_clients_send(desk: Http, stack: Container) -> None:
    answer = ok(desk.request("POST", f"{BASE}/atendimento", ticket_body(
        abrir_os=True, parametros_ordem_servico=scheduled(9, ids_tecnicos=["1"]), id_usuario_responsavel=2,
        id_atendimento_status=2, parametros={"parametro1": "chamada-77", "parametro2": 3, "parametro3": True})))
    assert_hubsoft_shape("POST atendimento", answer)
    ticket = answer["atendimento"]
    assert (ticket["usuario_responsavel"], ticket["status"], ticket["data_cadastro"]) == (
        "Joana Souza", "Aguardando Análise", "10/12/2026")
    assert ticket["parametros"] == {"parametro1": "chamada-77", "parametro2": "3", "parametro3": "true"}
    assert [o["id_ordem_servico"] for o in ticket["ordens_servico"]] == [1]
    stored = stack.tickets.get(1)
    assert (stored.order_ids, stored.responsible_id, stored.status) == ((1,), 2, "aguardando_analise")


def test_post_atendimento_refuses_a_closed_status_and_a_status_that_opens_no_os(desk: Http) -> None:
    assert_refused(desk.request("POST", f"{BASE}/atendimento", ticket_body(id_atendimento_status=9)),
                   "Status de atendimento de ID 9 não encontrado")
    assert_refused(desk.request("POST", f"{BASE}/atendimento", ticket_body(id_atendimento_status=5)),
                   "não é aberto com o status Resolvido")
    assert_refused(desk.request("POST", f"{BASE}/atendimento", ticket_body(
        id_atendimento_status=4, abrir_os=True)), "Aguardando Cliente não permite abrir ordem de serviço")
    assert_refused(desk.request("POST", f"{BASE}/atendimento", ticket_body(parametros=["x"])),
                   "parametros deve ser um objeto")


# ---------------------------------------------------------------- PUT atendimento/{id}
def test_put_closes_the_ticket_in_hubsofts_shape(desk: Http, clock: MutableClock) -> None:
    open_ticket(desk, id_usuario_responsavel=2, parametros={"url_ligacao": "https://pbx/1"})
    clock.advance(hours=2, minutes=30)
    desk.login()
    answer = ok(put(desk, 1, {"parametros": {"software": "bot", "outro_parametro": None},
                              "fechar_atendimento": True, "descricao": "Cliente voltou a navegar",
                              "id_motivo_fechamento_atendimento": 2}))
    assert answer["msg"] == "Atendimento fechado com sucesso"
    assert_hubsoft_shape("PUT atendimento/:id_atendimento", answer)
    record = answer["atendimento"]
    assert (record["status_fechamento"], record["id_atendimento_status"], record["id_usuario_fechamento"],
            record["descricao_fechamento"], record["data_fechamento"], record["data_fechamento_br"]) == (
        "concluido", 5, 1, "Cliente voltou a navegar", "2026-12-10 12:30:00", "10/12/2026 12:30:00")
    # SAC's SLA is 24 h: 150 minutes open leave 21:30 (89 %).
    assert (record["minutos_em_aberto"], record["tempo_restante"], record["percentual_tempo_restante"],
            record["percentual_color_class"]) == (150, "21:30", 89, "success")
    assert record["parametros"] == {"url_ligacao": "https://pbx/1", "software": "bot", "outro_parametro": ""}
    assert_refused(put(desk, 1, {"parametros": {"a": "b"}}), "O atendimento 1 está fechado")


def test_put_changes_description_responsible_and_status(desk: Http) -> None:
    open_ticket(desk)
    record = ok(put(desk, 1, {"descricao": "Sem sinal desde ontem", "id_usuario_responsavel": "2",
                              "id_atendimento_status": 3}))["atendimento"]
    assert (record["descricao_abertura"], record["id_usuario_responsavel"], record["id_atendimento_status"],
            record["data_fechamento"]) == ("Sem sinal desde ontem", 2, 3, None)
    assert_refused(put(desk, 1, {}), "Informe ao menos um campo")
    assert_refused(put(desk, 1, {"id_atendimento_status": 5}), "use fechar_atendimento")
    assert_refused(put(desk, 1, {"fechar_atendimento": True, "id_motivo_fechamento_atendimento": 99}),
                   "Motivo de fechamento de atendimento de ID 99 não encontrado")
    assert_refused(put(desk, 7, {"descricao": "x"}), "Atendimento de ID 7 não encontrado")


def test_closing_is_refused_while_an_os_of_the_ticket_is_open(desk: Http) -> None:
    open_ticket(desk, abrir_os=True, parametros_ordem_servico=scheduled(9))
    assert_refused(put(desk, 1, {"fechar_atendimento": True}),
                   "tem ordem de serviço aberta (1): feche ou cancele a OS antes")
    ok(desk.request("POST", f"{ORDERS}/cancelar", {"id_ordem_servico": 1, "motivo": "Resolvido por telefone"}))
    assert ok(put(desk, 1, {"fechar_atendimento": True}))["atendimento"]["status_fechamento"] == "concluido"
    assert_refused(desk.request("POST", f"{ORDERS}/abrir_os?id_atendimento=1"), "O atendimento 1 está fechado")


# ---------------------------------------------------------------- adicionar_mensagem
def test_messages_are_kept_under_the_ticket(desk: Http) -> None:
    open_ticket(desk)
    answer = ok(desk.request("POST", f"{BASE}/atendimento/adicionar_mensagem/1", {"mensagem": "Liguei, sem resposta"}))
    assert answer["mensagem"] == {
        "id_atendimento_mensagem": 1, "id_atendimento": 1, "id_usuario": 1, "usuario": "admin",
        "mensagem": "Liguei, sem resposta", "data_cadastro": "2026-12-10 10:00:00",
        "data_cadastro_br": "10/12/2026 10:00:00", "data_cadastro_timestamp": 1796907600}
    assert_refused(desk.request("POST", f"{BASE}/atendimento/adicionar_mensagem/1", {"mensagem": " "}),
                   "mensagem é obrigatório")
    ok(put(desk, 1, {"fechar_atendimento": True}))
    assert_refused(desk.request("POST", f"{BASE}/atendimento/adicionar_mensagem/1", {"mensagem": "Mais uma"}),
                   "O atendimento 1 está fechado")
    assert_refused(desk.request("POST", f"{BASE}/atendimento/adicionar_mensagem/9", {"mensagem": "Oi"}),
                   "Atendimento de ID 9 não encontrado")


# ---------------------------------------------------------------- GET cliente/atendimento
def test_cliente_atendimento_has_hubsofts_shape_and_typo(desk: Http, clock: MutableClock) -> None:
    """Ticket 1 with its OS closed, ticket 2 (service 2) closed, ticket 3 open."""
    open_ticket(desk, abrir_os=True, parametros_ordem_servico=scheduled(9, ids_tecnicos=[1]), id_usuario_responsavel=2)
    ok(desk.request("POST", f"{ORDERS}/fechar", closing()))
    clock.advance(days=1)
    desk.login()
    open_ticket(desk, id_cliente_servico=2, descricao="Mudança de plano")
    clock.advance(hours=1)
    desk.login()
    ok(put(desk, 2, {"fechar_atendimento": True, "id_motivo_fechamento_atendimento": 1}))
    clock.advance(days=1)
    desk.login()
    open_ticket(desk, descricao="Lentidão")

    def search(**query: Any) -> list[dict[str, Any]]:
        text = "&".join(f"{k}={v}" for k, v in query.items())
        answer = desk.request("GET", f"{BASE}/cliente/atendimento?{text}").json
        assert answer["status"] == "suscess", answer
        return list(answer["atendimentos"])

    answer = desk.request("GET", f"{BASE}/cliente/atendimento?busca=codigo_cliente&termo_busca=1").json
    assert_hubsoft_shape("GET cliente/atendimento", {**answer, "atendimentos": [
        t for t in answer["atendimentos"] if t["id_atendimento"] == 1]})
    assert [t["id_atendimento"] for t in answer["atendimentos"]] == [3, 1]  # open ones, newest first
    first = next(t for t in answer["atendimentos"] if t["id_atendimento"] == 1)
    assert first["ordens_servico"][0]["status"] == "finalizado"
    assert [t["id_atendimento"] for t in search(busca="codigo_cliente", termo_busca=1, apenas_pendente="nao")] == [
        3, 2, 1]
    assert [t["id_atendimento"] for t in search(busca="cpf_cnpj", termo_busca="52998224725", apenas_pendente="nao",
                                                order_type="asc", limit=2)] == [1, 2]
    closed_first = search(busca="codigo_cliente", termo_busca=1, apenas_pendente="nao", order_by="data_fechamento")
    assert [t["id_atendimento"] for t in closed_first][0] == 2
    assert closed_first[0]["motivo_fechamento"] == "Solicitação atendida"
    by_service = search(busca="id_cliente_servico", termo_busca=2, apenas_pendente="nao")
    assert [t["id_atendimento"] for t in by_service] == [2]
    assert [t["id_atendimento"] for t in search(busca="protocolo", termo_busca="20261212000003")] == [3]
    assert search(busca="protocolo", termo_busca="20261210000003") == []  # the right id, another day
    assert [t["id_atendimento"] for t in search(busca="codigo_cliente", termo_busca=1, apenas_pendente="nao",
                                                data_inicio="2026-12-11", data_fim="2026-12-11")] == [2]
    assert search(busca="codigo_cliente", termo_busca=99) == []
    assert_refused(desk.request("GET", f"{BASE}/cliente/atendimento?busca=nome&termo_busca=x"), "busca")
    assert_refused(desk.request("GET", f"{BASE}/cliente/atendimento?busca=codigo_cliente&termo_busca=1&limit=51"),
                   "limit")


# ---------------------------------------------------------------- GET atendimento/todos and paginado
def _busy_day(desk: Http) -> None:
    """Tickets 1 (with a message and an OS, responsible Joana) and 2 (closed)."""
    open_ticket(desk, abrir_os=True, parametros_ordem_servico=scheduled(9), id_usuario_responsavel=2)
    ok(desk.request("POST", f"{BASE}/atendimento/adicionar_mensagem/1", {"mensagem": "Técnico a caminho"}))
    open_ticket(desk, id_cliente_servico=2, id_usuario_responsavel=2)
    ok(put(desk, 2, {"fechar_atendimento": True}))


def test_atendimento_todos_pages_with_relations_in_hubsofts_shape(desk: Http) -> None:
    _busy_day(desk)
    answer = ok(desk.request("GET", f"{BASE}/atendimento/todos?itens_por_pagina=1&relacoes="
                                    "cliente_servico,usuarios_responsaveis,atendimento_mensagem"))
    assert_hubsoft_shape("GET atendimento/todos", answer, unknown={f"atendimentos[].{k}": v
                                                                  for k, v in UNKNOWN_SERVICE.items()})
    assert answer["paginacao"] == {"primeira_pagina": 0, "ultima_pagina": 1, "pagina_atual": 0,
                                   "total_registros": 2}
    first = answer["atendimentos"][0]
    assert (first["id_atendimento"], first["ordem_servico_count"], first["ordem_servico_aberta"],
            first["status"]["prefixo"]) == (1, 1, 1, "pendente")
    assert first["cliente_servico"]["endereco_instalacao"]["endereco_numero"]["cidade"]["estado"] == {
        "id_estado": 35, "sigla": "SP"}
    assert [m["mensagem"] for m in first["atendimento_mensagem"]] == ["Técnico a caminho"]
    assert [u["name"] for u in first["usuarios_responsaveis"]] == ["Joana Souza"]
    second = ok(desk.request("GET", f"{BASE}/atendimento/todos?itens_por_pagina=1&pagina=1"))["atendimentos"]
    assert [(t["id_atendimento"], t["status"]["prefixo"]) for t in second] == [(2, "resolvido")]
    assert "cliente_servico" not in second[0]
    past = ok(desk.request("GET", f"{BASE}/atendimento/todos?itens_por_pagina=1&pagina=2"))
    assert past["atendimentos"] == [] and past["paginacao"]["total_registros"] == 2
    other_month = ok(desk.request("GET", f"{BASE}/atendimento/todos?data_inicio=2027-02-01&data_fim=2027-02-28"))
    assert other_month["atendimentos"] == []
    assert_refused(desk.request("GET", f"{BASE}/atendimento/todos?relacoes=anexos"), "relação inválida")


def test_atendimento_paginado_is_laravels_paginator(desk: Http) -> None:
    _busy_day(desk)
    page = ok(desk.request("GET", f"{BASE}/atendimento/paginado/1?pagina=1"))["atendimentos"]
    assert (page["current_page"], page["total"], page["last_page"], page["from"], page["to"], page["per_page"],
            page["prev_page_url"]) == (1, 2, 2, 1, 1, 1, None)
    assert page["next_page_url"].endswith("/atendimento/paginado/1?pagina=2")
    answer = ok(desk.request("GET", f"{BASE}/atendimento/paginado/1?pagina=2"))  # HubSoft's example: the last page
    assert_hubsoft_shape("GET atendimento/paginado/:quantidade", answer,
                         unknown={f"atendimentos.data[].{k}": v for k, v in UNKNOWN_SERVICE.items()})
    last = answer["atendimentos"]
    assert ([t["id_atendimento"] for t in last["data"]], last["next_page_url"]) == ([2], None)
    assert_refused(desk.request("GET", f"{BASE}/atendimento/paginado/501"), "quantidade")


def test_ticket_routes_need_their_permissions(desk: Http) -> None:
    open_ticket(desk)
    user(desk, "leitor", ["Consultar atendimentos"])
    assert desk.request("GET", f"{BASE}/atendimento/todos").status_code == 200
    assert desk.request("PUT", f"{BASE}/atendimento/1", {"descricao": "x"}).status_code == 403
    assert desk.request("POST", f"{BASE}/atendimento/adicionar_mensagem/1", {"mensagem": "x"}).status_code == 403
