"""The card panel through the Chalice app, against the Cielo and GetNet
simulators on loopback: gateway settings (credentials sealed, never
returned, one active gateway, what a change leaves out kept, an integration
removed), cards (validated with the issuer, tokenized, sealed, shown masked,
exactly one default, whether each can be charged), and bad input refused
before any gateway call."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.billing.cards.service import card_context
from chalicelib.container import Container
from chalicelib.sealing import SealError
from sandbox.simulators.cielo import CieloSimulator
from sandbox.simulators.getnet import GetNetSimulator
from tests.functional.billing.support import (
    CIELO_KEY,
    CVV,
    ELO,
    GATEWAYS,
    MASTER,
    VISA,
    card_body,
    cielo_on,
    getnet_on,
    stored_text,
)
from tests.functional.conftest import Http
from tests.functional.test_bad_input import assert_refused
from tests.integration.test_simulators import luhn_number
from tests.support.http import BASE, ok


# --------------------------------------------------------- gateway settings
def test_gateway_credentials_are_sealed_and_never_returned(admin: Http) -> None:
    assert ok(admin.request("GET", GATEWAYS))["integracoes"] == []
    answer = cielo_on(admin)["integracao"]
    assert (answer["gateway"], answer["ativo"], answer["ambiente"], answer["permite_recorrencia_automatica"]) == \
        ("cielo", True, "sandbox", True)
    assert answer["credenciais"] == {"merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID}
    listed = ok(admin.request("GET", GATEWAYS))
    assert CIELO_KEY not in repr(listed) and CIELO_KEY not in stored_text()
    # changing the settings without credentials keeps the stored ones
    kept = ok(admin.request("PUT", f"{GATEWAYS}/cielo", {"ativo": True, "ambiente": "sandbox"}))["integracao"]
    assert kept["credenciais"] == {"merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID}


def test_the_listing_names_every_gateway_the_deployment_can_use_with_the_credentials_it_needs(admin: Http) -> None:
    """What the console builds its settings form from: nothing about gateways is written in the page."""
    available = ok(admin.request("GET", GATEWAYS))["gateways"]
    assert [(g["gateway"], g["nome"], g["credenciais"], g["credenciais_visiveis"]) for g in available] == [
        ("cielo", "Cielo", ["merchant_id", "merchant_key"], ["merchant_id"]),
        ("getnet", "GetNet", ["client_id", "client_secret", "seller_id"], ["client_id", "seller_id"]),
    ]
    assert all(g["ambientes"] == ["sandbox", "producao"] for g in available)


def test_a_change_keeps_what_it_leaves_out(admin: Http) -> None:
    created = ok(admin.request("PUT", f"{GATEWAYS}/cielo", {"credenciais": {
        "merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID, "merchant_key": CIELO_KEY}}))["integracao"]
    assert (created["ativo"], created["ambiente"], created["permite_recorrencia_automatica"]) == \
        (False, "sandbox", False)  # a new integration's defaults
    ok(admin.request("PUT", f"{GATEWAYS}/cielo", {"ativo": True, "ambiente": "producao",
                                                  "permite_recorrencia_automatica": True, "credenciais": {
                                                      "merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID,
                                                      "merchant_key": CIELO_KEY}}))
    for body in ({"ativo": True}, {}, {"credenciais": {"merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID,
                                                       "merchant_key": CIELO_KEY}}):
        kept = ok(admin.request("PUT", f"{GATEWAYS}/cielo", body))["integracao"]
        assert (kept["ativo"], kept["ambiente"], kept["permite_recorrencia_automatica"]) == \
            (True, "producao", True), body
    off = ok(admin.request("PUT", f"{GATEWAYS}/cielo", {"permite_recorrencia_automatica": False}))["integracao"]
    assert (off["ativo"], off["permite_recorrencia_automatica"]) == (True, False)


def test_an_integration_removed_leaves_its_cards_unchargeable_and_says_why(admin: Http) -> None:
    cielo_on(admin)
    ok(admin.request("POST", f"{BASE}/cliente/1/cartao", card_body()))
    getnet_on(admin)
    left = ok(admin.request("DELETE", f"{GATEWAYS}/cielo"))["integracoes"]
    assert [(i["gateway"], i["ativo"]) for i in left] == [("getnet", True)]
    assert CIELO_KEY not in stored_text()
    [card] = ok(admin.request("GET", f"{BASE}/cliente/1/cartao"))["cartoes"]
    assert (card["gateway"], card["disponivel_para_cobranca"]) == ("cielo", False)
    assert card["motivo_indisponivel"].startswith("Cartão cadastrado na Cielo, que não está mais configurada")
    assert_refused(admin.request("DELETE", f"{GATEWAYS}/cielo"), "A integração com a Cielo não está configurada")
    assert_refused(admin.request("DELETE", f"{GATEWAYS}/rede"), "Gateway rede não encontrado")
    # the same account configured again: the card can be charged again
    cielo_on(admin)
    [card] = ok(admin.request("GET", f"{BASE}/cliente/1/cartao"))["cartoes"]
    assert (card["disponivel_para_cobranca"], card["motivo_indisponivel"]) == (True, None)


def test_one_gateway_is_active_at_a_time(admin: Http) -> None:
    cielo_on(admin)
    getnet_on(admin)
    assert {i["gateway"]: i["ativo"] for i in ok(admin.request("GET", GATEWAYS))["integracoes"]} == \
        {"cielo": False, "getnet": True}
    ok(admin.request("PUT", f"{GATEWAYS}/cielo", {"ativo": False}))  # turning the other one off changes nothing
    assert {i["gateway"]: i["ativo"] for i in ok(admin.request("GET", GATEWAYS))["integracoes"]} == \
        {"cielo": False, "getnet": True}


@pytest.mark.parametrize("path, body, fragment", [
    ("cielo", {"ativo": True}, "Informe as credenciais do gateway cielo"),
    ("cielo", {"ativo": "talvez", "credenciais": {"merchant_id": "x", "merchant_key": "y"}},
     "O campo ativo deve ser verdadeiro ou falso"),
    ("cielo", {"ativo": True, "credenciais": {"merchant_id": "x"}}, "credenciais.merchant_key é obrigatório"),
    ("cielo", {"ativo": True, "ambiente": "teste", "credenciais": {"merchant_id": "x", "merchant_key": "y"}},
     "ambiente"),
    ("rede", {"ativo": True}, "Gateway rede não encontrado"),
])
def test_gateway_settings_refusals(admin: Http, path: str, body: dict[str, Any], fragment: str) -> None:
    assert_refused(admin.request("PUT", f"{GATEWAYS}/{path}", body), fragment)
    assert ok(admin.request("GET", GATEWAYS))["integracoes"] == []


@pytest.mark.parametrize("gateway, body", [
    ("cielo", {"ambiente": "producao"}),
    ("cielo", {"ativo": True, "ambiente": "producao", "permite_recorrencia_automatica": False}),
    ("getnet", {"ambiente": "producao"}),
    ("getnet", {"ativo": False, "ambiente": "producao"}),
])
def test_switching_environment_without_the_credentials_is_refused_and_changes_nothing(
        admin: Http, stack: Container, gateway: str, body: dict[str, Any]) -> None:
    # Kept credentials would go to the other environment's host: sandbox keys to production, or the reverse.
    cielo_on(admin)
    getnet_on(admin)
    before = ok(admin.request("GET", GATEWAYS))["integracoes"]
    stored = stack.gateway_settings.list()
    label = {"cielo": "Cielo", "getnet": "GetNet"}[gateway]
    assert_refused(admin.request("PUT", f"{GATEWAYS}/{gateway}", body),
                   f"Para trocar o ambiente da {label} de sandbox para producao, envie as credenciais")
    assert ok(admin.request("GET", GATEWAYS))["integracoes"] == before
    assert stack.gateway_settings.list() == stored
    # The same environment again keeps them; the other one with its credentials is taken.
    ok(admin.request("PUT", f"{GATEWAYS}/{gateway}", {"ambiente": "sandbox"}))
    credentials = {"cielo": {"merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID, "merchant_key": "CHAVE-PRODUCAO"},
                   "getnet": {"client_id": "c", "client_secret": "SEGREDO-PRODUCAO", "seller_id": "s"}}[gateway]
    switched = ok(admin.request("PUT", f"{GATEWAYS}/{gateway}", {**body, "credenciais": credentials}))["integracao"]
    assert switched["ambiente"] == "producao"


# -------------------------------------------------------------------- cards
def test_cards_are_tokenized_sealed_and_shown_masked(admin: Http, stack: Container,
                                                     simulators: tuple[CieloSimulator, GetNetSimulator]) -> None:
    cielo_on(admin)
    first = ok(admin.request("POST", f"{BASE}/cliente/1/cartao", card_body()))["cartao"]
    assert first == {"id_cartao": 1, "id_cliente": 1, "bandeira": "Visa", "ultimos_digitos": "2931",
                     "nome_titular": "MARIA DA SILVA", "validade": "12/2031", "padrao": True, "gateway": "cielo",
                     "data_cadastro": "2026-12-10 10:00:00", "recusado_pelo_emissor": None,
                     "disponivel_para_cobranca": True, "motivo_indisponivel": None}
    second = ok(admin.request("POST", f"{BASE}/cliente/1/cartao",
                              card_body(MASTER, ano_validade="31", mes_validade="3")))["cartao"]
    assert (second["bandeira"], second["validade"], second["padrao"]) == ("Master", "03/2031", False)
    listed = ok(admin.request("GET", f"{BASE}/cliente/1/cartao"))["cartoes"]
    assert [(c["id_cartao"], c["padrao"]) for c in listed] == [(1, True), (2, False)]
    # the number went to the gateway's tokenization only: nowhere in our tables, answers or the simulator's log
    assert VISA not in stored_text() and MASTER not in stored_text() and CVV not in repr(listed)
    tokenizations = [r for r in simulators[0].requests if r.path.rstrip("/") == "/1/card"]
    assert len(tokenizations) == 2 and all(VISA not in repr(r) for r in simulators[0].requests)
    # each was validated with its issuer first (Zero Auth), with the CVV, which went nowhere else
    validations = [r.json() for r in simulators[0].requests if r.path.rstrip("/") == "/1/zeroauth"]
    assert [(v["CardType"], v["SecurityCode"], v["CardOnFile"]) for v in validations] == \
        [("CreditCard", "***", {"Usage": "First", "Reason": "Recurring"})] * 2
    # the sealed token opens for its own card only
    wallet = stack.cards.wallet(1)
    token = stack.cards.token(wallet.cards[0])
    assert token and token not in stored_text()
    with pytest.raises(SealError):
        stack.cards._sealer.open(wallet.cards[0].token, card_context(2, 1))  # copied to another customer


def test_default_card_moves_and_removal_promotes_the_oldest(admin: Http) -> None:
    cielo_on(admin)
    for number in (VISA, MASTER, ELO):
        ok(admin.request("POST", f"{BASE}/cliente/1/cartao", card_body(number)))
    assert ok(admin.request("POST", f"{BASE}/cliente/1/cartao/3/padrao"))["cartao"]["padrao"] is True
    after = ok(admin.request("DELETE", f"{BASE}/cliente/1/cartao/3"))["cartoes"]
    assert [(c["id_cartao"], c["padrao"]) for c in after] == [(1, True), (2, False)]
    ok(admin.request("POST", f"{BASE}/cliente/1/cartao", card_body(ELO, padrao=True)))
    defaults = [c["id_cartao"] for c in ok(admin.request("GET", f"{BASE}/cliente/1/cartao"))["cartoes"]
                if c["padrao"]]
    assert defaults == [4]
    for card_id in (4, 1):
        ok(admin.request("DELETE", f"{BASE}/cliente/1/cartao/{card_id}"))
    assert [(c["id_cartao"], c["padrao"]) for c in ok(admin.request("GET", f"{BASE}/cliente/1/cartao"))["cartoes"]] \
        == [(2, True)]
    assert ok(admin.request("DELETE", f"{BASE}/cliente/1/cartao/2"))["cartoes"] == []


def test_getnet_keeps_the_card_in_its_vault_until_it_is_removed(
        admin: Http, simulators: tuple[CieloSimulator, GetNetSimulator]) -> None:
    getnet_on(admin)
    card = ok(admin.request("POST", f"{BASE}/cliente/2/cartao", card_body(MASTER)))["cartao"]
    assert (card["gateway"], card["bandeira"], card["padrao"]) == ("getnet", "Master", True)
    vault = simulators[1].cards
    assert len(vault) == 1
    ok(admin.request("DELETE", f"{BASE}/cliente/2/cartao/{card['id_cartao']}"))
    assert vault == {}


def test_a_vault_that_does_not_answer_does_not_keep_the_card_here(
        admin: Http, simulators: tuple[CieloSimulator, GetNetSimulator]) -> None:
    getnet_on(admin)
    ok(admin.request("POST", f"{BASE}/cliente/2/cartao", card_body(MASTER)))
    simulators[1].inject("DELETE /v1/cards", "error_5xx")
    assert ok(admin.request("DELETE", f"{BASE}/cliente/2/cartao/1"))["cartoes"] == []


def test_a_card_is_never_edited(admin: Http) -> None:
    cielo_on(admin)
    ok(admin.request("POST", f"{BASE}/cliente/1/cartao", card_body()))
    assert_refused(admin.request("PUT", f"{BASE}/cliente/1/cartao/1", {"nome_titular": "Outro"}),
                   "Não é possível editar os dados de cartão; remova-o e cadastre um novo.")


@pytest.mark.parametrize("body, fragment", [
    (card_body("4024 0071 9769 293x"), "O campo numero deve ter de 12 a 19 dígitos"),
    (card_body("4024007197692932"), "O número do cartão é inválido (dígito verificador)"),
    (card_body("9999999999999995"), "A bandeira do cartão não é aceita"),
    (card_body(mes_validade=11, ano_validade=2026), "O cartão está vencido (11/2026)"),
    (card_body(mes_validade=13), "mes_validade"),
    (card_body(cvv="12a"), "O campo cvv deve ter 3 ou 4 dígitos"),
    ({"numero": VISA}, "O campo nome_titular é obrigatório"),
])
def test_bad_cards_are_refused_before_any_gateway_call(
        admin: Http, simulators: tuple[CieloSimulator, GetNetSimulator], body: dict[str, Any], fragment: str) -> None:
    cielo_on(admin)
    before = stored_text()
    assert_refused(admin.request("POST", f"{BASE}/cliente/1/cartao", body), fragment)
    assert stored_text() == before
    assert [r for r in simulators[0].requests if "/1/card" in r.path] == []


def test_unknown_ids_and_no_active_gateway(admin: Http, simulators: tuple[CieloSimulator, GetNetSimulator]) -> None:
    assert_refused(admin.request("POST", f"{BASE}/cliente/1/cartao", card_body()),
                   "Nenhum gateway de cartão de crédito está ativo")
    cielo_on(admin)
    ok(admin.request("POST", f"{BASE}/cliente/1/cartao", card_body()))
    before = stored_text()
    assert_refused(admin.request("POST", f"{BASE}/cliente/9/cartao", card_body()), "Cliente de ID 9 não encontrado")
    # another customer's card id
    assert_refused(admin.request("DELETE", f"{BASE}/cliente/2/cartao/1"), "Cartão de ID 1 não encontrado")
    assert_refused(admin.request("POST", f"{BASE}/cliente/2/cartao/1/padrao"), "Cartão de ID 1 não encontrado")
    assert stored_text() == before


@pytest.mark.parametrize("gateway, route", [("cielo", "POST /1/zeroauth"), ("cielo", "POST /1/card"),
                                            ("getnet", "POST /v1/tokens/card"), ("getnet", "POST /v1/cards/verif"),
                                            ("getnet", "POST /v1/cards")])
@pytest.mark.parametrize("fault", ["error_5xx", "drop_after_processing", "slow", "slow_after_processing"])
def test_a_tokenization_fault_stores_nothing_and_says_so(
        admin: Http, simulators: tuple[CieloSimulator, GetNetSimulator], gateway: str, route: str,
        fault: str) -> None:
    """A card the gateway may or may not have kept is not ours yet: nothing stored, the operator retries
    (an orphan token at the gateway charges nobody)."""
    cielo, getnet = simulators
    (cielo_on if gateway == "cielo" else getnet_on)(admin)
    (cielo if gateway == "cielo" else getnet).inject(route, fault, seconds=1.0)
    before = stored_text()
    answer = admin.request("POST", f"{BASE}/cliente/1/cartao", card_body(MASTER))
    assert answer.status_code == 200 and answer.json["status"] == "error", answer.json
    assert f"O gateway {gateway} não cadastrou o cartão" in answer.json["errors"][0]
    assert stored_text() == before
    if route == "POST /v1/cards/verif":
        assert getnet.cards == {}  # stored in the vault, not verified: deleted again
    # the next try goes through
    assert ok(admin.request("POST", f"{BASE}/cliente/1/cartao", card_body(MASTER)))["cartao"]["padrao"] is True


@pytest.mark.parametrize("gateway, number, code", [("cielo", luhn_number("4551", 3), "57"),
                                                  ("getnet", "5155901222260003", "54")])
def test_a_card_the_issuer_refuses_to_validate_is_not_stored(
        admin: Http, simulators: tuple[CieloSimulator, GetNetSimulator], gateway: str, number: str,
        code: str) -> None:
    cielo, getnet = simulators
    (cielo_on if gateway == "cielo" else getnet_on)(admin)
    before = stored_text()
    assert_refused(admin.request("POST", f"{BASE}/cliente/1/cartao", card_body(number)),
                   f"O emissor recusou o cartão na validação ({code}:", "nada foi gravado")
    assert stored_text() == before and ok(admin.request("GET", f"{BASE}/cliente/1/cartao"))["cartoes"] == []
    assert [r for r in cielo.requests if r.path.rstrip("/") == "/1/card"] == [] and getnet.cards == {}


def test_recurring_payment_of_a_service_falls_back_to_the_default_card(admin: Http) -> None:
    cobranca = f"{BASE}/cliente_servico/1/cobranca"
    assert ok(admin.request("GET", cobranca))["cobranca"] == {
        "id_cliente_servico": 1, "pagamento_recorrente": False, "id_cartao": None, "cartao_efetivo": None}
    assert_refused(admin.request("PUT", cobranca, {"pagamento_recorrente": True}),
                   "Cadastre um cartão do cliente antes de ativar o pagamento recorrente")
    cielo_on(admin)
    for number in (VISA, MASTER):
        ok(admin.request("POST", f"{BASE}/cliente/1/cartao", card_body(number)))
    chosen = ok(admin.request("PUT", cobranca, {"pagamento_recorrente": "true", "id_cartao": "2"}))["cobranca"]
    assert (chosen["pagamento_recorrente"], chosen["id_cartao"], chosen["cartao_efetivo"]["id_cartao"]) == \
        (True, 2, 2)
    ok(admin.request("DELETE", f"{BASE}/cliente/1/cartao/2"))
    after = ok(admin.request("GET", cobranca))["cobranca"]
    assert (after["id_cartao"], after["cartao_efetivo"]["id_cartao"], after["cartao_efetivo"]["padrao"]) == \
        (2, 1, True)
    default = ok(admin.request("PUT", cobranca, {"pagamento_recorrente": True, "id_cartao": None}))["cobranca"]
    assert (default["id_cartao"], default["cartao_efetivo"]["id_cartao"]) == (None, 1)
    ok(admin.request("POST", f"{BASE}/cliente/2/cartao", card_body(ELO)))
    assert_refused(admin.request("PUT", cobranca, {"pagamento_recorrente": True, "id_cartao": 3}),
                   "Cartão de ID 3 não encontrado para o cliente 1")
    assert_refused(admin.request("PUT", f"{BASE}/cliente_servico/9/cobranca", {"pagamento_recorrente": False}),
                   "Serviço de cliente de ID 9 não encontrado")
