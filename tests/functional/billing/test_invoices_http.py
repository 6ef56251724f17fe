"""Invoices and an operator's one-off card charge through the Chalice app,
against the Cielo and GetNet simulators: every Cielo sandbox ending and GetNet
test card, each fault kind leaving a correct, recorded state, and the charge
panel listing every attempt."""
from __future__ import annotations

import time
from typing import Any

import pytest

from chalicelib.config import DEFAULT_NOT_FOUND_AFTER_MINUTES
from chalicelib.container import Container
from sandbox.simulators.cielo import CieloSimulator
from sandbox.simulators.getnet import GetNetSimulator
from tests.conftest import MutableClock
from tests.functional.billing.support import card_body, cielo_on, getnet_on
from tests.functional.conftest import Http
from tests.functional.test_bad_input import assert_refused
from tests.integration.test_simulators import luhn_number
from tests.support.http import BASE, ok

INVOICES = f"{BASE}/financeiro/fatura"
PANEL = f"{BASE}/financeiro/cartao/processamentos"
Simulators = tuple[CieloSimulator, GetNetSimulator]


def invoice(http: Http, value: str = "99.90", due: str = "2026-12-10") -> int:
    return int(ok(http.request("POST", INVOICES, {"id_cliente_servico": 1, "valor": value,
                                                    "data_vencimento": due}))["fatura"]["id_fatura"])


def charge(http: Http, invoice_id: int, **body: Any) -> dict[str, Any]:
    return ok(http.request("POST", f"{INVOICES}/{invoice_id}/cobrar_cartao", body or None))


def cielo_sales(cielo: CieloSimulator) -> list[object]:
    """The sales the Cielo simulator was sent (each a charge attempt that reached the gateway)."""
    return [r for r in cielo.requests if r.method == "POST" and r.path.rstrip("/") == "/1/sales"]


def with_card(http: Http, number: str) -> None:
    ok(http.request("POST", f"{BASE}/cliente/1/cartao", card_body(number)))


# Cielo's "Simulado" sandbox: the card number's last digit decides (Cielo's sandbox manual). Ending 3 (expired)
# never gets here: Zero Auth refuses the card (test_cards_http).
CIELO_ENDINGS = [
    (0, "aprovado", "6", "paga"), (1, "aprovado", "6", "paga"), (4, "aprovado", "6", "paga"),
    (2, "recusado", "05", "aberta"), (5, "recusado", "78", "aberta"),
    (7, "recusado", "77", "aberta"), (8, "recusado", "70", "aberta"),
]


@pytest.mark.parametrize("ending, status, code, invoice_status", CIELO_ENDINGS)
def test_each_cielo_sandbox_ending(admin: Http, ending: int, status: str, code: str,
                                   invoice_status: str) -> None:
    cielo_on(admin)
    with_card(admin, luhn_number("4551", ending))
    answer = charge(admin, invoice(admin))
    attempt, billed = answer["processamento"], answer["fatura"]
    assert (attempt["status"], attempt["codigo_retorno"], attempt["recorrente"], attempt["tentativa"]) == \
        (status, code, False, 1)
    assert (billed["status"], billed["tentativas_cartao"], billed["cobranca_em_andamento"]) == \
        (invoice_status, 1, False)
    assert attempt["cartao"] == f"Visa •••• {luhn_number('4551', ending)[-4:]}"
    if status == "aprovado":
        assert answer["msg"] == "Pagamento aprovado." and attempt["tid"]
        assert (billed["valor_pago"], billed["forma_pagamento"]) == (99.9, "cartao_credito")
        assert_refused(admin.request("POST", f"{INVOICES}/{billed['id_fatura']}/cobrar_cartao"), "está paga")
    else:
        assert answer["msg"].startswith(f"Cobrança recusada pelo gateway ({code}")


def test_cielo_ending_6_times_out_and_blocks_a_second_charge_until_reconciled(admin: Http) -> None:
    cielo_on(admin)
    with_card(admin, luhn_number("4551", 6))
    invoice_id = invoice(admin)
    answer = charge(admin, invoice_id)
    assert answer["processamento"]["status"] == "processando"
    assert answer["fatura"]["cobranca_em_andamento"] is True
    # the gateway still says "99 Time Out": nothing is sent again
    assert_refused(admin.request("POST", f"{INVOICES}/{invoice_id}/cobrar_cartao"), "resultado desconhecido")
    assert_refused(admin.request("POST", f"{INVOICES}/{invoice_id}/cancelar"), "aguarde a conciliação")
    assert ok(admin.request("GET", PANEL, None))["processamentos"][0]["status"] == "processando"


def test_cielo_ending_9_is_one_of_the_sandbox_answers(admin: Http) -> None:
    cielo_on(admin)
    with_card(admin, luhn_number("4551", 9))
    attempt = charge(admin, invoice(admin))["processamento"]
    assert (attempt["status"], attempt["codigo_retorno"]) in {
        ("aprovado", "6"), ("recusado", "05"), ("recusado", "57"), ("recusado", "78"), ("processando", "99"),
        ("recusado", "77"), ("recusado", "70"), ("processando", None)}


@pytest.mark.parametrize("number, status, code, invoice_status", [
    ("5155901222280001", "aprovado", None, "paga"),
    ("4012001037141112", "aprovado", None, "paga"),
    ("5155901222270002", "recusado", "05", "aberta"),
    ("5155901222250004", "recusado", "51", "aberta"),
])
def test_each_getnet_test_card(admin: Http, number: str, status: str, code: str | None,
                               invoice_status: str) -> None:
    getnet_on(admin)
    with_card(admin, number)
    answer = charge(admin, invoice(admin))
    assert answer["processamento"]["status"] == status and answer["fatura"]["status"] == invoice_status
    if code:
        assert code in (answer["processamento"]["codigo_retorno"] or "") + (
            answer["processamento"]["mensagem_retorno"] or "")


def test_a_5xx_leaves_the_attempt_processing_until_the_gateway_can_say(
        admin: Http, simulators: Simulators, clock: MutableClock) -> None:
    cielo, _ = simulators
    cielo_on(admin)
    with_card(admin, luhn_number("4551", 0))
    invoice_id = invoice(admin)
    cielo.inject("POST /1/sales", "error_5xx")
    first = charge(admin, invoice_id)
    assert (first["processamento"]["status"], first["fatura"]["cobranca_em_andamento"]) == ("processando", True)
    # the sale never reached the gateway, but a just-lost sale may not be listed yet: wait before trusting that
    assert_refused(admin.request("POST", f"{INVOICES}/{invoice_id}/cobrar_cartao"), "resultado desconhecido")
    clock.advance(minutes=DEFAULT_NOT_FOUND_AFTER_MINUTES - 1)
    assert_refused(admin.request("POST", f"{INVOICES}/{invoice_id}/cobrar_cartao"), "resultado desconhecido")
    clock.advance(minutes=1)
    second = charge(admin, invoice_id)
    assert (second["processamento"]["tentativa"], second["processamento"]["status"]) == (2, "aprovado")
    panel = ok(admin.request("GET", PANEL, None))["processamentos"]
    assert [(p["tentativa"], p["status"], p["codigo_retorno"]) for p in panel] == [
        (2, "aprovado", "6"), (1, "erro", "nao_recebida")]
    sales = cielo_sales(cielo)
    assert len(sales) == 2  # the refused retry sent nothing


def test_a_dropped_answer_is_found_by_the_order_id_and_paid_once(admin: Http, simulators: Simulators) -> None:
    cielo, _ = simulators
    cielo_on(admin)
    with_card(admin, luhn_number("4551", 0))
    invoice_id = invoice(admin)
    cielo.inject("POST /1/sales", "drop_after_processing")
    answer = charge(admin, invoice_id)
    assert (answer["processamento"]["status"], answer["fatura"]["status"]) == ("aprovado", "paga")
    sales = cielo_sales(cielo)
    assert len(sales) == 1


def test_the_panel_filters(admin: Http) -> None:
    cielo_on(admin)
    with_card(admin, luhn_number("4551", 2))
    first = invoice(admin)
    charge(admin, first)
    ok(admin.request("POST", f"{BASE}/cliente/1/cartao", card_body(luhn_number("4551", 0), padrao=True)))
    charge(admin, first)
    panel = ok(admin.request("GET", PANEL, None))
    assert [(p["tentativa"], p["status"]) for p in panel["processamentos"]] == [(2, "aprovado"), (1, "recusado")]
    assert panel["paginacao"]["total_registros"] == 2
    assert ok(admin.request("GET", f"{PANEL}?recorrente=sim", None))["processamentos"] == []
    assert len(ok(admin.request("GET", f"{PANEL}?recorrente=nao&status=recusado", None))["processamentos"]) == 1
    assert ok(admin.request("GET", f"{PANEL}?gateway=getnet", None))["processamentos"] == []
    assert ok(admin.request("GET", f"{PANEL}?id_cliente=2", None))["processamentos"] == []
    listed = ok(admin.request("GET", f"{INVOICES}?id_cliente_servico=1", None))["faturas"]
    assert [(f["status"], f["tentativas_cartao"]) for f in listed] == [("paga", 2)]


def test_invoices_settle_and_cancel(admin: Http) -> None:
    paid, cancelled = invoice(admin), invoice(admin, due="2027-01-10")
    settled = ok(admin.request("POST", f"{INVOICES}/liquidar", {
        "id_fatura": paid, "data_pagamento": "2026-12-10", "valor_pago": "99.90", "forma_pagamento": "pix"}))
    assert (settled["fatura"]["status"], settled["fatura"]["forma_pagamento"]) == ("paga", "pix")
    assert ok(admin.request("POST", f"{INVOICES}/{cancelled}/cancelar"))["fatura"]["status"] == "cancelada"
    listed = ok(admin.request("GET", f"{INVOICES}?id_cliente_servico=1&status=aberta", None))
    assert listed["faturas"] == [] and listed["paginacao"]["total_registros"] == 0


@pytest.mark.parametrize("method, path, body, fragment", [
    ("POST", INVOICES, {"id_cliente_servico": 1, "valor": "-1", "data_vencimento": "2026-12-10"}, "valor"),
    ("POST", INVOICES, {"id_cliente_servico": 9, "valor": "10", "data_vencimento": "2026-12-10"},
     "Serviço de cliente de ID 9 não encontrado"),
    ("POST", INVOICES, {"id_cliente_servico": 1, "valor": "10.999", "data_vencimento": "2026-12-10"}, "valor"),
    # without a service it lists a period (test_finance_http); a wrong date kind is refused
    ("GET", f"{INVOICES}?tipo_data=vencimento", None, "tipo_data"),
    ("POST", f"{INVOICES}/9/cobrar_cartao", None, "Fatura de ID 9 não encontrada"),
    ("POST", f"{INVOICES}/1/cobrar_cartao", {"id_cartao": 99}, "Cartão de ID 99 não encontrado"),
    ("GET", f"{PANEL}?status=pago", None, "status"),
])
def test_invoice_refusals(admin: Http, method: str, path: str, body: Any, fragment: str) -> None:
    cielo_on(admin)
    with_card(admin, luhn_number("4551", 0))
    invoice(admin)
    assert_refused(admin.request(method, path, body), fragment)


def test_no_card_no_charge(admin: Http, stack: Container) -> None:
    cielo_on(admin)
    invoice_id = invoice(admin)
    assert_refused(admin.request("POST", f"{INVOICES}/{invoice_id}/cobrar_cartao"), "não tem cartão cadastrado")
    assert stack.charges.attempts(invoice_id) == []


def test_an_answer_slower_than_the_timeout_is_found_and_paid_once(admin: Http, simulators: Simulators) -> None:
    """``slow_after_processing``: the sale is taken, the answer comes after our timeout."""
    cielo, _ = simulators
    cielo_on(admin)
    with_card(admin, luhn_number("4551", 0))
    invoice_id = invoice(admin)
    cielo.inject("POST /1/sales", "slow_after_processing", seconds=1.0)
    answer = charge(admin, invoice_id)
    assert (answer["processamento"]["status"], answer["fatura"]["status"]) == ("aprovado", "paga")
    sales = cielo_sales(cielo)
    assert len(sales) == 1


def test_a_sale_still_in_flight_is_reconciled_later_not_sent_again(
        admin: Http, simulators: Simulators, clock: MutableClock) -> None:
    """``slow``: we give up before the gateway takes the sale; an immediate lookup does not find it yet."""
    cielo, _ = simulators
    cielo_on(admin)
    with_card(admin, luhn_number("4551", 0))
    invoice_id = invoice(admin)
    cielo.inject("POST /1/sales", "slow", seconds=1.0)
    first = charge(admin, invoice_id)
    assert (first["processamento"]["status"], first["fatura"]["cobranca_em_andamento"]) == ("processando", True)
    deadline = time.monotonic() + 10
    while not cielo.sales and time.monotonic() < deadline:  # the simulator takes the sale a moment later
        time.sleep(0.05)
    assert len(cielo.sales) == 1
    clock.advance(minutes=6)
    assert_refused(admin.request("POST", f"{INVOICES}/{invoice_id}/cobrar_cartao"), "está paga")
    listed = ok(admin.request("GET", f"{INVOICES}?id_cliente_servico=1", None))["faturas"]
    assert [(f["status"], f["tentativas_cartao"], f["cobranca_em_andamento"]) for f in listed] == [("paga", 1, False)]
    sales = cielo_sales(cielo)
    assert len(sales) == 1


def test_a_getnet_payment_of_unknown_outcome_waits_for_the_operator(
        admin: Http, simulators: Simulators, clock: MutableClock) -> None:
    """GetNet's v1 API cannot be asked about a payment: the attempt stays ``processando`` (nothing is sent
    again) until an operator who checked GetNet's portal says whether it was charged."""
    _, getnet = simulators
    getnet_on(admin)
    with_card(admin, "5155901222280001")
    invoice_id = invoice(admin)
    getnet.inject("POST /v1/payments/credit", "drop_after_processing")
    assert charge(admin, invoice_id)["processamento"]["status"] == "processando"
    assert_refused(admin.request("POST", f"{INVOICES}/{invoice_id}/cobrar_cartao"), "resultado desconhecido")
    verdict = {"resultado": "cobrado", "observacao": "Conferido no portal da GetNet: aprovado."}
    assert_refused(admin.request("POST", f"{INVOICES}/{invoice_id}/conciliar_cartao", verdict), "aguarde")
    clock.advance(minutes=6)
    assert_refused(admin.request("POST", f"{INVOICES}/{invoice_id}/conciliar_cartao", {"resultado": "talvez"}),
                   "resultado")
    settled = ok(admin.request("POST", f"{INVOICES}/{invoice_id}/conciliar_cartao", verdict))
    assert (settled["processamento"]["status"], settled["fatura"]["status"]) == ("aprovado", "paga")
    assert settled["processamento"]["mensagem_retorno"].startswith("Conciliada manualmente por admin")
    assert len(getnet.payments) == 1
    assert_refused(admin.request("POST", f"{INVOICES}/{invoice_id}/conciliar_cartao", verdict), "não tem cobrança")


@pytest.mark.parametrize("card_change, refusal", [
    ({"mes_validade": 12, "ano_validade": 2026}, "O cartão está vencido (12/2026)"),
    ({}, "O emissor pediu para não cobrar mais este cartão (77: Cartão Cancelado)"),
])
def test_an_operator_charges_an_expired_or_refused_card_only_with_forcar(
        admin: Http, clock: MutableClock, simulators: Simulators, card_change: dict[str, Any], refusal: str) -> None:
    cielo, _ = simulators
    cielo_on(admin)
    ok(admin.request("POST", f"{BASE}/cliente/1/cartao", card_body(luhn_number("4551", 7), **card_change)))
    invoice_id = invoice(admin)
    if not card_change:  # the issuer says never again (77), and the card is flagged
        assert charge(admin, invoice_id)["processamento"]["codigo_retorno"] == "77"
    else:
        clock.advance(days=22)  # into January: the card expired
        admin.login()  # and the access token (an hour) long gone
    before = len(cielo_sales(cielo))
    assert_refused(admin.request("POST", f"{INVOICES}/{invoice_id}/cobrar_cartao"), refusal, "forcar: true")
    assert len(cielo_sales(cielo)) == before
    forced = charge(admin, invoice_id, forcar=True)["processamento"]
    assert (forced["forcada"], forced["status"]) == (True, "recusado")
    assert [p["forcada"] for p in ok(admin.request("GET", f"{PANEL}?data_fim=2027-01-31", None))["processamentos"]
            ][0] is True


def test_a_card_is_charged_at_its_own_gateway_after_another_becomes_active(
        admin: Http, simulators: Simulators) -> None:
    cielo, getnet = simulators
    cielo_on(admin)
    with_card(admin, luhn_number("4551", 0))
    getnet_on(admin)  # new cards go to GetNet now
    answer = charge(admin, invoice(admin))
    assert (answer["processamento"]["gateway"], answer["processamento"]["status"]) == ("cielo", "aprovado")
    assert len(cielo_sales(cielo)) == 1 and getnet.payments == {}
    with_card(admin, "5155901222280001")  # at GetNet, made the default
    ok(admin.request("POST", f"{BASE}/cliente/1/cartao/2/padrao"))
    answer = charge(admin, invoice(admin, due="2027-01-10"))
    assert (answer["processamento"]["gateway"], len(getnet.payments), len(cielo_sales(cielo))) == ("getnet", 1, 1)


def test_the_panel_masks_card_numbers_in_attempts_stored_before_the_mask_widened(admin: Http) -> None:
    from chalicelib.storage.models import ChargeAttemptItem

    cielo_on(admin)
    with_card(admin, luhn_number("4551", 2))
    charge(admin, invoice(admin))
    [stored] = list(ChargeAttemptItem.scan())
    # As an earlier version kept a gateway's echo of a number printed in groups.
    stored.update(actions=[ChargeAttemptItem.return_message.set("Nao autorizada: cartao 4551 0000 0000 0002")])
    [shown] = ok(admin.request("GET", PANEL, None))["processamentos"]
    assert shown["mensagem_retorno"] == "Nao autorizada: cartao ****"
