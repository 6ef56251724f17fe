"""The Cielo and GetNet simulators against their published sandbox contracts,
over real HTTP on loopback, and their fault injection."""
from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from sandbox.simulators import ALL
from sandbox.simulators.base import mask_pans
from sandbox.simulators.cielo import CHAIN_REFUSAL_CODE, CHAIN_REFUSAL_MESSAGE, CieloSimulator, luhn_valid
from sandbox.simulators.getnet import GetNetSimulator
from sandbox.simulators.getnet import _brand as getnet_brand
from sandbox.simulators.zapme import ZapMeSimulator

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


# --- Cielo Zero Auth -----------------------------------------------------------------------------------------------


def zero_auth(simulator: CieloSimulator, body: Any, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(f"{simulator.url}/1/zeroauth", json=body, timeout=TIMEOUT,
                         headers=cielo_headers(simulator) if headers is None else headers)


def open_card(number: str, brand: str = "Visa", **change: Any) -> dict[str, Any]:
    """A Zero Auth body with the open card, as the adapter sends it."""
    return {"CardType": "CreditCard", "CardNumber": number, "Holder": "FULANO DE TAL", "ExpirationDate": "12/2030",
            "SecurityCode": "123", "Brand": brand, "SaveCard": False,
            "CardOnFile": {"Usage": "First", "Reason": "Recurring"}, **change}


def zero_auth_outcome(reply: requests.Response) -> tuple[bool, str, str]:
    assert reply.status_code == 200, reply.text
    body = reply.json()
    return body["Valid"], body["ReturnCode"], body["ReturnMessage"]


@pytest.mark.parametrize(("brand", "issuer_id"), [("Visa", True), ("Master", True), ("Elo", True), ("Amex", False)])
def test_cielo_zero_auth_validates_a_card_and_keeps_nothing(cielo: CieloSimulator, brand: str,
                                                            issuer_id: bool) -> None:
    reply = zero_auth(cielo, open_card(luhn_number("4551", 1), brand, SaveCard=True))

    assert zero_auth_outcome(reply) == (True, "00", "Transacao autorizada")
    assert ("IssuerTransactionId" in reply.json()) == issuer_id
    if issuer_id:
        assert re.fullmatch(r"\d{15}", reply.json()["IssuerTransactionId"])
    assert (cielo.sales, cielo.cards) == ({}, {})  # SaveCard stores nothing: tokenizing is /1/card/'s job


@pytest.mark.parametrize("number", ["5502095822650000", "5315281703921200"])
def test_cielo_zero_auth_documented_valid_sandbox_cards(cielo: CieloSimulator, number: str) -> None:
    assert zero_auth_outcome(zero_auth(cielo, open_card(number, "Master")))[0] is True


@pytest.mark.parametrize(("number", "code"), [("1230069300407910", "39"), ("1230069300407944", "R2"),
                                              ("5270011231668402", "82"), ("6540540000003836", "36")])
def test_cielo_zero_auth_documented_denial_cards(cielo: CieloSimulator, number: str, code: str) -> None:
    reply = zero_auth(cielo, open_card(number, "Master"))

    assert zero_auth_outcome(reply) == (False, code, "Autorizacao negada")
    assert "IssuerTransactionId" not in reply.json()


def test_cielo_zero_auth_refuses_the_expired_ending(cielo: CieloSimulator) -> None:
    reply = zero_auth(cielo, open_card(luhn_number("4551", 3)))

    assert zero_auth_outcome(reply) == (False, "57", "Autorizacao negada")
    assert "IssuerTransactionId" not in reply.json()


@pytest.mark.parametrize("ending", [0, 1, 2, 4, 5, 6, 7, 8, 9])
def test_cielo_zero_auth_passes_endings_the_sale_decides(cielo: CieloSimulator, ending: int) -> None:
    assert zero_auth_outcome(zero_auth(cielo, open_card(luhn_number("4551", ending)))) == \
        (True, "00", "Transacao autorizada")


@pytest.mark.parametrize(("ending", "expected"), [(1, (True, "00", "Transacao autorizada")),
                                                  (5, (True, "00", "Transacao autorizada")),
                                                  (3, (False, "57", "Autorizacao negada"))])
def test_cielo_zero_auth_of_a_stored_token(cielo: CieloSimulator, ending: int,
                                           expected: tuple[bool, str, str]) -> None:
    token = token_card(cielo, ending, "Master")

    reply = zero_auth(cielo, {**token, "SaveCard": "false"})

    assert zero_auth_outcome(reply) == expected
    assert ("IssuerTransactionId" in reply.json()) == expected[0]


def test_cielo_zero_auth_unknown_token_is_code_130(cielo: CieloSimulator) -> None:
    unknown = zero_auth(cielo, {"CardToken": str(uuid.uuid4()), "Brand": "Visa"})
    without_brand = zero_auth(cielo, {"CardToken": str(uuid.uuid4()), "Brand": ""})

    assert (unknown.status_code, codes(unknown)) == (400, [130])
    assert (without_brand.status_code, codes(without_brand)) == (400, [130, 182])


def broken_luhn() -> str:
    valid = luhn_number("4551", 1)
    return valid[:-2] + str((int(valid[-2]) + 1) % 10) + valid[-1]


@pytest.mark.parametrize(("change", "expected"), [
    ({"CardType": "Boleto"}, [0]),
    ({"CardNumber": "123"}, [177]),
    ({"CardNumber": "1" * 20}, [128]),
    ({"ExpirationDate": ""}, [125]),
    ({"ExpirationDate": "13/2030"}, [126]),
    ({"Brand": ""}, [182]),
    ({"Brand": "Nope"}, [185]),
    ({"CardType": "Boleto", "Brand": ""}, [0, 182]),
])
def test_cielo_zero_auth_validation(cielo: CieloSimulator, change: dict[str, Any], expected: list[int]) -> None:
    reply = zero_auth(cielo, open_card(luhn_number("4551", 1), **change))

    assert (reply.status_code, codes(reply)) == (400, expected)


def test_cielo_zero_auth_checks_luhn_except_on_the_published_cards(cielo: CieloSimulator) -> None:
    broken = zero_auth(cielo, open_card(broken_luhn()))
    not_json = zero_auth(cielo, ["CardNumber"])
    token_with_bad_type = zero_auth(cielo, {**token_card(cielo, 1), "CardType": "Pix"})
    no_card_type = open_card(luhn_number("4551", 1))
    del no_card_type["CardType"]

    assert (broken.status_code, codes(broken)) == (400, [177])
    assert (not_json.status_code, codes(not_json)) == (400, [0])
    assert (token_with_bad_type.status_code, codes(token_with_bad_type)) == (400, [0])
    assert zero_auth_outcome(zero_auth(cielo, no_card_type))[0] is True  # the docs' example sends none
    assert zero_auth_outcome(zero_auth(cielo, open_card(luhn_number("4551", 1), CardType="DebitCard")))[0] is True


def test_cielo_zero_auth_needs_the_merchant_credentials(cielo: CieloSimulator) -> None:
    missing = zero_auth(cielo, open_card(luhn_number("4551", 1)), headers={})
    wrong_key = zero_auth(cielo, open_card(luhn_number("4551", 1)),
                          headers={**cielo_headers(cielo), "MerchantKey": "X" * 40})

    assert (missing.status_code, codes(missing)) == (401, [101, 131])
    assert (wrong_key.status_code, codes(wrong_key)) == (401, [132])


def test_cielo_zero_auth_takes_faults_and_logs_only_masked_cards(cielo: CieloSimulator) -> None:
    number = luhn_number("4551", 1)
    cielo.inject("/1/zeroauth", "error_5xx")

    failed = zero_auth(cielo, open_card(number))
    assert (failed.status_code, codes(failed)) == (503, [0])
    assert zero_auth_outcome(zero_auth(cielo, open_card(number)))[0] is True

    recorded = requests.get(f"{cielo.url}/__sandbox/requests", timeout=TIMEOUT)
    assert number not in recorded.text and '"123"' not in recorded.text
    body = recorded.json()[-1]["body"]
    assert (body["CardNumber"], body["SecurityCode"]) == (f"************{number[-4:]}", "***")
    assert body["CardOnFile"] == {"Usage": "First", "Reason": "Recurring"}


# --- Cielo stored-credential chain (strict mode) -------------------------------------------------------------------


def on_file(card: dict[str, Any], usage: str, reason: str = "Recurring") -> dict[str, Any]:
    return {**card, "CardOnFile": {"Usage": usage, "Reason": reason}}


def sell_on_file(simulator: CieloSimulator, card: dict[str, Any], usage: str | None,
                 issuer_transaction_id: str | None = None, order: str | None = None,
                 reason: str = "Recurring") -> dict[str, Any]:
    """A sale of ``card`` (with ``CardOnFile.Usage`` when given) answered 201; its Payment."""
    extra = {} if issuer_transaction_id is None else {"IssuerTransactionId": issuer_transaction_id}
    node = card if usage is None else on_file(card, usage, reason)
    reply = sell(simulator, sale_body(order or order_id(), node, Recurrent=True, **extra))
    assert reply.status_code == 201, reply.text
    return dict(reply.json()["Payment"])


def approved(payment: dict[str, Any]) -> bool:
    return payment["Status"] == 2 and payment["ReturnCode"] == "6"


@pytest.mark.parametrize("brand", ["Visa", "Master", "Elo"])
@pytest.mark.parametrize("sent", [None, "123456789012345"])
def test_cielo_strict_refuses_a_used_token_sale_without_its_chain(cielo: CieloSimulator, brand: str,
                                                                  sent: str | None) -> None:
    order = order_id()

    payment = sell_on_file(cielo, token_card(cielo, 1, brand), "Used", sent, order=order)

    assert (payment["Status"], payment["ReturnCode"]) == (3, CHAIN_REFUSAL_CODE)
    assert payment["ReturnMessage"] == CHAIN_REFUSAL_MESSAGE == (
        "Transação não permitida: credencial armazenada sem IssuerTransactionId da primeira transação")
    assert "AuthorizationCode" not in payment and "IssuerTransactionId" not in payment
    assert payment.get("MerchantAdviceCode") == ("04" if brand == "Master" else None)
    listed = requests.get(f"{cielo.url}/1/sales?merchantOrderId={order}", headers=cielo_headers(cielo),
                          timeout=TIMEOUT)
    assert [p["PaymentId"] for p in listed.json()["Payment"]] == [payment["PaymentId"]]
    assert cielo.sales[payment["PaymentId"]]["Payment"] == payment


@pytest.mark.parametrize("reason", ["Recurring", "Unscheduled"])
def test_cielo_strict_accepts_an_issuer_id_of_an_approved_sale_of_the_token(cielo: CieloSimulator,
                                                                            reason: str) -> None:
    card = token_card(cielo, 0, "Master")
    first = sell_on_file(cielo, card, "First")
    assert approved(first) and re.fullmatch(r"\d{15}", first["IssuerTransactionId"])

    second = sell_on_file(cielo, card, "Used", first["IssuerTransactionId"], reason=reason)
    third = sell_on_file(cielo, card, "Used", second["IssuerTransactionId"], reason=reason)
    again = sell_on_file(cielo, card, "Used", first["IssuerTransactionId"], reason=reason)

    assert all(approved(payment) for payment in (second, third, again))
    assert len({first["IssuerTransactionId"], second["IssuerTransactionId"], third["IssuerTransactionId"]}) == 3
    assert all(re.fullmatch(r"\d{15}", p["IssuerTransactionId"]) for p in (second, third))


def test_cielo_strict_refuses_an_issuer_id_of_another_token(cielo: CieloSimulator) -> None:
    mine, other = token_card(cielo, 0), token_card(cielo, 1)
    other_first = sell_on_file(cielo, other, "First")

    refused = sell_on_file(cielo, mine, "Used", other_first["IssuerTransactionId"])

    assert (refused["Status"], refused["ReturnCode"]) == (3, "58")


def test_cielo_strict_a_declined_first_sale_opens_no_chain(cielo: CieloSimulator) -> None:
    card = token_card(cielo, 2)
    declined = sell_on_file(cielo, card, "First")
    approved_raw = sell_on_file(cielo, raw_card(1), None)

    assert declined["ReturnCode"] == "05" and "IssuerTransactionId" not in declined
    assert sell_on_file(cielo, card, "Used", approved_raw["IssuerTransactionId"])["ReturnCode"] == "58"


def test_cielo_zero_auth_issuer_id_does_not_open_the_chain(cielo: CieloSimulator) -> None:
    card = token_card(cielo, 1)
    validated = zero_auth(cielo, card).json()

    assert sell_on_file(cielo, card, "Used", validated["IssuerTransactionId"])["ReturnCode"] == "58"


def test_cielo_strict_never_refuses_first_use_raw_cards_or_other_brands(cielo: CieloSimulator) -> None:
    visa = token_card(cielo, 1)

    assert approved(sell_on_file(cielo, visa, "First"))
    assert approved(sell_on_file(cielo, visa, "First", "123456789012345"))
    assert approved(sell_on_file(cielo, token_card(cielo, 4), None))
    assert approved(sell_on_file(cielo, raw_card(1), "Used"))  # raw-card sales are not affected
    assert approved(sell_on_file(cielo, {**raw_card(1), "CardNumber": luhn_number("4551", 1), "SaveCard": True},
                                 "Used"))
    assert approved(sell_on_file(cielo, token_card(cielo, 1, "Amex"), "Used"))  # no IssuerTransactionId brand


def test_cielo_strict_refusal_comes_before_the_ending(cielo: CieloSimulator) -> None:
    for ending in (2, 6):
        assert sell_on_file(cielo, token_card(cielo, ending), "Used")["ReturnCode"] == "58"

    def endings_9(refuse_in_between: bool) -> list[str]:
        simulator = CieloSimulator(seed=11).start()
        try:
            codes_seen = [sell_on_file(simulator, raw_card(9), None)["ReturnCode"]]
            if refuse_in_between:  # draws nothing from the seeded sequence
                assert sell_on_file(simulator, token_card(simulator, 9), "Used")["ReturnCode"] == "58"
            return codes_seen + [sell_on_file(simulator, raw_card(9), None)["ReturnCode"] for _ in range(5)]
        finally:
            simulator.stop()

    assert endings_9(True) == endings_9(False)


def test_cielo_strict_off_accepts_a_used_sale_without_its_chain() -> None:
    simulator = CieloSimulator(strict=False).start()
    try:
        assert approved(sell_on_file(simulator, token_card(simulator, 1), "Used"))
        assert approved(sell_on_file(simulator, token_card(simulator, 1, "Master"), "Used", "123456789012345"))
        assert requests.get(f"{simulator.url}/__sandbox/mode", timeout=TIMEOUT).json() == {"strict": False}
    finally:
        simulator.stop()


def test_cielo_mode_route_switches_strict_at_run_time(cielo: CieloSimulator) -> None:
    card = token_card(cielo, 1)
    mode_url = f"{cielo.url}/__sandbox/mode"
    assert requests.get(mode_url, timeout=TIMEOUT).json() == {"strict": True}

    switched = requests.post(mode_url, json={"strict": False}, timeout=TIMEOUT)
    assert (switched.status_code, switched.json()) == (200, {"strict": False})
    assert cielo.strict is False
    assert approved(sell_on_file(cielo, card, "Used"))

    assert requests.post(mode_url, json={"strict": True}, timeout=TIMEOUT).json() == {"strict": True}
    assert sell_on_file(cielo, card, "Used")["ReturnCode"] == "58"


@pytest.mark.parametrize("body", [{"strict": "false"}, {"strict": 0}, {"lenient": True}, {}, ["strict"], None])
def test_mode_route_refuses_what_is_not_a_known_boolean_switch(cielo: CieloSimulator, body: Any) -> None:
    reply = requests.post(f"{cielo.url}/__sandbox/mode", json=body, timeout=TIMEOUT)

    assert reply.status_code == 400 and reply.json()["erro"]
    assert cielo.mode() == {"strict": True}


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
    # A later use of the stored card points at its first approved payment (strict mode's chain).
    opening = pay(getnet, bearer, {"card_id": card_id}, credentials_on_file_type="RECURRING")
    delayed = pay(getnet, bearer, {"card_id": card_id}, delayed=True, credentials_on_file_type="RECURRING_PAYMENT",
                  transaction_id=opening.json()["credit"]["transaction_id"])

    for reply in (wrong_seller, bad_cof, full_with_installments):
        assert reply.status_code == 400 and reply.json()["details"][0]["error_code"] == "GENERIC-400"
    assert too_many.status_code == 402
    assert too_many.json()["details"][0]["description_detail"].endswith("[ECOM - 23]")
    assert delayed.status_code == 200 and delayed.json()["status"] == "AUTHORIZED"


# --- GetNet card verification --------------------------------------------------------------------------------------


def verify(simulator: GetNetSimulator, headers: dict[str, str], token: str | None, **change: Any) -> requests.Response:
    """``None`` in ``change`` leaves that field out."""
    body = {"number_token": token, "brand": "Mastercard", "cardholder_name": "FULANO DE TAL",
            "expiration_month": "12", "expiration_year": "30", "security_code": "123", **change}
    return requests.post(f"{simulator.url}/v1/cards/verification", timeout=TIMEOUT, headers=headers,
                         json={key: value for key, value in body.items() if value is not None})


def vault_card(simulator: GetNetSimulator, headers: dict[str, str], card_number: str) -> tuple[str, str]:
    """A vault card: its card_id and reusable number_token."""
    stored = vault(simulator, headers, number_token(simulator, headers, card_number))
    assert stored.status_code == 201, stored.text
    return str(stored.json()["card_id"]), str(stored.json()["number_token"])


def assert_verified(reply: requests.Response) -> None:
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "VERIFIED" and uuid.UUID(body["verification_id"])
    assert re.fullmatch(r"\d+", body["authorization_code"])


@pytest.mark.parametrize(("card_number", "payment_status"), [("5155901222280001", 200), ("4012001037141112", 200),
                                                             ("5155901222270002", 402), ("5155901222250004", 402)])
def test_getnet_verification_of_a_vault_card_is_repeatable(getnet: GetNetSimulator, bearer: dict[str, str],
                                                           card_number: str, payment_status: int) -> None:
    card_id, vault_token = vault_card(getnet, bearer, card_number)

    first, second = verify(getnet, bearer, vault_token), verify(getnet, bearer, vault_token, security_code=None)

    assert_verified(first)  # 05 and 51 are declines of a charge of a valid card: the payment decides
    assert_verified(second)
    assert first.json()["verification_id"] != second.json()["verification_id"]
    assert getnet.payments == {}
    assert pay(getnet, bearer, {"card_id": card_id}).status_code == payment_status


def test_getnet_verification_spends_a_single_use_token(getnet: GetNetSimulator, bearer: dict[str, str]) -> None:
    token = number_token(getnet, bearer, "5155901222280001")

    assert_verified(verify(getnet, bearer, token))
    again = verify(getnet, bearer, token)
    assert again.status_code == 400 and again.json()["details"][0]["error_code"] == "TOKENIZATION-400"
    assert vault(getnet, bearer, token).status_code == 400
    unknown = verify(getnet, bearer, "ab" * 64)
    assert unknown.status_code == 400 and unknown.json()["details"][0]["error_code"] == "TOKENIZATION-400"


def test_getnet_verification_refuses_the_expired_test_card(getnet: GetNetSimulator, bearer: dict[str, str]) -> None:
    _, vault_token = vault_card(getnet, bearer, "5155901222260003")
    single_use = number_token(getnet, bearer, "5155901222260003")

    for reply in (verify(getnet, bearer, vault_token), verify(getnet, bearer, single_use)):
        assert reply.status_code == 402
        body = reply.json()
        assert (body["name"], body["status_code"]) == ("CardVerificationError", 402)
        assert body["details"] == [{"status": "DENIED", "error_code": "PAYMENTS-003", "description": "Cartão vencido",
                                    "description_detail": "CARTAO VENCIDO [ECOM - 54]"}]
    assert verify(getnet, bearer, single_use).status_code == 400  # spent even when refused
    assert getnet.payments == {}


@pytest.mark.parametrize("change", [{"cardholder_name": None}, {"cardholder_name": " "}, {"brand": None},
                                    {"expiration_month": "13"}, {"expiration_month": "1"},
                                    {"expiration_year": "2030"}, {"security_code": "12"},
                                    {"security_code": 123}])
def test_getnet_verification_validation(getnet: GetNetSimulator, bearer: dict[str, str],
                                        change: dict[str, Any]) -> None:
    _, vault_token = vault_card(getnet, bearer, "5155901222280001")

    reply = verify(getnet, bearer, vault_token, **change)

    assert reply.status_code == 400 and reply.json()["details"][0]["error_code"] == "GENERIC-400"


def test_getnet_verification_needs_a_token_and_the_bearer(getnet: GetNetSimulator, bearer: dict[str, str]) -> None:
    _, vault_token = vault_card(getnet, bearer, "5155901222280001")
    no_token = verify(getnet, bearer, None)
    not_json = requests.post(f"{getnet.url}/v1/cards/verification", json=[vault_token], headers=bearer,
                             timeout=TIMEOUT)
    no_bearer = verify(getnet, {"Content-Type": "application/json"}, vault_token)

    for reply in (no_token, not_json):
        assert reply.status_code == 400 and reply.json()["details"][0]["error_code"] == "GENERIC-400"
    assert no_bearer.status_code == 401 and no_bearer.json()["details"][0]["error_code"] == "GENERIC-401"


# --- GetNet stored-credential chain (strict mode) ------------------------------------------------------------------


@pytest.mark.parametrize("card_number", ["5155901222280001", "4012001037141112", "5067000000000002"])
@pytest.mark.parametrize("cof", ["RECURRING_PAYMENT", "ONE_CLICK_PAYMENT"])
@pytest.mark.parametrize("sent", [None, "3263975321993160"])
def test_getnet_strict_refuses_a_later_use_without_its_chain(getnet: GetNetSimulator, bearer: dict[str, str],
                                                             card_number: str, cof: str, sent: str | None) -> None:
    card_id, _ = vault_card(getnet, bearer, card_number)
    order = order_id()
    extra = {} if sent is None else {"transaction_id": sent}

    reply = pay(getnet, bearer, {"card_id": card_id}, order=order, credentials_on_file_type=cof, **extra)

    assert reply.status_code == 402
    body = reply.json()
    assert (body["name"], body["status_code"]) == ("CreditServiceError", 402)
    detail = body["details"][0]
    assert {key: detail[key] for key in ("status", "error_code", "description", "description_detail")} == {
        "status": "NOT APPROVED", "error_code": "PAYMENTS-402", "description": "Transação não permitida",
        "description_detail": "TRANSACAO NAO PERMITIDA: CREDENCIAL ARMAZENADA SEM TRANSACTION_ID DA PRIMEIRA "
                              "TRANSACAO [ECOM - 57]"}
    assert detail["payment_id"] and detail["terminal_nsu"] and detail["acquirer_transaction_id"]
    assert [(p["payment_id"], p["status"]) for p in getnet.orders(order)] == [(detail["payment_id"], "DENIED")]


def test_getnet_strict_accepts_a_transaction_id_of_an_approved_payment_of_the_card(
        getnet: GetNetSimulator, bearer: dict[str, str]) -> None:
    card_id, vault_token = vault_card(getnet, bearer, "4012001037141112")
    by_token = {"number_token": vault_token, "expiration_month": "12", "expiration_year": "30"}
    first = pay(getnet, bearer, {"card_id": card_id}, credentials_on_file_type="RECURRING").json()

    later = pay(getnet, bearer, {"card_id": card_id}, credentials_on_file_type="RECURRING_PAYMENT",
                transaction_id=first["credit"]["transaction_id"])
    one_click = pay(getnet, bearer, by_token, credentials_on_file_type="ONE_CLICK_PAYMENT",
                    transaction_id=later.json()["credit"]["transaction_id"])

    for reply in (later, one_click):
        assert reply.status_code == 200 and reply.json()["status"] == "APPROVED", reply.text
    assert len({first["credit"]["transaction_id"], later.json()["credit"]["transaction_id"],
                one_click.json()["credit"]["transaction_id"]}) == 3


def test_getnet_strict_refuses_a_transaction_id_of_another_card(getnet: GetNetSimulator,
                                                                bearer: dict[str, str]) -> None:
    mine, _ = vault_card(getnet, bearer, "5155901222280001")
    other, _ = vault_card(getnet, bearer, "5155901222280001")
    other_first = pay(getnet, bearer, {"card_id": other}, credentials_on_file_type="ONE_CLICK").json()

    refused = pay(getnet, bearer, {"card_id": mine}, credentials_on_file_type="ONE_CLICK_PAYMENT",
                  transaction_id=other_first["credit"]["transaction_id"])

    assert refused.status_code == 402 and "[ECOM - 57]" in refused.json()["details"][0]["description_detail"]


def test_getnet_strict_a_declined_payment_opens_no_chain(getnet: GetNetSimulator, bearer: dict[str, str]) -> None:
    card_id, _ = vault_card(getnet, bearer, "5155901222250004")
    declined = pay(getnet, bearer, {"card_id": card_id}, credentials_on_file_type="RECURRING")

    later = pay(getnet, bearer, {"card_id": card_id}, credentials_on_file_type="RECURRING_PAYMENT",
                transaction_id=declined.json()["details"][0]["acquirer_transaction_id"])

    assert declined.json()["details"][0]["description_detail"].endswith("[ECOM - 51]")
    assert later.status_code == 402 and later.json()["details"][0]["description_detail"].endswith("[ECOM - 57]")


@pytest.mark.parametrize("cof", ["RECURRING", "ONE_CLICK", None])
def test_getnet_strict_never_refuses_a_first_use(getnet: GetNetSimulator, bearer: dict[str, str],
                                                 cof: str | None) -> None:
    card_id, _ = vault_card(getnet, bearer, "5155901222280001")
    extra = {} if cof is None else {"credentials_on_file_type": cof}

    assert pay(getnet, bearer, {"card_id": card_id}, **extra).status_code == 200


def test_getnet_strict_rule_is_off_for_single_use_tokens_and_other_brands(getnet: GetNetSimulator,
                                                                          bearer: dict[str, str]) -> None:
    single_use = {"number_token": number_token(getnet, bearer, "5155901222280001"), "expiration_month": "12",
                  "expiration_year": "30"}
    amex, _ = vault_card(getnet, bearer, "378282246310005")

    assert pay(getnet, bearer, single_use, credentials_on_file_type="RECURRING_PAYMENT").status_code == 200
    assert pay(getnet, bearer, {"card_id": amex}, credentials_on_file_type="RECURRING_PAYMENT").status_code == 200


def test_getnet_strict_off_and_the_mode_route(getnet: GetNetSimulator, bearer: dict[str, str]) -> None:
    card_id, _ = vault_card(getnet, bearer, "5155901222280001")
    mode_url = f"{getnet.url}/__sandbox/mode"
    assert requests.get(mode_url, timeout=TIMEOUT).json() == {"strict": True}

    assert requests.post(mode_url, json={"strict": False}, timeout=TIMEOUT).json() == {"strict": False}
    lenient = pay(getnet, bearer, {"card_id": card_id}, credentials_on_file_type="RECURRING_PAYMENT",
                  transaction_id="3263975321993160")
    assert lenient.status_code == 200 and lenient.json()["status"] == "APPROVED"

    assert requests.post(mode_url, json={"strict": True}, timeout=TIMEOUT).status_code == 200
    assert pay(getnet, bearer, {"card_id": card_id}, credentials_on_file_type="RECURRING_PAYMENT").status_code == 402

    simulator = GetNetSimulator(strict=False).start()
    try:
        token = oauth(simulator).json()["access_token"]
        headers = {**bearer, "Authorization": f"Bearer {token}"}
        other_id, _ = vault_card(simulator, headers, "5155901222280001")
        assert pay(simulator, headers, {"card_id": other_id},
                   credentials_on_file_type="ONE_CLICK_PAYMENT").status_code == 200
    finally:
        simulator.stop()


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


# --- clock, modes and the request log ------------------------------------------------------------------------------


class FixedClock:
    """A clock a test moves by hand."""

    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def __call__(self) -> datetime:
        return self.instant


def test_cielo_dates_follow_the_injected_clock() -> None:
    # 05:04:05 at UTC+2 is 03:04:05 UTC, 00:04:05 in Brasília.
    clock = FixedClock(datetime(2031, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))))
    simulator = CieloSimulator(seed=7, clock=clock).start()
    try:
        order = order_id()
        first = sell(simulator, sale_body(order, raw_card(0))).json()["Payment"]
        clock.instant += timedelta(days=1, hours=2)
        second = sell(simulator, sale_body(order, raw_card(1))).json()["Payment"]
        listed = requests.get(f"{simulator.url}/1/sales?merchantOrderId={order}", headers=cielo_headers(simulator),
                              timeout=TIMEOUT).json()["Payment"]
    finally:
        simulator.stop()

    assert (first["ReceivedDate"], first["CapturedDate"]) == ("2031-01-02 00:04:05", "2031-01-02 00:04:05")
    assert first["Tid"].startswith("0102000405") and len(first["Tid"]) == 20
    assert (second["ReceivedDate"], second["Tid"][:10]) == ("2031-01-03 02:04:05", "0103020405")
    assert [p["ReceveidDate"] for p in listed] == ["2031-01-02 00:04:05", "2031-01-03 02:04:05"]


def test_getnet_dates_follow_the_injected_clock() -> None:
    clock = FixedClock(datetime(2031, 1, 2, 3, 4, 5, 678000, tzinfo=UTC))
    simulator = GetNetSimulator(clock=clock).start()
    try:
        token = oauth(simulator).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "seller_id": simulator.seller_id,
                   "Content-Type": "application/json"}
        card_id, _ = vault_card(simulator, headers, "5155901222280001")
        clock.instant += timedelta(hours=1)
        paid = pay(simulator, headers, {"card_id": card_id}).json()
        card = requests.get(f"{simulator.url}/v1/cards/{card_id}", headers=headers, timeout=TIMEOUT).json()
    finally:
        simulator.stop()

    assert (paid["received_at"], paid["credit"]["authorized_at"]) == ("2031-01-02T04:04:05.678Z",
                                                                      "2031-01-02T04:04:05Z")
    assert (card["created_at"], card["used_at"]) == ("2031-01-02T03:04:05.678Z", "2031-01-02T04:04:05.678Z")


def test_a_naive_clock_is_a_test_bug_answered_500() -> None:
    simulator = CieloSimulator(clock=lambda: datetime(2031, 1, 2, 3, 4, 5)).start()  # naive on purpose
    try:
        assert sell(simulator, sale_body(order_id(), raw_card(0))).status_code == 500
        assert simulator.sales == {}
    finally:
        simulator.stop()


def test_default_clock_is_now_in_utc() -> None:
    simulator = GetNetSimulator()
    try:
        assert abs((simulator.now() - datetime.now(UTC)).total_seconds()) < 5
        assert simulator.now().utcoffset() == timedelta(0)
    finally:
        simulator.stop()


def test_a_simulator_without_switches_has_no_mode_route() -> None:
    simulator = ZapMeSimulator().start()
    try:
        assert requests.get(f"{simulator.url}/__sandbox/mode", timeout=TIMEOUT).status_code == 404
        assert requests.post(f"{simulator.url}/__sandbox/mode", json={"strict": False},
                             timeout=TIMEOUT).status_code == 404
    finally:
        simulator.stop()


def masked(digits: str) -> str:
    return f"{'*' * (len(digits) - 4)}{digits[-4:]}"


def test_cielo_request_log_shows_the_stored_credential_fields(cielo: CieloSimulator) -> None:
    card = token_card(cielo, 0, "Master")
    first = sell_on_file(cielo, card, "First")
    sell_on_file(cielo, card, "Used", first["IssuerTransactionId"], reason="Unscheduled")

    sales = [r["body"] for r in requests.get(f"{cielo.url}/__sandbox/requests", timeout=TIMEOUT).json()
             if r["path"].startswith("/1/sales")]
    opening, later = (body["Payment"] for body in sales)
    assert opening["CreditCard"]["CardOnFile"] == {"Usage": "First", "Reason": "Recurring"}
    assert "IssuerTransactionId" not in opening
    assert later["CreditCard"]["CardOnFile"] == {"Usage": "Used", "Reason": "Unscheduled"}
    assert later["CreditCard"]["CardToken"] == card["CardToken"]
    # As sent, except that every 13-19 digit run is masked to its last four (a card number may hide anywhere).
    assert later["IssuerTransactionId"] == masked(first["IssuerTransactionId"])


def test_getnet_request_log_shows_the_credentials_on_file_fields(getnet: GetNetSimulator,
                                                                bearer: dict[str, str]) -> None:
    card_id, _ = vault_card(getnet, bearer, "4012001037141112")
    first = pay(getnet, bearer, {"card_id": card_id}, credentials_on_file_type="RECURRING").json()
    pay(getnet, bearer, {"card_id": card_id}, credentials_on_file_type="RECURRING_PAYMENT",
        transaction_id=first["credit"]["transaction_id"])

    recorded = requests.get(f"{getnet.url}/__sandbox/requests", timeout=TIMEOUT)
    assert "4012001037141112" not in recorded.text
    tokenized = next(r["body"] for r in recorded.json() if r["path"] == "/v1/tokens/card")
    assert tokenized["card_number"] == "************1112"
    opening, later = (r["body"]["credit"] for r in recorded.json() if r["path"] == "/v1/payments/credit")
    assert opening["credentials_on_file_type"] == "RECURRING" and "transaction_id" not in opening
    assert later["credentials_on_file_type"] == "RECURRING_PAYMENT"
    assert later["transaction_id"] == masked(first["credit"]["transaction_id"])
