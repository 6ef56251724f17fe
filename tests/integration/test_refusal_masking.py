"""Every gateway text that reaches us is masked of card-number-length digit
runs (12 digits or more, also in groups apart by spaces, dots or dashes): a
gateway may echo the card number it was sent, and its words go into
refusals, attempts, the charge panel, the customer's messages and the logs.

The adapters talk real HTTP to a tiny loopback server of this test's own that
answers canned bodies (a refusal array, a proxy's HTML page, a decline, an
approval...), so every path from the wire to our objects is the adapters' own.
Sockets on loopback: the integration tier.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from chalicelib.billing.gateways import (
    CardRefusedByIssuer,
    CardToTokenize,
    Charge,
    ChargeResult,
    GatewayRefusal,
    without_card_numbers,
)
from chalicelib.billing.gateways.cielo import CieloGateway
from chalicelib.billing.gateways.getnet import TOKEN_PATH, GetNetGateway

PAN = "4024007197692931"  # what a gateway might echo back
GROUPED = "4024 0071 9769 2931"  # ... or as it prints it
MASK = "****"


class CannedGateway:
    """A loopback HTTP server answering ``(method, path)`` with a canned status and body (a dict or list as JSON,
    a str as an HTML page); any other request is recorded in ``unexpected`` and answered 500."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], tuple[int, str, bytes]] = {}
        self.unexpected: list[str] = []
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                route = (self.command, urlsplit(self.path).path)
                if route not in canned.answers:
                    canned.unexpected.append(f"{self.command} {self.path}")
                status, content_type, body = canned.answers.get(route, (500, "text/plain", b"unexpected"))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _reply

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                """Quiet: the test's output is pytest's."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, method: str, path: str, status: int, body: Any) -> None:
        if isinstance(body, str):
            self.answers[(method, path)] = (status, "text/html; charset=utf-8", body.encode())
        else:
            self.answers[(method, path)] = (status, "application/json", json.dumps(body).encode())

    def __enter__(self) -> CannedGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def canned(caplog: pytest.LogCaptureFixture) -> Iterator[CannedGateway]:
    caplog.set_level(logging.DEBUG)
    with CannedGateway() as server:
        yield server
    assert server.unexpected == []
    assert PAN not in caplog.text  # nor in anything logged on the way


@pytest.fixture
def cielo(canned: CannedGateway) -> CieloGateway:
    return CieloGateway(canned.url, canned.url, "merchant-1", "KEY", sandbox=True, session=requests.Session())


@pytest.fixture
def getnet(canned: CannedGateway) -> GetNetGateway:
    canned.answer("POST", TOKEN_PATH, 200, {"access_token": "acesso", "token_type": "Bearer", "expires_in": 3600})
    return GetNetGateway(canned.url, "client-1", "secret-1", "seller-1", session=requests.Session())


def card(brand: str = "Visa") -> CardToTokenize:
    return CardToTokenize(number=PAN, holder="MARIA DA SILVA", expiry_month=12, expiry_year=2030, brand=brand,
                          customer_name="Maria da Silva", customer_ref="cliente-1")


def charge() -> Charge:
    return Charge(order_id="F1T1", amount_cents=9990, card_token="cartao-1", brand="Visa",
                  customer_name="Maria da Silva", recurring=True)


def texts_of(error: BaseException) -> list[str]:
    """Every text an exception carries, down its chain of causes."""
    texts: list[str] = []
    current: BaseException | None = error
    while current is not None:
        texts += [str(current), repr(current), *(str(arg) for arg in current.args)]
        if isinstance(current, GatewayRefusal):
            texts += [current.code, current.message]
        current = current.__cause__ or current.__context__
    return texts


def assert_refused(error: GatewayRefusal, code: str, message: str) -> None:
    assert not [text for text in texts_of(error) if PAN in text]
    assert (error.code, error.message) == (code, message)
    assert str(error) == f"{code}: {message}"


def assert_result(result: ChargeResult, code: str, message: str) -> None:
    assert PAN not in repr(result)
    assert (result.return_code, result.return_message) == (code, message)


# --- the refusal itself ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [PAN, "4222222222222", "6062825624254001234"])  # 16, 13 and 19 digits
def test_a_refusal_masks_card_numbers_in_its_code_and_its_message(number: str) -> None:
    refusal = GatewayRefusal(f"E{number}", f"Cartão {number} inválido (NSU 12345678901, cliente 42)")
    assert (refusal.code, refusal.message) == ("E****", "Cartão **** inválido (NSU 12345678901, cliente 42)")
    assert not [text for text in texts_of(refusal) if number in text]
    issuer = CardRefusedByIssuer(number, f"recusado: {number}; outro: {PAN}")
    assert (issuer.code, issuer.message) == (MASK, "recusado: ****; outro: ****")
    assert number not in str(issuer) and number not in repr(issuer)


def test_shorter_digit_runs_and_the_words_around_a_number_stay() -> None:
    # Order ids, NSUs and authorization codes are shorter than any card number: they stay readable.
    assert without_card_numbers(f"pedido 20261210001, cartao={PAN};nsu=123456") == (
        "pedido 20261210001, cartao=****;nsu=123456")
    assert without_card_numbers(f"cartao {GROUPED}, 4024-0071-9769-2931 ou 402400719769") == (
        "cartao ****, **** ou ****")


# --- Cielo --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("keys", [("Code", "Message"), ("ReturnCode", "ReturnMessage")])
@pytest.mark.parametrize("path", ["/1/zeroauth", "/1/card/", "/1/sales/"])
def test_cielo_error_arrays_that_echo_the_card_are_masked(canned: CannedGateway, cielo: CieloGateway, path: str,
                                                          keys: tuple[str, str]) -> None:
    code_key, message_key = keys
    canned.answer("POST", "/1/zeroauth", 200, {"Valid": True, "ReturnCode": "00", "ReturnMessage": "Transacao"})
    canned.answer("POST", path, 400, [{code_key: 126, message_key: f"Credit Card Number {PAN} is invalid"}])
    with pytest.raises(GatewayRefusal) as refused:
        cielo.charge(charge()) if path == "/1/sales/" else cielo.tokenize(card())
    assert type(refused.value) is GatewayRefusal  # the gateway refused the request, not the issuer the card
    assert_refused(refused.value, "126", "Credit Card Number **** is invalid")


@pytest.mark.parametrize("path", ["/1/zeroauth", "/1/sales/"])
def test_cielo_proxy_pages_that_echo_the_card_are_masked(canned: CannedGateway, cielo: CieloGateway,
                                                         path: str) -> None:
    page = f"<html><body><h1>403 Forbidden</h1><p>Request blocked: CardNumber={PAN}</p></body></html>"
    canned.answer("POST", path, 403, page)
    with pytest.raises(GatewayRefusal) as refused:
        cielo.charge(charge()) if path == "/1/sales/" else cielo.tokenize(card())
    assert_refused(refused.value, "403", page.replace(PAN, MASK))


def test_cielo_proxy_page_cut_inside_a_card_number_keeps_none_of_it(canned: CannedGateway,
                                                                   cielo: CieloGateway) -> None:
    prefix = "<html><body><p>Request blocked: CardNumber="
    page = f"{prefix.ljust(188, '.')}{PAN}</p></body></html>"  # the 200th character is the number's 12th digit
    canned.answer("POST", "/1/sales/", 403, page)
    with pytest.raises(GatewayRefusal) as refused:
        cielo.charge(charge())
    assert PAN[:12] not in refused.value.message


SALE = {"PaymentId": "pagamento-1", "Tid": "tid-1", "Amount": 9990, "ReceivedDate": "2026-12-10 10:00:05",
        "Status": 3, "ReturnCode": "57", "ReturnMessage": f"Cartao {PAN} expirado"}


def test_cielo_grouped_card_numbers_are_masked_too(canned: CannedGateway, cielo: CieloGateway) -> None:
    canned.answer("POST", "/1/sales/", 201, {"MerchantOrderId": "F1T1", "Payment": {
        **SALE, "ReturnCode": GROUPED, "ReturnMessage": f"Cartao {GROUPED} expirado"}})
    result = cielo.charge(charge())
    assert (result.return_code, result.return_message) == ("****", "Cartao **** expirado")
    assert GROUPED not in repr(result)
    canned.answer("POST", "/1/zeroauth", 200, {"Valid": False, "ReturnCode": GROUPED,
                                               "ReturnMessage": f"Cartao {GROUPED} expirado"})
    with pytest.raises(CardRefusedByIssuer) as refused:
        cielo.tokenize(card())
    assert (refused.value.code, refused.value.message) == ("****", "Cartao **** expirado")


def test_cielo_sale_return_messages_that_echo_the_card_are_masked(canned: CannedGateway,
                                                                  cielo: CieloGateway) -> None:
    canned.answer("POST", "/1/sales/", 201, {"MerchantOrderId": "F1T1", "Payment": SALE})
    canned.answer("GET", "/1/sales", 200, {"Payment": [{"PaymentId": "pagamento-1"}]})
    canned.answer("GET", "/1/sales/pagamento-1", 200, {"MerchantOrderId": "F1T1", "Payment": SALE})
    assert_result(cielo.charge(charge()), "57", "Cartao **** expirado")
    found = cielo.find("F1T1")
    assert found is not None and len(found) == 1
    assert_result(found[0], "57", "Cartao **** expirado")
    assert (found[0].payment_id, found[0].amount_cents) == ("pagamento-1", 9990)


def test_cielo_zero_auth_refusals_that_echo_the_card_are_masked(canned: CannedGateway, cielo: CieloGateway) -> None:
    canned.answer("POST", "/1/zeroauth", 200, {"Valid": False, "ReturnCode": "57",
                                               "ReturnMessage": f"Cartao {PAN} expirado"})
    with pytest.raises(CardRefusedByIssuer) as refused:
        cielo.tokenize(card())
    assert_refused(refused.value, "57", "Cartao **** expirado")


# --- GetNet -------------------------------------------------------------------------------------------------------

ECHOED = f"card_number {PAN} invalido"
REFUSALS = {
    "details[0].description_detail": ({"details": [{"error_code": "GENERIC-400", "description": "Bad Request",
                                                    "description_detail": ECHOED}]}, "GENERIC-400"),
    "details[0].description": ({"details": [{"error_code": "GENERIC-400", "description": ECHOED}]}, "GENERIC-400"),
    "message": ({"message": ECHOED, "error": "Bad Request"}, "Bad Request"),
}
VAULT_CARD = {"card_id": "cartao-1", "number_token": "token-do-cofre", "cardholder_name": "MARIA DA SILVA",
              "expiration_month": 12, "expiration_year": 30, "customer_id": "cliente-1"}


@pytest.mark.parametrize("shape", list(REFUSALS))
@pytest.mark.parametrize("call", ["tokenize", "vault read", "payment", "vault delete"])
def test_getnet_refusals_that_echo_the_card_are_masked(canned: CannedGateway, getnet: GetNetGateway, call: str,
                                                       shape: str) -> None:
    body, code = REFUSALS[shape]
    if call == "tokenize":
        canned.answer("POST", "/v1/tokens/card", 400, body)
    elif call == "vault read":
        canned.answer("GET", "/v1/cards/cartao-1", 400, body)
    elif call == "payment":
        canned.answer("GET", "/v1/cards/cartao-1", 200, VAULT_CARD)
        canned.answer("POST", "/v1/payments/credit", 400, body)
    else:
        canned.answer("DELETE", "/v1/cards/cartao-1", 400, body)
    with pytest.raises(GatewayRefusal) as refused:
        if call == "tokenize":
            getnet.tokenize(card())
        elif call == "vault delete":
            getnet.forget("cartao-1")
        else:
            getnet.charge(charge())
    assert_refused(refused.value, code, "card_number **** invalido")


def test_getnet_credential_refusals_are_masked(canned: CannedGateway, getnet: GetNetGateway) -> None:
    canned.answer("POST", TOKEN_PATH, 401, {"error": "invalid_client", "error_description": f"cliente {PAN} invalido"})
    with pytest.raises(GatewayRefusal) as refused:
        getnet.forget("cartao-1")
    assert_refused(refused.value, "invalid_client", "cliente **** invalido")


def test_getnet_oauth_errors_that_echo_the_card_are_masked_in_the_log_too(
        canned: CannedGateway, getnet: GetNetGateway, caplog: pytest.LogCaptureFixture) -> None:
    canned.answer("POST", TOKEN_PATH, 400, {"error": f"cliente {GROUPED}"})
    with pytest.raises(GatewayRefusal) as refused:
        getnet.forget("cartao-1")
    assert refused.value.code == "cliente ****"
    assert GROUPED not in caplog.text and "cliente ****" in caplog.text


@pytest.mark.parametrize("field", ["description_detail", "description"])
def test_getnet_declines_that_echo_the_card_are_masked(canned: CannedGateway, getnet: GetNetGateway,
                                                       field: str) -> None:
    detail = {"status": "DENIED", "error_code": "PAYMENTS-402", "payment_id": "pagamento-1",
              "acquirer_transaction_id": "tid-1", field: f"Cartao {PAN} recusado pelo emissor [ECOM - 57]"}
    canned.answer("GET", "/v1/cards/cartao-1", 200, VAULT_CARD)
    canned.answer("POST", "/v1/payments/credit", 402, {"message": "Payment Required", "details": [detail]})
    # The issuer's code is read from description_detail only; a bare description leaves the decline's status.
    code = "57" if field == "description_detail" else "DENIED"
    assert_result(getnet.charge(charge()), code, "Cartao **** recusado pelo emissor [ECOM - 57]")


def test_getnet_approvals_that_echo_the_card_are_masked(canned: CannedGateway, getnet: GetNetGateway) -> None:
    canned.answer("GET", "/v1/cards/cartao-1", 200, VAULT_CARD)
    canned.answer("POST", "/v1/payments/credit", 200, {
        "payment_id": "pagamento-1", "seller_id": "seller-1", "amount": 9990, "currency": "BRL",
        "order_id": "F1T1", "status": "APPROVED", "received_at": "2026-12-10T13:00:05.000Z",
        "credit": {"authorization_code": "000000", "authorized_at": "2026-12-10T13:00:05.000Z",
                   "reason_code": "0", "reason_message": f"transaction approved {PAN}",
                   "acquirer_transaction_id": "tid-1", "transaction_id": "emissor-1"}})
    result = getnet.charge(charge())
    assert_result(result, "0", "transaction approved ****")
    assert (result.payment_id, result.issuer_transaction_id) == ("pagamento-1", "emissor-1")


@pytest.mark.parametrize("answer", [
    (402, {"status": "DENIED", "details": [{"status": "DENIED",
                                            "description_detail": f"Cartao {PAN} vencido [ECOM - 54]"}]}),
    (200, {"status": "DENIED", "details": [{"description": f"Cartao {PAN} vencido [ECOM - 54]"}]}),
], ids=["402 description_detail", "200 description"])
def test_getnet_card_verification_refusals_are_masked(canned: CannedGateway, getnet: GetNetGateway,
                                                      answer: tuple[int, dict[str, Any]]) -> None:
    canned.answer("POST", "/v1/tokens/card", 201, {"number_token": "token-de-uso-unico"})
    canned.answer("POST", "/v1/cards", 201, {"card_id": "cartao-1", "number_token": "token-do-cofre"})
    canned.answer("POST", "/v1/cards/verification", *answer)
    canned.answer("DELETE", "/v1/cards/cartao-1", 200, {})  # a card the issuer refused leaves the vault
    with pytest.raises(CardRefusedByIssuer) as refused:
        getnet.tokenize(card())
    assert_refused(refused.value, "54", "Cartao **** vencido [ECOM - 54]")
