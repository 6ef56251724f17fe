"""The Cielo and GetNet simulators against their published sandbox contracts,
over real HTTP on loopback, and their fault injection."""
from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox.simulators import ALL
from sandbox.simulators.base import mask_pans
from sandbox.simulators.cielo import CieloSimulator, luhn_valid
from sandbox.simulators.getnet import GetNetSimulator
from sandbox.simulators.getnet import _brand as getnet_brand

TIMEOUT = 5


def luhn_number(prefix: str, last: int, length: int = 16) -> str:
    """A Luhn-valid card number starting with ``prefix`` and ending with ``last``."""
    body = prefix.ljust(length - 2, "0")
    for filler in "0123456789":
        number = f"{body}{filler}{last}"
        if luhn_valid(number):
            return number
    raise AssertionError("no Luhn-valid number")


def order_id() -> str:
    return uuid.uuid4().hex[:20]


# --- Cielo ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def cielo() -> Iterator[CieloSimulator]:
    simulator = CieloSimulator(seed=7).start()
    yield simulator
    simulator.stop()


def cielo_headers(simulator: CieloSimulator) -> dict[str, str]:
    return {"MerchantId": simulator.merchant_id, "MerchantKey": simulator.merchant_key,
            "Content-Type": "application/json", "RequestId": str(uuid.uuid4())}


def tokenize(simulator: CieloSimulator, number: str, brand: str = "Visa", **extra: Any) -> requests.Response:
    card = {"CustomerName": "Fulano de Tal", "CardNumber": number, "Holder": "FULANO DE TAL",
            "ExpirationDate": "12/2030", "Brand": brand, **extra}
    return requests.post(f"{simulator.url}/1/card/", json=card, headers=cielo_headers(simulator), timeout=TIMEOUT)


def sale_body(merchant_order_id: str, credit_card: dict[str, Any], **payment: Any) -> dict[str, Any]:
    return {"MerchantOrderId": merchant_order_id, "Customer": {"Name": "Fulano de Tal"},
            "Payment": {"Type": "CreditCard", "Amount": 4990, "Installments": 1, "Capture": True,
                        "SoftDescriptor": "PROVEDOR", "CreditCard": credit_card, **payment}}


def sell(simulator: CieloSimulator, body: dict[str, Any], timeout: float = TIMEOUT) -> requests.Response:
    return requests.post(f"{simulator.url}/1/sales/", json=body, headers=cielo_headers(simulator), timeout=timeout)


def token_card(simulator: CieloSimulator, last: int, brand: str = "Visa") -> dict[str, Any]:
    prefix = "5155" if brand == "Master" else "4551"
    reply = tokenize(simulator, luhn_number(prefix, last), brand)
    assert reply.status_code == 201, reply.text
    return {"CardToken": reply.json()["CardToken"], "Brand": brand}


def raw_card(last: int, brand: str = "Visa") -> dict[str, Any]:
    return {"CardNumber": f"455187000000000{last}", "Holder": "FULANO", "ExpirationDate": "12/2030",
            "SecurityCode": "123", "Brand": brand}


def codes(reply: requests.Response) -> list[int]:
    return [item["Code"] for item in reply.json()]


@pytest.mark.parametrize("ending", [0, 1, 4])
@pytest.mark.parametrize("capture", [True, False])
def test_cielo_approving_endings(cielo: CieloSimulator, ending: int, capture: bool) -> None:
    reply = sell(cielo, sale_body(order_id(), token_card(cielo, ending), Capture=capture, Recurrent=True))

    assert reply.status_code == 201
    payment = reply.json()["Payment"]
    assert (payment["Status"], payment["ReturnCode"]) == ((2, "6") if capture else (1, "4"))
    assert payment["ReturnMessage"] == "Operação realizada com sucesso"
    assert payment["Provider"] == "Simulado"
    assert payment["Recurrent"] is True
    assert len(payment["AuthorizationCode"]) == 6 and payment["IssuerTransactionId"]
    assert uuid.UUID(payment["PaymentId"]) and payment["Tid"] and payment["ProofOfSale"]
    assert payment["CreditCard"]["CardToken"] and payment["Amount"] == 4990
    assert payment["ReceivedDate"]


@pytest.mark.parametrize(("ending", "status", "code", "message"), [
    (2, 3, "05", "Não Autorizada"),
    (3, 3, "57", "Cartão Expirado"),
    (5, 3, "78", "Cartão Bloqueado"),
    (6, 0, "99", "Time Out"),
    (7, 3, "77", "Cartão Cancelado"),
    (8, 3, "70", "Problemas com o Cartão de Crédito"),
])
def test_cielo_denying_endings(cielo: CieloSimulator, ending: int, status: int, code: str, message: str) -> None:
    visa = sell(cielo, sale_body(order_id(), token_card(cielo, ending))).json()["Payment"]
    master = sell(cielo, sale_body(order_id(), raw_card(ending, "Master"))).json()["Payment"]

    for payment in (visa, master):
        assert (payment["Status"], payment["ReturnCode"], payment["ReturnMessage"]) == (status, code, message)
        assert "AuthorizationCode" not in payment and "IssuerTransactionId" not in payment
    assert "MerchantAdviceCode" not in visa
    assert ("MerchantAdviceCode" in master) == (status == 3)


def test_cielo_raw_card_sale_masks_the_number_and_drops_the_cvv(cielo: CieloSimulator) -> None:
    payment = sell(cielo, sale_body(order_id(), raw_card(1))).json()["Payment"]

    assert payment["CreditCard"]["CardNumber"] == "455187******0001"
    assert "SecurityCode" not in payment["CreditCard"]
    recorded = requests.get(f"{cielo.url}/__sandbox/requests", timeout=TIMEOUT)
    assert "4551870000000001" not in recorded.text and '"123"' not in recorded.text
    assert "************0001" in recorded.text


def test_cielo_tokenization_checks_luhn_expiry_and_brand(cielo: CieloSimulator) -> None:
    valid = luhn_number("4551", 1)
    broken = valid[:-2] + str((int(valid[-2]) + 1) % 10) + valid[-1]

    assert codes(tokenize(cielo, broken)) == [177]
    assert tokenize(cielo, broken).status_code == 400
    assert codes(tokenize(cielo, valid, ExpirationDate="13/2030")) == [126]
    assert codes(tokenize(cielo, valid, ExpirationDate="")) == [125]
    assert codes(tokenize(cielo, valid, Brand="")) == [182]
    created = tokenize(cielo, valid)
    assert created.status_code == 201
    token = created.json()["CardToken"]
    assert created.json()["Links"]["Href"].endswith(f"/1/card/{token}")
    card = requests.get(created.json()["Links"]["Href"], headers=cielo_headers(cielo), timeout=TIMEOUT).json()
    assert card["CardNumber"] == f"{valid[:6]}******{valid[-4:]}"
    assert not any(valid in repr(stored) for stored in cielo.cards.values())


def test_cielo_refuses_missing_or_wrong_credentials(cielo: CieloSimulator) -> None:
    missing = requests.post(f"{cielo.url}/1/sales/", json={}, timeout=TIMEOUT)
    wrong_key = requests.get(f"{cielo.url}/1/sales?merchantOrderId=x", timeout=TIMEOUT,
                             headers={**cielo_headers(cielo), "MerchantKey": "X" * 40})
    not_guid = requests.get(f"{cielo.url}/1/sales/abc", timeout=TIMEOUT,
                            headers={**cielo_headers(cielo), "MerchantId": "nope"})

    assert (missing.status_code, codes(missing)) == (401, [101, 131])
    assert (wrong_key.status_code, codes(wrong_key)) == (401, [132])
    assert (not_guid.status_code, codes(not_guid)) == (401, [114])
    assert requests.get(f"{cielo.url}/health", timeout=TIMEOUT).json()["status"] == "ok"


def test_cielo_unknown_token_is_code_130(cielo: CieloSimulator) -> None:
    reply = sell(cielo, sale_body(order_id(), {"CardToken": str(uuid.uuid4()), "Brand": "Visa"}))

    assert (reply.status_code, codes(reply)) == (400, [130])


def test_cielo_query_by_merchant_order_id_and_payment_id(cielo: CieloSimulator) -> None:
    order = order_id()
    first = sell(cielo, sale_body(order, token_card(cielo, 2))).json()["Payment"]
    second = sell(cielo, sale_body(order, token_card(cielo, 0))).json()["Payment"]

    listed = requests.get(f"{cielo.url}/1/sales?merchantOrderId={order}", headers=cielo_headers(cielo),
                          timeout=TIMEOUT)
    assert listed.status_code == 200
    assert [p["PaymentId"] for p in listed.json()["Payment"]] == [first["PaymentId"], second["PaymentId"]]
    assert all(p["ReceveidDate"] for p in listed.json()["Payment"])
    full = requests.get(f"{cielo.url}/1/sales/{second['PaymentId']}", headers=cielo_headers(cielo),
                        timeout=TIMEOUT)
    assert full.status_code == 200
    assert full.json()["MerchantOrderId"] == order and full.json()["Payment"] == second
    none = requests.get(f"{cielo.url}/1/sales?merchantOrderId=nothing", headers=cielo_headers(cielo),
                        timeout=TIMEOUT)
    unknown = requests.get(f"{cielo.url}/1/sales/{uuid.uuid4()}", headers=cielo_headers(cielo), timeout=TIMEOUT)
    assert (none.status_code, unknown.status_code) == (404, 404)


@pytest.mark.parametrize(("change", "expected"), [
    ({"Installments": 2, "Recurrent": True}, [179]),
    ({"Authenticate": True, "Recurrent": True}, [186]),
    ({"Installments": 0}, [123]),
    ({"Amount": 0}, [108]),
    ({"Amount": 49.9}, [108]),
])
def test_cielo_payment_validation(cielo: CieloSimulator, change: dict[str, Any], expected: list[int]) -> None:
    reply = sell(cielo, sale_body(order_id(), raw_card(1), **change))

    assert (reply.status_code, codes(reply)) == (400, expected)
    assert cielo.sales == {}


@pytest.mark.parametrize("merchant_order_id", ["", "pedido-1", "x" * 51])
def test_cielo_merchant_order_id_is_alphanumeric_up_to_50(cielo: CieloSimulator, merchant_order_id: str) -> None:
    reply = sell(cielo, sale_body(merchant_order_id, raw_card(1)))

    assert (reply.status_code, codes(reply)) == (400, [122])


def test_cielo_ending_9_is_random_but_reproducible_with_a_seed() -> None:
    def outcomes(seed: int) -> list[str]:
        simulator = CieloSimulator(seed=seed).start()
        try:
            return [sell(simulator, sale_body(order_id(), raw_card(9))).json()["Payment"]["ReturnCode"]
                    for _ in range(12)]
        finally:
            simulator.stop()

    first = outcomes(42)
    assert first == outcomes(42)
    assert len(set(first)) > 2
    assert set(first) <= {"6", "05", "57", "78", "99", "77", "70"}


# --- GetNet --------------------------------------------------------------------------------------------------------


@pytest.fixture
def getnet() -> Iterator[GetNetSimulator]:
    simulator = GetNetSimulator().start()
    yield simulator
    simulator.stop()


def oauth(simulator: GetNetSimulator, secret: str | None = None) -> requests.Response:
    basic = base64.b64encode(f"{simulator.client_id}:{secret or simulator.client_secret}".encode()).decode()
    return requests.post(f"{simulator.url}/auth/oauth/v2/token", data="scope=oob&grant_type=client_credentials",
                         headers={"Authorization": f"Basic {basic}",
                                  "Content-Type": "application/x-www-form-urlencoded"}, timeout=TIMEOUT)


@pytest.fixture
def bearer(getnet: GetNetSimulator) -> dict[str, str]:
    token = oauth(getnet).json()["access_token"]
    return {"Authorization": f"Bearer {token}", "seller_id": getnet.seller_id, "Content-Type": "application/json"}


def number_token(simulator: GetNetSimulator, headers: dict[str, str], card_number: str) -> str:
    reply = requests.post(f"{simulator.url}/v1/tokens/card", json={"card_number": card_number,
                                                                  "customer_id": "cliente-1"},
                          headers=headers, timeout=TIMEOUT)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["number_token"])


def vault(simulator: GetNetSimulator, headers: dict[str, str], token: str) -> requests.Response:
    return requests.post(f"{simulator.url}/v1/cards", json={
        "number_token": token, "expiration_month": "12", "expiration_year": "30", "customer_id": "cliente-1",
        "cardholder_name": "FULANO DE TAL", "verify_card": False}, headers=headers, timeout=TIMEOUT)


def pay(simulator: GetNetSimulator, headers: dict[str, str], card: dict[str, Any], order: str | None = None,
        timeout: float = TIMEOUT, **credit: Any) -> requests.Response:
    body = {"seller_id": simulator.seller_id, "amount": 4990, "currency": "BRL",
            "order": {"order_id": order or order_id()}, "customer": {"customer_id": "cliente-1"},
            "credit": {"delayed": False, "save_card_data": False, "transaction_type": "FULL",
                       "number_installments": 1, "card": card, **credit}}
    return requests.post(f"{simulator.url}/v1/payments/credit", json=body, headers=headers, timeout=timeout)


def test_getnet_oauth_client_credentials(getnet: GetNetSimulator) -> None:
    granted = oauth(getnet)
    refused = oauth(getnet, secret="errado")
    no_token = requests.post(f"{getnet.url}/v1/tokens/card", json={}, timeout=TIMEOUT)
    bad_token = requests.post(f"{getnet.url}/v1/tokens/card", json={}, timeout=TIMEOUT,
                              headers={"Authorization": "Bearer nope"})

    assert granted.status_code == 200
    assert granted.json()["token_type"] == "Bearer" and granted.json()["expires_in"] == 3600
    assert granted.json()["scope"] == "oob" and granted.json()["access_token"]
    assert (refused.status_code, refused.json()["error"]) == (401, "invalid_client")
    for reply in (no_token, bad_token):
        assert reply.status_code == 401 and reply.json()["status_code"] == 401


def test_getnet_number_token_is_single_use_and_the_vault_round_trips(getnet: GetNetSimulator,
                                                                     bearer: dict[str, str]) -> None:
    token = number_token(getnet, bearer, "5155901222280001")
    stored = vault(getnet, bearer, token)
    again = vault(getnet, bearer, token)

    assert stored.status_code == 201 and stored.json()["card_id"] and stored.json()["number_token"] != token
    assert again.status_code == 400
    assert again.json()["details"][0]["error_code"] == "TOKENIZATION-400"
    assert "valid for only one attempt" in again.json()["details"][0]["description_detail"]
    card_id = stored.json()["card_id"]
    card = requests.get(f"{getnet.url}/v1/cards/{card_id}", headers=bearer, timeout=TIMEOUT).json()
    assert (card["last_four_digits"], card["bin"], card["brand"]) == ("0001", "515590", "Mastercard")
    assert (card["expiration_month"], card["expiration_year"], card["status"]) == (12, 30, "active")
    assert "5155901222280001" not in json.dumps(card)
    for _ in range(2):  # a stored card pays again and again
        assert pay(getnet, bearer, {"card_id": card_id}).json()["status"] == "APPROVED"
    assert pay(getnet, bearer, {"number_token": stored.json()["number_token"], "expiration_month": "12",
                                "expiration_year": "30"}).status_code == 200
    deleted = requests.delete(f"{getnet.url}/v1/cards/{card_id}", headers=bearer, timeout=TIMEOUT)
    assert (deleted.status_code, deleted.content) == (204, b"")
    gone = requests.get(f"{getnet.url}/v1/cards/{card_id}", headers=bearer, timeout=TIMEOUT)
    assert gone.status_code == 404 and gone.json()["details"][0]["error_code"] == "VAULT-404"
    assert pay(getnet, bearer, {"card_id": card_id}).status_code == 404


def test_getnet_a_payment_spends_the_number_token(getnet: GetNetSimulator, bearer: dict[str, str]) -> None:
    card = {"number_token": number_token(getnet, bearer, "4012001037141112"), "cardholder_name": "FULANO",
            "expiration_month": "12", "expiration_year": "30", "brand": "Visa"}

    first = pay(getnet, bearer, card)
    second = pay(getnet, bearer, card)

    assert first.status_code == 200
    assert second.status_code == 400 and second.json()["details"][0]["error_code"] == "TOKENIZATION-400"


@pytest.mark.parametrize(("card_number", "ecom"), [
    ("5155901222280001", None),
    ("4012001037141112", None),
    ("5155901222270002", "05"),
    ("5155901222260003", "54"),
    ("5155901222250004", "51"),
])
def test_getnet_test_card_outcomes(getnet: GetNetSimulator, bearer: dict[str, str], card_number: str,
                                   ecom: str | None) -> None:
    card_id = vault(getnet, bearer, number_token(getnet, bearer, card_number)).json()["card_id"]
    order = order_id()

    reply = pay(getnet, bearer, {"card_id": card_id}, order=order, credentials_on_file_type="RECURRING")

    body = reply.json()
    if ecom is None:
        assert reply.status_code == 200
        assert (body["status"], body["order_id"], body["amount"]) == ("APPROVED", order, 4990)
        assert body["payment_id"] and body["credit"]["authorization_code"] and body["credit"]["transaction_id"]
        assert body["credit"]["reason_code"] == "00"
        assert body["credit"]["brand"] == ("visa" if card_number.startswith("4") else "mastercard")
    else:
        assert reply.status_code == 402
        assert (body["name"], body["status_code"]) == ("CreditServiceError", 402)
        detail = body["details"][0]
        assert detail["status"] == "NOT APPROVED" and detail["error_code"].startswith("PAYMENTS-")
        assert detail["description_detail"].endswith(f"[ECOM - {ecom}]")
        for key in ("payment_id", "authorization_code", "terminal_nsu", "acquirer_transaction_id", "description"):
            assert detail[key]
        assert getnet.orders(order)[0]["status"] == "DENIED"


def test_getnet_payment_validation(getnet: GetNetSimulator, bearer: dict[str, str]) -> None:
    card_id = vault(getnet, bearer, number_token(getnet, bearer, "5155901222280001")).json()["card_id"]

    wrong_seller = pay(getnet, {**bearer, "seller_id": str(uuid.uuid4())}, {"card_id": card_id})
    bad_cof = pay(getnet, bearer, {"card_id": card_id}, credentials_on_file_type="SOMETIMES")
    full_with_installments = pay(getnet, bearer, {"card_id": card_id}, number_installments=2)
    too_many = pay(getnet, bearer, {"card_id": card_id}, transaction_type="INSTALL_NO_INTEREST",
                   number_installments=18)
    delayed = pay(getnet, bearer, {"card_id": card_id}, delayed=True, credentials_on_file_type="RECURRING_PAYMENT",
                  transaction_id="3263975321993160")

    for reply in (wrong_seller, bad_cof, full_with_installments):
        assert reply.status_code == 400 and reply.json()["details"][0]["error_code"] == "GENERIC-400"
    assert too_many.status_code == 402
    assert too_many.json()["details"][0]["description_detail"].endswith("[ECOM - 23]")
    assert delayed.status_code == 200 and delayed.json()["status"] == "AUTHORIZED"


# --- faults --------------------------------------------------------------------------------------------------------


def wait_for_order(simulator: CieloSimulator, order: str, seconds: float = 5) -> requests.Response:
    deadline = time.monotonic() + seconds
    while True:
        reply = requests.get(f"{simulator.url}/1/sales?merchantOrderId={order}", headers=cielo_headers(simulator),
                             timeout=TIMEOUT)
        if reply.status_code == 200 or time.monotonic() > deadline:
            return reply
        time.sleep(0.05)


def test_fault_slow_times_the_client_out_and_the_sale_lands_later(cielo: CieloSimulator) -> None:
    cielo.inject("POST /1/sales", "slow", seconds=0.6)
    order = order_id()

    with pytest.raises(requests.exceptions.Timeout):
        sell(cielo, sale_body(order, raw_card(0)), timeout=0.2)

    assert wait_for_order(cielo, order).status_code == 200
    assert sell(cielo, sale_body(order_id(), raw_card(0)), timeout=0.5).status_code == 201  # used up


def test_fault_slow_after_processing_stores_the_sale_before_the_client_gives_up(cielo: CieloSimulator) -> None:
    cielo.inject("POST /1/sales", "slow_after_processing", seconds=0.6)
    order = order_id()

    with pytest.raises(requests.exceptions.Timeout):
        sell(cielo, sale_body(order, raw_card(0)), timeout=0.2)

    assert wait_for_order(cielo, order, seconds=0).status_code == 200


def test_slow_on_getnet_token_route(getnet: GetNetSimulator) -> None:
    requests.post(f"{getnet.url}/__sandbox/faults", json={"route": "/auth/oauth", "fault": "slow", "seconds": 0.5},
                  timeout=TIMEOUT).raise_for_status()

    with pytest.raises(requests.exceptions.Timeout):
        oauth_with_timeout(getnet, 0.2)
    assert oauth(getnet).status_code == 200


def oauth_with_timeout(simulator: GetNetSimulator, timeout: float) -> requests.Response:
    basic = base64.b64encode(f"{simulator.client_id}:{simulator.client_secret}".encode()).decode()
    return requests.post(f"{simulator.url}/auth/oauth/v2/token", data="scope=oob&grant_type=client_credentials",
                         headers={"Authorization": f"Basic {basic}"}, timeout=timeout)


def test_fault_5xx_answers_without_processing(cielo: CieloSimulator, getnet: GetNetSimulator,
                                             bearer: dict[str, str]) -> None:
    cielo.inject("/1/sales", "error_5xx", times=2, status=502)
    order = order_id()

    assert sell(cielo, sale_body(order, raw_card(0))).status_code == 502
    assert sell(cielo, sale_body(order, raw_card(0))).status_code == 502
    assert cielo.sales == {}
    assert sell(cielo, sale_body(order, raw_card(0))).status_code == 201

    card_id = vault(getnet, bearer, number_token(getnet, bearer, "5155901222280001")).json()["card_id"]
    getnet.inject("POST /v1/payments/credit", "error_5xx")
    failed = pay(getnet, bearer, {"card_id": card_id})
    assert (failed.status_code, failed.json()["status_code"]) == (503, 503)
    assert getnet.payments == {}


def test_fault_drop_after_processing_leaves_a_sale_to_reconcile(cielo: CieloSimulator) -> None:
    injected = requests.post(f"{cielo.url}/__sandbox/faults", json={"route": "POST /1/sales/",
                                                                    "fault": "drop_after_processing"},
                             timeout=TIMEOUT)
    assert injected.status_code == 201
    assert requests.get(f"{cielo.url}/__sandbox/faults", timeout=TIMEOUT).json()[0]["fault"] == \
        "drop_after_processing"
    order = order_id()

    with pytest.raises(requests.exceptions.ConnectionError):
        sell(cielo, sale_body(order, token_card(cielo, 1)))

    listed = wait_for_order(cielo, order, seconds=0)
    assert listed.status_code == 200
    payment_id = listed.json()["Payment"][0]["PaymentId"]
    sale = requests.get(f"{cielo.url}/1/sales/{payment_id}", headers=cielo_headers(cielo), timeout=TIMEOUT).json()
    assert sale["Payment"]["Status"] == 2
    assert requests.get(f"{cielo.url}/__sandbox/faults", timeout=TIMEOUT).json() == []


def test_fault_drop_on_getnet_keeps_the_payment(getnet: GetNetSimulator, bearer: dict[str, str]) -> None:
    card_id = vault(getnet, bearer, number_token(getnet, bearer, "5155901222280001")).json()["card_id"]
    getnet.inject("POST /v1/payments/credit", "drop_after_processing")
    order = order_id()

    with pytest.raises(requests.exceptions.ConnectionError):
        pay(getnet, bearer, {"card_id": card_id}, order=order)

    assert [p["status"] for p in getnet.orders(order)] == ["APPROVED"]


def test_fault_endpoint_rejects_unknown_faults_and_is_cleared(cielo: CieloSimulator) -> None:
    unknown = requests.post(f"{cielo.url}/__sandbox/faults", json={"route": "/1/sales", "fault": "explode"},
                            timeout=TIMEOUT)
    assert unknown.status_code == 400
    cielo.inject("/1/sales", "error_5xx", times=5)
    assert requests.delete(f"{cielo.url}/__sandbox/faults", timeout=TIMEOUT).status_code == 204
    assert sell(cielo, sale_body(order_id(), raw_card(0))).status_code == 201
    with pytest.raises(ValueError, match="unknown fault"):
        cielo.inject("/1/sales", "explode")


def test_every_simulator_keeps_health_and_the_sandbox_routes() -> None:
    for simulator_class in ALL:
        simulator = simulator_class(0).start()
        try:
            assert requests.get(f"{simulator.url}/health", timeout=TIMEOUT).json()["simulador"] == simulator.name
            assert requests.get(f"{simulator.url}/__sandbox/requests", timeout=TIMEOUT).json() == []
            simulator.inject("/x", "error_5xx")
            assert requests.get(f"{simulator.url}/x", timeout=TIMEOUT).status_code == 404  # unknown route
        finally:
            simulator.stop()


def test_recordings_mask_card_numbers_but_not_phone_numbers() -> None:
    card_service = '{"CardNumber": "4551870000000001", "SecurityCode": "123", "Other": "5155 9012 2228 0001"}'
    phone_service = '{"phone": "5511999998888", "card_number": "4012001037141112", "security_code": 123}'

    assert mask_pans(card_service) == \
        '{"CardNumber": "************0001", "SecurityCode": "***", "Other": "************0001"}'
    assert mask_pans(phone_service, digit_runs=False) == \
        '{"phone": "5511999998888", "card_number": "************1112", "security_code": "***"}'


@pytest.mark.parametrize("number, brand", [("4011780000000005", "Elo"), ("4514160000000001", "Elo"),
                                           ("4012001037141112", "Visa"), ("5066990000000000", "Elo"),
                                           ("5155901222280001", "Mastercard")])
def test_getnet_names_elo_ranges_before_visa_and_mastercard(number: str, brand: str) -> None:
    assert getnet_brand(number) == brand
