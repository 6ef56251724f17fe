"""The OS API's catalogues through the Chalice app: HubSoft's read routes in its exact shapes, our CRUD with
the provider's own ids, refusals in Portuguese that change nothing, an OS opened with ticket and OS types the
provider created and closed with its closing reason; and HubSoft's routes we do not serve."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.container import Container
from chalicelib.service_orders.catalogues import DEFAULTS, Kind
from chalicelib.storage.models import CatalogueItem, SettingsItem
from chalicelib.web.unavailable import UNAVAILABLE
from tests.functional.conftest import Http
from tests.functional.test_service_orders_http import MONDAY, admin, closing, scheduled, ticket_body, user
from tests.support.http import BASE, ok
from tests.support.hubsoft_shape import assert_hubsoft_shape

__all__ = ["admin"]  # the fixture, reused

CONFIG = f"{BASE}/configuracao"


def refused(answer: Any, fragment: str) -> dict[str, Any]:
    assert answer.status_code == 200 and answer.json["status"] == "error", answer.json
    assert fragment in answer.json["msg"] + " ".join(answer.json["errors"]), answer.json
    return dict(answer.json)


def stored() -> dict[str, Any]:
    return {i.sk: i.entries.as_dict() for i in SettingsItem.query("CATALOGO") if isinstance(i, CatalogueItem)}


# ------------------------------------------------------------------ reading
def test_ticket_types_answer_hubsofts_shape_exactly(admin: Http) -> None:
    answer = ok(admin.request("GET", f"{CONFIG}/tipo_atendimento"))
    assert_hubsoft_shape("GET configuracao/tipo_atendimento", answer)
    assert answer["tipos_atendimento"] == [{"id_tipo_atendimento": e.id, "descricao": e.description}
                                           for e in DEFAULTS[Kind.TICKET_TYPES]]


def test_defaults_are_read_without_being_stored(admin: Http) -> None:
    for kind, key in (("tipo_ordem_servico", "tipo_ordem_servicos"), ("motivo_fechamento_os", "motivos_fechamento"),
                      ("motivo_remocao_agendamento", "motivos_remocao_agendamento")):
        assert len(ok(admin.request("GET", f"{CONFIG}/{kind}"))[key]) == 6, kind
    assert stored() == {}


def test_incluir_inativos_adds_ours(admin: Http) -> None:
    ok(admin.request("DELETE", f"{CONFIG}/tipo_atendimento/3"))
    hubsoft = ok(admin.request("GET", f"{CONFIG}/tipo_atendimento"))["tipos_atendimento"]
    assert [t["id_tipo_atendimento"] for t in hubsoft] == [1, 2, 4]
    ours = ok(admin.request("GET", f"{CONFIG}/tipo_atendimento?incluir_inativos=true"))["tipos_atendimento"]
    assert ours[2:] == [{"id_tipo_atendimento": 3, "descricao": "COMERCIAL", "ativo": False, "abre_os": True},
                        {"id_tipo_atendimento": 4, "descricao": "FINANCEIRO", "ativo": True, "abre_os": False}]


# ------------------------------------------------------------------ writing
def test_provider_ids_are_created_changed_and_deactivated(admin: Http) -> None:
    created = ok(admin.request("POST", f"{CONFIG}/tipo_atendimento", {
        "id_tipo_atendimento": "101", "descricao": "  Suporte   N2 ", "abre_os": "false"}))
    assert created["tipo_atendimento"] == {"id_tipo_atendimento": 101, "descricao": "Suporte N2", "ativo": True,
                                           "abre_os": False}
    changed = ok(admin.request("PUT", f"{CONFIG}/tipo_atendimento/101", {"abre_os": True}))
    assert changed["tipo_atendimento"]["abre_os"] is True and changed["tipo_atendimento"]["descricao"] == "Suporte N2"
    gone = ok(admin.request("DELETE", f"{CONFIG}/tipo_atendimento/101"))
    assert gone["msg"] == "Tipo de atendimento desativado com sucesso."
    assert gone["tipo_atendimento"]["ativo"] is False
    # the defaults were stored with the first change, unchanged; 101 is kept, inactive
    assert set(stored()["tipo_atendimento"]) == {"1", "2", "3", "4", "101"}
    back = ok(admin.request("PUT", f"{CONFIG}/tipo_atendimento/101", {"ativo": True}))
    assert back["tipo_atendimento"]["ativo"] is True


@pytest.mark.parametrize(("method", "path", "body", "fragment"), [
    ("POST", "motivo_fechamento_os", {"id_motivo_fechamento": 1, "descricao": "Outro"},
     "Já existe motivo de fechamento de ID 1 (Serviço executado)"),
    ("POST", "tipo_ordem_servico", {"descricao": "Sem ID"}, "id_tipo_ordem_servico"),
    ("POST", "tipo_ordem_servico", {"id_tipo_ordem_servico": 7, "descricao": "   "}, "descricao é obrigatório"),
    ("POST", "tipo_ordem_servico", {"id_tipo_ordem_servico": "1000000000", "descricao": "x"}, "entre 1 e 999999999"),
    ("PUT", "tipo_ordem_servico/99", {"descricao": "Novo"}, "Tipo de ordem de serviço de ID 99 não encontrado"),
    ("PUT", "tipo_ordem_servico/1", {}, "Informe ao menos um campo para alterar: descricao, ativo"),
    ("PUT", "motivo_remocao_agendamento/1", {"descricao": ""}, "descricao"),
    ("DELETE", "motivo_remocao_agendamento/42", None, "Motivo de remoção de agendamento de ID 42 não encontrado"),
])
def test_refusals_are_in_portuguese_and_change_nothing(admin: Http, method: str, path: str, body: Any,
                                                       fragment: str) -> None:
    before = stored()
    refused(admin.request(method, f"{CONFIG}/{path}", body), fragment)
    assert stored() == before


def test_a_deactivated_id_is_still_taken(admin: Http) -> None:
    ok(admin.request("DELETE", f"{CONFIG}/tipo_ordem_servico/6"))
    refused(admin.request("POST", f"{CONFIG}/tipo_ordem_servico", {"id_tipo_ordem_servico": 6, "descricao": "X"}),
            "Já existe tipo de ordem de serviço de ID 6 (VISITA TÉCNICA, inativo)")


def test_writing_needs_its_own_permission(admin: Http) -> None:
    user(admin, "bot", ["Criar atendimento", "Consultar ordem de serviço"])
    assert ok(admin.request("GET", f"{CONFIG}/tipo_atendimento"))["tipos_atendimento"]
    answer = admin.request("POST", f"{CONFIG}/tipo_atendimento", {"id_tipo_atendimento": 9, "descricao": "X"})
    assert answer.status_code == 403
    assert answer.json["errors"] == ["Permissão necessária: Configurar catálogos de OS"]


# ------------------------------------------------- used by the OS routes
def test_os_opened_with_the_providers_types_and_closed_with_its_reason(admin: Http, stack: Container) -> None:
    # GIVEN the provider's ids from HubSoft: ticket type 101, OS type 30, closing reason 27
    ok(admin.request("POST", f"{CONFIG}/tipo_atendimento", {"id_tipo_atendimento": 101, "descricao": "Reparo"}))
    ok(admin.request("POST", f"{CONFIG}/tipo_ordem_servico", {"id_tipo_ordem_servico": 30, "descricao": "REPARO"}))
    ok(admin.request("POST", f"{CONFIG}/motivo_fechamento_os", {"id_motivo_fechamento": 27,
                                                                "descricao": "Conector trocado"}))
    # WHEN a bot opens a ticket with its OS and a technician closes it
    answer = ok(admin.request("POST", f"{BASE}/atendimento", ticket_body(
        id_tipo_atendimento=101, abrir_os=True, parametros_ordem_servico=scheduled(9, id_tipo_ordem_servico=30))))
    ticket = answer["atendimento"]
    order = ticket["ordens_servico"][0]
    closed = ok(admin.request("POST", f"{BASE}/ordem_servico/fechar", closing(
        id_ordem_servico=order["id_ordem_servico"], motivo_fechamento={"id": "27"})))
    # THEN every answer names them
    assert (ticket["id_tipo_atendimento"], ticket["tipo_atendimento"]) == (101, "Reparo")
    assert (order["id_tipo_ordem_servico"], order["tipo"]) == (30, "REPARO")
    assert closed["ordem_servico"]["tipo_ordem_servico"] == "REPARO"
    number = order["numero_ordem_servico"]
    consulted = ok(admin.request("POST", f"{BASE}/ordem_servico/consultar",
                                 {"consulta": number, "relacoes": ["motivos_fechamento"]}))["ordens_servico"]
    assert consulted[0]["motivo_fechamento"] == [{"id_motivo_fechamento": 27, "descricao": "Conector trocado"}]
    assert stack.service_orders.get(order["id_ordem_servico"]).closing.reason_id == 27
    # AND the entry deactivated since keeps its text on the OS, but is refused for a new one
    ok(admin.request("DELETE", f"{CONFIG}/tipo_ordem_servico/30"))
    again = ok(admin.request("POST", f"{BASE}/ordem_servico/consultar", {"consulta": number}))
    assert again["ordens_servico"][0]["tipo_ordem_servico"] == "REPARO"
    refused(admin.request("POST", f"{BASE}/atendimento", ticket_body(
        abrir_os=True, parametros_ordem_servico=scheduled(10, id_tipo_ordem_servico=30))),
        "Tipo de ordem de serviço de ID 30 (REPARO) está inativo")


def test_a_ticket_is_closed_with_the_providers_own_reason(admin: Http) -> None:
    # GIVEN the provider's ticket closing reason 27, as its CRM sends it
    ok(admin.request("POST", f"{CONFIG}/motivo_fechamento_atendimento", {
        "id_motivo_fechamento_atendimento": 27, "descricao": "Contrato cancelado"}))
    listed = ok(admin.request("GET", f"{CONFIG}/motivo_fechamento_atendimento"))["motivos_fechamento_atendimento"]
    assert {"id_motivo_fechamento_atendimento": 27, "descricao": "Contrato cancelado"} in listed
    ticket = ok(admin.request("POST", f"{BASE}/atendimento", ticket_body()))["atendimento"]
    # WHEN the ticket is closed with it
    closed = ok(admin.request("PUT", f"{BASE}/atendimento/{ticket['id_atendimento']}", {
        "fechar_atendimento": True, "parametros_fechamento": {"id_motivo_fechamento_atendimento": "27"}}))
    # THEN the ticket names it; an unknown or inactive reason is refused
    assert closed["atendimento"]["id_motivo_fechamento_atendimento"] == 27
    shown = admin.request("GET", f"{BASE}/cliente/atendimento?busca=protocolo&termo_busca={ticket['protocolo']}"
                                 "&apenas_pendente=nao").json
    assert shown["status"] == "suscess" and shown["atendimentos"][0]["motivo_fechamento"] == "Contrato cancelado"
    ok(admin.request("DELETE", f"{CONFIG}/motivo_fechamento_atendimento/27"))
    other = ok(admin.request("POST", f"{BASE}/atendimento", ticket_body()))["atendimento"]
    refused(admin.request("PUT", f"{BASE}/atendimento/{other['id_atendimento']}", {
        "fechar_atendimento": True, "id_motivo_fechamento_atendimento": 27}),
        "Motivo de fechamento de atendimento de ID 27 (Contrato cancelado) está inativo")
    refused(admin.request("PUT", f"{BASE}/atendimento/{other['id_atendimento']}", {
        "fechar_atendimento": True, "id_motivo_fechamento_atendimento": 28}),
        "Motivo de fechamento de atendimento de ID 28 não encontrado")


def test_a_provider_type_that_opens_no_os_is_refused_with_one(admin: Http) -> None:
    ok(admin.request("POST", f"{CONFIG}/tipo_atendimento", {"id_tipo_atendimento": 55, "descricao": "Cobrança",
                                                            "abre_os": False}))
    refused(admin.request("POST", f"{BASE}/atendimento", ticket_body(
        id_tipo_atendimento=55, abrir_os=True, parametros_ordem_servico=scheduled(9))),
        "O tipo de atendimento Cobrança não permite abrir ordem de serviço")
    assert ok(admin.request("POST", f"{BASE}/atendimento", ticket_body(id_tipo_atendimento=55)))


def test_create_lists_the_active_reasons_with_the_providers_ids(admin: Http) -> None:
    ok(admin.request("POST", f"{CONFIG}/motivo_remocao_agendamento",
                     {"id_motivo_remocao_agendamento": 40, "descricao": "Chuva forte"}))
    ok(admin.request("DELETE", f"{CONFIG}/motivo_remocao_agendamento/4"))
    reasons = ok(admin.request("GET", f"{BASE}/ordem_servico/create"))["motivos_remocao_agendamento"]
    ids = [r["id_motivo_remocao_agendamento"] for r in reasons]
    assert ids == [1, 2, 3, 5, 6, 40]
    ok(admin.request("POST", f"{BASE}/atendimento", ticket_body(abrir_os=True, parametros_ordem_servico=scheduled(9))))
    base = {"id_ordem_servico": 1, "observacao": "Cliente pediu outro dia"}
    refused(admin.request("POST", f"{BASE}/ordem_servico/remove_agendamento",
                          {**base, "id_motivo_remocao_agendamento": 4}), "está inativo")
    ok(admin.request("POST", f"{BASE}/ordem_servico/remove_agendamento", {**base, "id_motivo_remocao_agendamento": 40}))
    assert MONDAY  # the OS was booked on the shared Monday


# ------------------------------------------------- routes we do not serve
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_routes_not_served_answer_the_envelope_for_any_method(http: Http, method: str) -> None:
    for entry in UNAVAILABLE:
        path = entry.path.replace("{id_cliente_servico}", "7").replace("{id_prospecto}", "3") \
            .replace("{id_ordem_servico}", "1")
        answer = http.request(method, f"{BASE}/{path}", {} if method != "GET" else None)
        assert answer.status_code == 200, (method, path)
        assert answer.json["status"] == "error"
        assert answer.json["msg"] == f"Rota {method} {entry.path} não disponível nesta instalação."
        assert answer.json["errors"] == [entry.why]
