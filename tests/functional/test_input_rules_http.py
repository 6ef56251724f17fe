"""Inputs that used to answer 500, through the Chalice app: Unicode digits ("²"), dates near year 9999, a
settlement of nothing or in the future, and secrets in the query string. Each is an envelope refusal that
changes nothing."""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from chalicelib.container import Container
from chalicelib.input_rules import date_range_error
from tests.functional.conftest import ADMIN, CLIENT, Http
from tests.functional.test_bad_input import assert_refused
from tests.functional.test_service_orders_http import AGENDA, ticket_body
from tests.functional.test_service_orders_http import snapshot as orders_snapshot
from tests.support.http import BASE, ok

ORDERS = f"{BASE}/ordem_servico"
INVOICES = f"{BASE}/financeiro/fatura"
ADDRESS = {"logradouro": "Rua A", "numero": "1", "bairro": "Centro", "cidade": "Campinas", "uf": "SP",
           "cep": "13010-000"}
FAR = "9999-12-31"
# The test clock is 2026-12-10 13:00 UTC, 10:00 in São Paulo.
TODAY, TOMORROW = "2026-12-10", "2026-12-11"
SECRET_VALUE = "nao-pode-vazar-4024007197692931"


@pytest.fixture
def admin(http: Http) -> Http:
    """Customer 1 with service 1 in Campinas, agenda 1 for Campinas, ticket 1 without an OS."""
    http.login()
    ok(http.request("POST", f"{BASE}/configuracao/tecnico", {"name": "Carlos", "email": "carlos@isp.com.br"}))
    ok(http.request("POST", f"{BASE}/cliente", {
        "nome_razaosocial": "Maria da Silva", "cpf_cnpj": "529.982.247-25", "telefone_primario": "11987654321",
        "servicos": [{"nome": "Fibra 500MB", "valor": "99.90", "endereco_instalacao": ADDRESS}]}))
    ok(http.request("POST", f"{BASE}/configuracao/agenda_ordem_servico", AGENDA))
    ok(http.request("POST", f"{BASE}/atendimento", ticket_body()))
    return http


# ------------------------------------------------------------ unicode digits
SEARCHES = [("cliente", "codigo_cliente"), ("cliente", "id_cliente_servico"),
            ("cliente/ordem_servico", "codigo_cliente"), ("cliente/ordem_servico", "id_cliente_servico"),
            ("cliente/ordem_servico", "numero_ordem_servico")]


def test_a_search_term_of_unicode_digits_is_refused_not_a_500(admin: Http, stack: Container) -> None:
    before = orders_snapshot()
    # "²" made int() raise (a 500); "١" (Arabic-Indic one) and "７" (full-width) were read as numbers.
    for path, search in SEARCHES:
        for term in ("²", "1²", "١", "７"):
            answer = admin.request("GET", f"{BASE}/{path}?busca={search}&termo_busca={quote(term)}")
            assert_refused(answer, f"O termo_busca deve ser numérico para busca por {search}.")
    assert orders_snapshot() == before
    assert [c.id for c in stack.customers.search("codigo_cliente", "1", 5)] == [1]


def test_unicode_digits_in_ids_and_amounts_are_format_errors(admin: Http, stack: Container) -> None:
    answer = admin.request("POST", INVOICES, {"id_cliente_servico": "١", "valor": "９9.90",
                                              "data_vencimento": "２026-12-20"})
    assert_refused(answer, "id_cliente_servico deve ser um número inteiro", "valor deve ser um valor em reais",
                   "data_vencimento deve ser uma data no formato AAAA-MM-DD")
    assert list(stack.invoices.of_service(1)) == []


# ------------------------------------------------------------- dates far off
@pytest.mark.parametrize("due", [FAR, "0001-01-01", "1999-12-31", "2101-01-01"])
def test_an_invoice_due_out_of_bounds_is_refused_and_not_stored(admin: Http, stack: Container, due: str) -> None:
    answer = admin.request("POST", INVOICES, {"id_cliente_servico": 1, "valor": "99.90", "data_vencimento": due})
    assert_refused(answer, date_range_error("data_vencimento"))
    assert list(stack.invoices.of_service(1)) == []


def test_invoices_due_on_the_bounds_are_accepted(admin: Http) -> None:
    for due in ("2000-01-01", "2100-12-31"):
        assert ok(admin.request("POST", INVOICES, {"id_cliente_servico": 1, "valor": "10",
                                                   "data_vencimento": due}))["fatura"]["data_vencimento"] == due


@pytest.mark.parametrize("field", ["data_inicio_programado", "data_termino_programado"])
def test_abrir_os_far_off_is_refused_and_stores_nothing(admin: Http, field: str) -> None:
    params = {"id_agenda_ordem_servico": 1, "data_inicio_programado": "2026-12-14", "hora_inicio_programado": "09:00",
              "data_termino_programado": "2026-12-14", "hora_termino_programado": "10:00", field: FAR}
    before = orders_snapshot()
    assert_refused(admin.request("POST", f"{ORDERS}/abrir_os?id_atendimento=1", params), date_range_error(field))
    assert_refused(admin.request("POST", f"{BASE}/atendimento", ticket_body(abrir_os=True,
                                                                           parametros_ordem_servico=params)),
                   date_range_error(f"parametros_ordem_servico.{field}"))
    # No agenda: the default length (and any duracao) is added to the start without an agenda's hours to stop it.
    no_agenda = {"data_inicio_programado": FAR, "hora_inicio_programado": "23:30", "duracao": "99:00:00"}
    assert_refused(admin.request("POST", f"{ORDERS}/abrir_os?id_atendimento=1", no_agenda),
                   date_range_error("data_inicio_programado"))
    assert orders_snapshot() == before


def test_free_slots_far_off_are_refused(admin: Http) -> None:
    for start in (FAR, "2101-01-01"):
        answer = admin.request("GET", f"{ORDERS}/horarios_disponiveis_agenda?id_agenda_ordem_servico=1"
                                      f"&data_inicio={start}&dias=31")
        assert_refused(answer, date_range_error("data_inicio"))
    # The last day allowed, with the most days after it: no overflow, days past 2100 simply listed.
    days = ok(admin.request("GET", f"{ORDERS}/horarios_disponiveis_agenda?id_agenda_ordem_servico=1"
                                   "&data_inicio=2100-12-31&dias=2"))["horarios"]["datas"]
    assert list(days) == ["2100-12-31", "2101-01-01"]


@pytest.mark.parametrize("path", [
    f"{ORDERS}/todos?data_inicio={FAR}&data_fim={FAR}",
    f"{ORDERS}/todos?data_fim=0001-01-01",
    f"{ORDERS}/calendario?data_inicio={FAR}&data_fim={FAR}",
    f"{BASE}/cliente/ordem_servico?busca=codigo_cliente&termo_busca=1&data_fim={FAR}",
    f"{BASE}/financeiro/cartao/processamentos?data_inicio=0001-01-01",
    f"{INVOICES}?id_cliente_servico=1&data_fim={FAR}",
])
def test_searches_far_off_are_refused(admin: Http, path: str) -> None:
    answer = admin.request("GET", path)
    assert_refused(answer, "deve estar entre 2000-01-01 e 2100-12-31")


def test_closed_dates_far_off_are_refused(admin: Http) -> None:
    answer = admin.request("POST", f"{BASE}/configuracao/agenda_ordem_servico",
                           {**AGENDA, "descricao": "Outra", "datas_bloqueadas": ["2026-12-15", FAR]})
    assert_refused(answer, date_range_error("datas_bloqueadas.1"))
    listed = ok(admin.request("GET", f"{BASE}/configuracao/agenda_ordem_servico"))["agendas_ordem_servico"]
    assert [a["descricao"] for a in listed] == [AGENDA["descricao"]]


# ---------------------------------------------------------------- settlement
@pytest.fixture
def invoice(admin: Http) -> int:
    return int(ok(admin.request("POST", INVOICES, {"id_cliente_servico": 1, "valor": "99.90",
                                                    "data_vencimento": TODAY}))["fatura"]["id_fatura"])


@pytest.mark.parametrize("changes, fragment", [
    ({"valor_pago": "0"}, "O campo valor_pago deve ser maior que zero."),
    ({"valor_pago": 0}, "O campo valor_pago deve ser maior que zero."),
    ({"valor_pago": "0.00"}, "O campo valor_pago deve ser maior que zero."),
    ({"valor_pago": "-10.00"}, "O campo valor_pago não pode ser negativo."),
    ({"data_pagamento": TOMORROW}, f"O campo data_pagamento não pode ser posterior a hoje ({TODAY})."),
    ({"data_pagamento": "2100-12-31"}, "O campo data_pagamento não pode ser posterior a hoje"),
    ({"data_pagamento": FAR}, date_range_error("data_pagamento")),
])
def test_settling_nothing_or_in_the_future_is_refused_and_changes_nothing(admin: Http, stack: Container,
                                                                          invoice: int, changes: dict[str, Any],
                                                                          fragment: str) -> None:
    before = stack.invoices.get(invoice)
    answer = admin.request("POST", f"{INVOICES}/liquidar", {"id_fatura": invoice, "data_pagamento": TODAY,
                                                            "valor_pago": "99.90", "forma_pagamento": "pix",
                                                            **changes})
    assert_refused(answer, fragment)
    assert stack.invoices.get(invoice) == before and before.status == "aberta"


def test_settling_today_in_the_providers_zone_is_accepted(admin: Http, invoice: int, clock: Any) -> None:
    # 02:30 UTC on the 11th is still the 10th in São Paulo: the 11th is the future there.
    clock.advance(hours=13, minutes=30)
    admin.login()  # the morning's token may have expired
    body = {"id_fatura": invoice, "valor_pago": "99.90", "forma_pagamento": "pix"}
    assert_refused(admin.request("POST", f"{INVOICES}/liquidar", {**body, "data_pagamento": TOMORROW}),
                   "data_pagamento não pode ser posterior a hoje (2026-12-10)")
    settled = ok(admin.request("POST", f"{INVOICES}/liquidar", {**body, "data_pagamento": TODAY}))["fatura"]
    assert (settled["status"], settled["valor_pago"]) == ("paga", 99.9)


# ------------------------------------------------------ secrets in the query
def assert_secret_refused(answer: Any, field: str, caplog: pytest.LogCaptureFixture) -> None:
    assert_refused(answer, f"O campo {field} não pode ser enviado na URL (query string)")
    assert answer.json["msg"] == "Dado sigiloso na URL"
    raw = answer.body.decode() if isinstance(answer.body, bytes) else answer.body
    assert SECRET_VALUE not in raw
    assert all(SECRET_VALUE not in record.getMessage() and SECRET_VALUE not in str(record.__dict__)
               for record in caplog.records)


def test_a_password_in_the_query_string_gets_no_token(http: Http, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = {"grant_type": "password", "client_id": CLIENT[0], "client_secret": CLIENT[1], "username": ADMIN[0]}
    answer = http.request("POST", "/oauth/token?" + urlencode({"password": SECRET_VALUE}), body, token="")
    assert "access_token" not in answer.json
    assert_secret_refused(answer, "password", caplog)
    for field in ("client_secret", "refresh_token"):
        answer = http.request("POST", "/oauth/token?" + urlencode({field: SECRET_VALUE}),
                              {**body, "password": ADMIN[1]}, token="")
        assert "access_token" not in answer.json
        assert_secret_refused(answer, field, caplog)


def test_a_card_number_in_the_query_string_stores_no_card(admin: Http, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = {"nome_titular": "Maria da Silva", "mes_validade": 12, "ano_validade": 2031}
    for query, field in ((f"numero={SECRET_VALUE}", "numero"), (f"cvv={SECRET_VALUE}", "cvv"),
                         (f"codigo_seguranca={SECRET_VALUE}", "codigo_seguranca")):
        answer = admin.request("POST", f"{BASE}/cliente/1/cartao?{query}", {**body, "numero": "4024007197692931"})
        assert_secret_refused(answer, field, caplog)
    assert ok(admin.request("GET", f"{BASE}/cliente/1/cartao"))["cartoes"] == []


def test_gateway_and_zapme_secrets_in_the_query_string_are_refused(admin: Http,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    gateways = f"{BASE}/configuracao/integracao/cartao_credito"
    answer = admin.request("PUT", f"{gateways}/cielo?" + urlencode({"credenciais[merchant_key]": SECRET_VALUE}),
                           {"ativo": True, "credenciais": {"merchant_id": "x"}})
    assert_secret_refused(answer, "merchant_key", caplog)
    answer = admin.request("PUT", f"{BASE}/configuracao/integracao/zapme?secret={SECRET_VALUE}",
                           {"ativo": True, "api": "chave"})
    assert_secret_refused(answer, "secret", caplog)
    assert ok(admin.request("GET", gateways))["integracoes"] == []
    assert ok(admin.request("GET", f"{BASE}/configuracao/integracao/zapme"))["zapme"] is None


def test_secrets_in_the_body_and_an_address_number_in_the_query_string_are_fine(http: Http) -> None:
    http.login()
    query = urlencode({"nome_razaosocial": "Maria da Silva", "cpf_cnpj": "529.982.247-25",
                       "telefone_primario": "11987654321", "servicos[0][nome]": "Fibra",
                       "servicos[0][valor]": "99.90",
                       **{f"servicos[0][endereco_instalacao][{k}]": v for k, v in ADDRESS.items()}})
    created = ok(http.request("POST", f"{BASE}/cliente?{query}"))
    assert created["cliente"]["servicos"][0]["endereco_instalacao"]["numero"] == "1"
