"""CieloGateway against the Cielo simulator over real HTTP on loopback: Zero
Auth and tokens, sales and their classification, the stored-credential chain
and the recurring fields on the wire, refusals, and the unknown outcomes
(timeout, 5xx, dropped answer) reconciled by ``find``."""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
import requests

from chalicelib.billing.cards.numbers import luhn_ok
from chalicelib.billing.charging.declines import Outcome
from chalicelib.billing.gateways import CardRefusedByIssuer, CardToTokenize, Charge, GatewayRefusal
from chalicelib.billing.gateways.cielo import CIELO_ZONE, CieloGateway
from sandbox.simulators.cielo import CieloSimulator

PREFIXES = {"Visa": "4551", "Master": "5155"}


@pytest.fixture
def cielo() -> Iterator[CieloSimulator]:
    simulator = CieloSimulator(seed=7)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def gateway(cielo: CieloSimulator) -> CieloGateway:
    return gateway_for(cielo)


def gateway_for(simulator: CieloSimulator, **options: Any) -> CieloGateway:
    return CieloGateway(simulator.url, simulator.url, simulator.merchant_id, simulator.merchant_key, sandbox=True,
                        soft_descriptor="PROVEDOR", **options)


def card_number(brand: str, last: int) -> str:
    """A Luhn-valid number of ``brand`` whose last digit (the simulator's outcome) is ``last``."""
    body = PREFIXES[brand].ljust(14, "7")
    return next(f"{body}{filler}{last}" for filler in "0123456789" if luhn_ok(f"{body}{filler}{last}"))


def card(number: str, brand: str = "Visa") -> CardToTokenize:
    return CardToTokenize(number=number, holder="MARIA DA SILVA", expiry_month=12, expiry_year=2030, brand=brand,
                          customer_name="Maria da Silva", customer_ref="cliente-1")


def order_id() -> str:
    return uuid.uuid4().hex[:20]


def charge_of(token: str, brand: str = "Visa", *, order: str | None = None, recurring: bool = True,
              first_use: bool = True, issuer_transaction_id: str = "") -> Charge:
    return Charge(order_id=order or order_id(), amount_cents=9990, card_token=token, brand=brand,
                  customer_name="Maria da Silva", recurring=recurring, first_use=first_use,
                  issuer_transaction_id=issuer_transaction_id)


def stored(gateway: CieloGateway, last: int, brand: str = "Visa") -> str:
    return gateway.tokenize(card(card_number(brand, last), brand))


def recorded(simulator: CieloSimulator) -> list[dict[str, Any]]:
    """The simulator's masked request log, read as any client would."""
    reply = requests.get(f"{simulator.url}/__sandbox/requests", timeout=5)
    reply.raise_for_status()
    return list(reply.json())


def masked(digits: str) -> str:
    return f"{'*' * (len(digits) - 4)}{digits[-4:]}"


def sale_requests(simulator: CieloSimulator) -> list[dict[str, Any]]:
    return [r["body"] for r in recorded(simulator) if r["method"] == "POST" and r["path"].startswith("/1/sales")]


# --- tokens -------------------------------------------------------------------------------------------------------


def test_tokenize_returns_cielo_token_and_the_number_stays_out_of_every_log(
        cielo: CieloSimulator, gateway: CieloGateway, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    number = card_number("Visa", 1)

    token = gateway.tokenize(card(number))
    gateway.charge(charge_of(token))

    assert uuid.UUID(token) and cielo.cards[token].truncated_number == f"{number[:6]}******{number[-4:]}"
    log = requests.get(f"{cielo.url}/__sandbox/requests", timeout=5).text
    assert number not in log and number not in caplog.text
    validation, tokenization, sale = recorded(cielo)
    assert validation["path"] == "/1/zeroauth" and validation["body"]["CardNumber"] == masked(number)
    assert tokenization["path"] == "/1/card/" and tokenization["body"]["CardNumber"] == masked(number)
    assert tokenization["body"]["ExpirationDate"] == "12/2030" and tokenization["body"]["Brand"] == "Visa"
    assert "CardNumber" not in sale["body"]["Payment"]["CreditCard"]  # a sale only ever names the token
    assert tokenization["headers"]["RequestId"] != sale["headers"]["RequestId"]


def test_tokenize_refusal_carries_cielo_code_and_not_the_number(gateway: CieloGateway) -> None:
    valid = card_number("Visa", 1)
    broken = valid[:-2] + str((int(valid[-2]) + 1) % 10) + valid[-1]

    with pytest.raises(GatewayRefusal) as refused:
        gateway.tokenize(card(broken))

    assert refused.value.code == "177"
    assert broken not in str(refused.value)


def test_tokenize_without_answer_is_a_refusal_without_the_number(cielo: CieloSimulator) -> None:
    cielo.inject("POST /1/card", "slow", seconds=1.0)
    number = card_number("Visa", 1)

    with pytest.raises(GatewayRefusal) as refused:
        gateway_for(cielo, read_timeout=0.2).tokenize(card(number))

    assert refused.value.code == "indisponivel"
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert number not in str(refused.value)


# --- sales --------------------------------------------------------------------------------------------------------


def test_approved_charge(cielo: CieloSimulator, gateway: CieloGateway) -> None:
    token = stored(gateway, 0)

    result = gateway.charge(charge_of(token))

    assert result.outcome is Outcome.APPROVED
    assert (result.return_code, result.return_message) == ("6", "Operação realizada com sucesso")
    sale = cielo.sales[result.payment_id]["Payment"]
    assert (result.tid, result.issuer_transaction_id) == (sale["Tid"], sale["IssuerTransactionId"])
    assert result.issuer_transaction_id
    body = sale_requests(cielo)[0]
    assert body["Payment"]["Amount"] == 9990 and type(body["Payment"]["Amount"]) is int  # cents, never 99.9
    assert (body["Payment"]["Capture"], body["Payment"]["Installments"]) == (True, 1)
    assert body["Payment"]["SoftDescriptor"] == "PROVEDOR"


@pytest.mark.parametrize("brand", ["Visa", "Master"])
@pytest.mark.parametrize(("ending", "outcome", "code"), [
    (2, Outcome.RETRYABLE, "05"),
    (8, Outcome.RETRYABLE, "70"),
    (5, Outcome.CUSTOMER_ACTION, "78"),
    (7, Outcome.DO_NOT_RETRY, "77"),
])
def test_each_decline_class(cielo: CieloSimulator, gateway: CieloGateway, brand: str, ending: int,
                            outcome: Outcome, code: str) -> None:
    result = gateway.charge(charge_of(stored(gateway, ending, brand), brand))

    assert (result.outcome, result.return_code) == (outcome, code)
    assert result.classification.guidance  # the customer is told what happens next
    assert result.classification.flags_card is (outcome is Outcome.DO_NOT_RETRY)
    assert result.payment_id in cielo.sales and not result.issuer_transaction_id


def test_status_0_time_out_is_unknown_and_stays_so_when_queried(gateway: CieloGateway) -> None:
    order = order_id()

    result = gateway.charge(charge_of(stored(gateway, 6), order=order))
    [found] = gateway.find(order) or []

    assert (result.outcome, result.return_code) == (Outcome.UNKNOWN, "99")
    assert (found.outcome, found.payment_id, found.amount_cents) == (Outcome.UNKNOWN, result.payment_id, 9990)


# --- what a sale says on the wire ---------------------------------------------------------------------------------


def test_first_recurring_visa_charge_marks_the_first_use_of_the_stored_card(cielo: CieloSimulator,
                                                                            gateway: CieloGateway) -> None:
    gateway.charge(charge_of(stored(gateway, 0), first_use=True))

    payment = sale_requests(cielo)[0]["Payment"]
    assert (payment["Recurrent"], payment["Authenticate"]) == (True, False)
    assert payment["CreditCard"]["CardOnFile"] == {"Usage": "First", "Reason": "Recurring"}
    assert "IssuerTransactionId" not in payment
    assert "InitiatedTransactionIndicator" not in payment  # Mastercard and Hipercard only


def test_later_recurring_master_charge_sends_issuer_id_and_merchant_initiated_indicator(
        cielo: CieloSimulator, gateway: CieloGateway) -> None:
    token = stored(gateway, 0, "Master")
    first = gateway.charge(charge_of(token, "Master", first_use=True))

    second = gateway.charge(charge_of(token, "Master", first_use=False,
                                      issuer_transaction_id=first.issuer_transaction_id))

    assert second.outcome is Outcome.APPROVED
    payment = sale_requests(cielo)[1]["Payment"]
    assert payment["Recurrent"] is True
    assert payment["CreditCard"]["CardOnFile"] == {"Usage": "Used", "Reason": "Recurring"}
    # The log masks every 13-19 digit run as a possible card number, the 15-digit issuer id included.
    assert payment["IssuerTransactionId"] == masked(first.issuer_transaction_id)
    assert payment["InitiatedTransactionIndicator"] == {"Category": "M1", "Subcategory": "Subscription"}


def test_operator_one_off_charge_is_unscheduled_card_on_file(cielo: CieloSimulator, gateway: CieloGateway) -> None:
    token = stored(gateway, 0, "Master")
    first = gateway.charge(charge_of(token, "Master", recurring=False))
    gateway.charge(charge_of(token, "Master", recurring=False, first_use=False,
                             issuer_transaction_id=first.issuer_transaction_id))

    opening, later = (body["Payment"] for body in sale_requests(cielo))
    assert "Recurrent" not in later and "IssuerTransactionId" not in opening
    assert opening["CreditCard"]["CardOnFile"] == {"Usage": "First", "Reason": "Unscheduled"}
    assert later["CreditCard"]["CardOnFile"] == {"Usage": "Used", "Reason": "Unscheduled"}
    assert later["InitiatedTransactionIndicator"] == {"Category": "M1", "Subcategory": "CredentialsOnFile"}


@pytest.mark.parametrize("brand", ["Visa", "Master"])
def test_a_strict_cielo_refuses_a_used_card_that_points_at_no_first_charge(cielo: CieloSimulator,
                                                                          gateway: CieloGateway, brand: str) -> None:
    token = stored(gateway, 0, brand)
    chainless = gateway.charge(charge_of(token, brand, first_use=False))
    foreign = gateway.charge(charge_of(token, brand, first_use=False, issuer_transaction_id="123456789012345"))
    opening = gateway.charge(charge_of(token, brand))
    chained = gateway.charge(charge_of(token, brand, first_use=False,
                                       issuer_transaction_id=opening.issuer_transaction_id))

    assert [r.outcome for r in (chainless, foreign, opening, chained)] == [
        Outcome.RETRYABLE, Outcome.RETRYABLE, Outcome.APPROVED, Outcome.APPROVED]
    assert (chainless.return_code, foreign.return_code) == ("58", "58")


# --- Zero Auth ----------------------------------------------------------------------------------------------------


def test_a_card_the_issuer_refuses_at_zero_auth_is_not_tokenized(cielo: CieloSimulator,
                                                                 gateway: CieloGateway) -> None:
    with pytest.raises(CardRefusedByIssuer) as refused:
        stored(gateway, 3)

    assert (refused.value.code, refused.value.message) == ("57", "Autorizacao negada")
    assert cielo.cards == {} and [r["path"] for r in recorded(cielo)] == ["/1/zeroauth"]


@pytest.mark.parametrize("fault", ["error_5xx", "drop_after_processing"])
def test_a_zero_auth_without_an_answer_is_a_refusal_and_nothing_is_tokenized(cielo: CieloSimulator,
                                                                             gateway: CieloGateway,
                                                                             fault: str) -> None:
    cielo.inject("POST /1/zeroauth", fault)

    with pytest.raises(GatewayRefusal) as refused:
        stored(gateway, 1)

    assert not isinstance(refused.value, CardRefusedByIssuer) and cielo.cards == {}


# --- refusals (nothing charged) -----------------------------------------------------------------------------------


def test_unknown_token_raises_with_cielo_code(cielo: CieloSimulator, gateway: CieloGateway) -> None:
    with pytest.raises(GatewayRefusal) as refused:
        gateway.charge(charge_of(str(uuid.uuid4())))

    assert (refused.value.code, refused.value.message) == ("130", "Could not get Credit Card")
    assert cielo.sales == {}


def test_invalid_merchant_order_id_raises_with_cielo_code(cielo: CieloSimulator, gateway: CieloGateway) -> None:
    with pytest.raises(GatewayRefusal) as refused:
        gateway.charge(charge_of(stored(gateway, 0), order="fatura-1"))

    assert refused.value.code == "122"
    assert cielo.sales == {}


def test_wrong_credentials_raise_with_cielo_code(cielo: CieloSimulator) -> None:
    wrong = CieloGateway(cielo.url, cielo.url, cielo.merchant_id, "X" * 40, sandbox=True)

    with pytest.raises(GatewayRefusal) as refused:
        wrong.charge(charge_of(str(uuid.uuid4())))

    assert refused.value.code == "132"


# --- unknown outcomes and reconciliation ------------------------------------------------------------------------


def test_timeout_after_processing_is_unknown_then_found_approved(cielo: CieloSimulator) -> None:
    impatient = gateway_for(cielo, read_timeout=0.2)
    token = stored(impatient, 0)
    cielo.inject("POST /1/sales", "slow_after_processing", seconds=1.5)
    order = order_id()

    started = time.monotonic()
    result = impatient.charge(charge_of(token, order=order))

    assert time.monotonic() - started < 1.0  # gave up at the read timeout, did not wait for the answer
    assert result.outcome is Outcome.UNKNOWN and not result.payment_id
    [found] = impatient.find(order) or []
    assert found.outcome is Outcome.APPROVED and found.amount_cents == 9990 and found.received_at is not None
    assert found.payment_id in cielo.sales and found.return_code == "6"


def test_5xx_is_unknown_then_found_never_processed(cielo: CieloSimulator, gateway: CieloGateway) -> None:
    token = stored(gateway, 0)
    cielo.inject("POST /1/sales", "error_5xx", status=502)
    order = order_id()

    result = gateway.charge(charge_of(token, order=order))

    assert (result.outcome, result.classification.code) == (Outcome.UNKNOWN, "502")
    assert gateway.find(order) is None
    assert cielo.sales == {}


def test_answer_dropped_after_processing_is_unknown_then_found_approved(cielo: CieloSimulator,
                                                                       gateway: CieloGateway) -> None:
    token = stored(gateway, 1)
    cielo.inject("POST /1/sales", "drop_after_processing")
    order = order_id()

    result = gateway.charge(charge_of(token, order=order))

    assert result.outcome is Outcome.UNKNOWN
    [found] = gateway.find(order) or []
    assert found.outcome is Outcome.APPROVED
    assert [found.payment_id] == list(cielo.sales)


def test_find_of_a_declined_order_returns_the_decline(gateway: CieloGateway) -> None:
    order = order_id()
    gateway.charge(charge_of(stored(gateway, 7), order=order))

    [found] = gateway.find(order) or []

    assert (found.outcome, found.return_code) == (Outcome.DO_NOT_RETRY, "77")


def test_find_lists_every_sale_of_an_order_with_its_amount_and_time(cielo: CieloSimulator,
                                                                   gateway: CieloGateway) -> None:
    order = order_id()
    approved = gateway.charge(charge_of(stored(gateway, 0), order=order))
    declined = gateway.charge(replace(charge_of(stored(gateway, 2), order=order), amount_cents=100))

    found = gateway.find(order) or []

    assert [(f.outcome, f.payment_id, f.amount_cents) for f in found] == [
        (Outcome.APPROVED, approved.payment_id, 9990), (Outcome.RETRYABLE, declined.payment_id, 100)]
    received = cielo.sales[approved.payment_id]["Payment"]["ReceivedDate"]  # Brasília time, no offset
    assert found[0].received_at == datetime.strptime(received, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CIELO_ZONE)


@pytest.mark.parametrize("fault", ["error_5xx", "drop_after_processing"])
def test_find_that_cannot_list_the_order_is_unknown_never_none(cielo: CieloSimulator, gateway: CieloGateway,
                                                               fault: str) -> None:
    order = order_id()
    gateway.charge(charge_of(stored(gateway, 0), order=order))
    cielo.inject("GET /1/sales", fault)

    [found] = gateway.find(order) or []

    assert found.outcome is Outcome.UNKNOWN and found.amount_cents is None


def test_find_that_cannot_read_a_listed_sale_is_unknown_never_none(cielo: CieloSimulator,
                                                                   gateway: CieloGateway) -> None:
    order = order_id()
    declined = gateway.charge(charge_of(stored(gateway, 2), order=order))
    approved = gateway.charge(charge_of(stored(gateway, 0), order=order))
    cielo.inject(f"GET /1/sales/{approved.payment_id}", "error_5xx")

    found = gateway.find(order) or []

    # The decline was read; the unreadable sale comes back unknown, without an amount (it may be the approved one).
    assert declined.outcome is Outcome.RETRYABLE
    assert [(f.outcome, f.payment_id, f.amount_cents) for f in found] == [
        (Outcome.RETRYABLE, declined.payment_id, 9990), (Outcome.UNKNOWN, approved.payment_id, None)]
