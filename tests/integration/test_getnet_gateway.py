"""GetNetGateway against the GetNet simulator over real HTTP on loopback: the
OAuth token cache, the vault and the issuer's verification of a card,
payments and their classification, the credentials-on-file fields on the
wire, refusals, and the unknown outcomes (timeout, 5xx, dropped answer),
which v1 cannot reconcile by query."""
from __future__ import annotations

import base64
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

from chalicelib.billing.charging.declines import NO_FUNDS, Outcome
from chalicelib.billing.gateways import CardRefusedByIssuer, CardToTokenize, Charge, GatewayRefusal
from chalicelib.billing.gateways.getnet import TOKEN_MARGIN_SECONDS, GetNetGateway
from sandbox.simulators.getnet import GetNetSimulator

# GetNet's published sandbox test cards, as the simulator answers them.
APPROVED_MASTER = "5155901222280001"
APPROVED_VISA = "4012001037141112"


class FakeClock:
    """Monotonic seconds that tests move by hand (the adapter's token cache reads it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def getnet() -> Iterator[GetNetSimulator]:
    simulator = GetNetSimulator()
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gateway(getnet: GetNetSimulator, clock: FakeClock) -> GetNetGateway:
    return gateway_for(getnet, clock)


def gateway_for(simulator: GetNetSimulator, clock: FakeClock, **options: Any) -> GetNetGateway:
    return GetNetGateway(simulator.url, simulator.client_id, simulator.client_secret, simulator.seller_id,
                         soft_descriptor="PROVEDOR*FATURA", clock=clock, **options)


def card(number: str, brand: str = "Master") -> CardToTokenize:
    return CardToTokenize(number=number, holder="MARIA DA SILVA", expiry_month=12, expiry_year=2030, brand=brand,
                          customer_name="Maria da Silva", customer_ref="cliente-1")


def order_id() -> str:
    return uuid.uuid4().hex[:20]


def charge_of(card_id: str, brand: str = "Master", *, order: str | None = None, recurring: bool = True,
              first_use: bool = True, issuer_transaction_id: str = "") -> Charge:
    return Charge(order_id=order or order_id(), amount_cents=9990, card_token=card_id, brand=brand,
                  customer_name="Maria da Silva", recurring=recurring, first_use=first_use,
                  issuer_transaction_id=issuer_transaction_id)


def recorded(simulator: GetNetSimulator) -> list[dict[str, Any]]:
    """The simulator's masked request log, read as any client would."""
    reply = requests.get(f"{simulator.url}/__sandbox/requests", timeout=5)
    reply.raise_for_status()
    return list(reply.json())


def to(simulator: GetNetSimulator, method: str, path: str) -> list[dict[str, Any]]:
    return [r for r in recorded(simulator) if r["method"] == method and r["path"] == path]


def payments_sent(simulator: GetNetSimulator) -> list[dict[str, Any]]:
    return [r["body"] for r in to(simulator, "POST", "/v1/payments/credit")]


def masked(digits: str) -> str:
    return f"{'*' * (len(digits) - 4)}{digits[-4:]}"


# --- tokens and the vault -----------------------------------------------------------------------------------------


def test_tokenize_stores_the_card_in_the_vault_and_the_number_stays_out_of_every_log(
        getnet: GetNetSimulator, gateway: GetNetGateway, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    card_id = gateway.tokenize(card(APPROVED_MASTER))
    gateway.charge(charge_of(card_id))

    vaulted = getnet.cards[card_id]
    assert (vaulted.customer_id, vaulted.cardholder_name) == ("cliente-1", "MARIA DA SILVA")
    assert (vaulted.expiration_month, vaulted.expiration_year, vaulted.card.last_four_digits) == (12, 30, "0001")
    log = requests.get(f"{getnet.url}/__sandbox/requests", timeout=5).text
    assert APPROVED_MASTER not in log and APPROVED_MASTER not in caplog.text
    [tokenization] = to(getnet, "POST", "/v1/tokens/card")
    assert tokenization["body"] == {"card_number": masked(APPROVED_MASTER), "customer_id": "cliente-1"}
    [vault] = to(getnet, "POST", "/v1/cards")
    assert "card_number" not in vault["body"] and vault["body"]["number_token"]
    assert (vault["body"]["expiration_month"], vault["body"]["expiration_year"]) == ("12", "30")
    assert vault["body"]["brand"] == "Mastercard"
    [verification] = to(getnet, "POST", "/v1/cards/verification")
    assert verification["body"]["number_token"] == vaulted.number_token  # the vault card's, reusable
    assert (verification["body"]["cardholder_name"], verification["body"]["brand"]) == ("MARIA DA SILVA",
                                                                                          "Mastercard")


def test_a_card_the_issuer_refuses_to_verify_leaves_the_vault_again(getnet: GetNetSimulator,
                                                                    gateway: GetNetGateway) -> None:
    with pytest.raises(CardRefusedByIssuer) as refused:
        gateway.tokenize(card("5155901222260003"))

    assert (refused.value.code, refused.value.message) == ("54", "CARTAO VENCIDO [ECOM - 54]")
    assert getnet.cards == {}
    assert [r["method"] for r in recorded(getnet) if r["path"].startswith("/v1/cards/")] == ["POST", "DELETE"]


@pytest.mark.parametrize("fault", ["error_5xx", "drop_after_processing"])
def test_a_verification_without_an_answer_is_a_refusal_and_leaves_the_vault_again(
        getnet: GetNetSimulator, gateway: GetNetGateway, fault: str) -> None:
    getnet.inject("POST /v1/cards/verification", fault)

    with pytest.raises(GatewayRefusal) as refused:
        gateway.tokenize(card(APPROVED_MASTER))

    assert not isinstance(refused.value, CardRefusedByIssuer) and getnet.cards == {}


def test_tokenize_without_answer_is_a_refusal_without_the_number(getnet: GetNetSimulator,
                                                                 clock: FakeClock) -> None:
    getnet.inject("POST /v1/tokens/card", "slow", seconds=1.0)

    with pytest.raises(GatewayRefusal) as refused:
        gateway_for(getnet, clock, read_timeout=0.2).tokenize(card(APPROVED_MASTER))

    assert refused.value.code == "indisponivel"
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert APPROVED_MASTER not in str(refused.value)


# --- OAuth --------------------------------------------------------------------------------------------------------


def test_access_token_is_cached_until_shortly_before_it_expires(getnet: GetNetSimulator, gateway: GetNetGateway,
                                                                 clock: FakeClock) -> None:
    card_id = gateway.tokenize(card(APPROVED_MASTER))
    gateway.charge(charge_of(card_id))
    clock.now += getnet.token_seconds - TOKEN_MARGIN_SECONDS - 1
    gateway.charge(charge_of(card_id))
    assert len(to(getnet, "POST", "/auth/oauth/v2/token")) == 1

    clock.now += 2
    gateway.charge(charge_of(card_id))

    grants = to(getnet, "POST", "/auth/oauth/v2/token")
    assert len(grants) == 2
    basic = base64.b64encode(f"{getnet.client_id}:{getnet.client_secret}".encode()).decode()
    for grant in grants:
        assert grant["headers"]["Authorization"] == f"Basic {basic}"
        assert parse_qs(grant["body"]) == {"scope": ["oob"], "grant_type": ["client_credentials"]}
    for call in recorded(getnet):
        assert call["headers"]["seller_id"] == getnet.seller_id


def test_a_token_refused_mid_life_is_renewed_and_the_payment_sent_once(getnet: GetNetSimulator,
                                                                       gateway: GetNetGateway) -> None:
    card_id = gateway.tokenize(card(APPROVED_MASTER))
    getnet.expire_access_tokens()
    order = order_id()

    result = gateway.charge(charge_of(card_id, order=order))

    assert result.outcome is Outcome.APPROVED
    assert len(to(getnet, "POST", "/auth/oauth/v2/token")) == 2
    assert [p["status"] for p in getnet.orders(order)] == ["APPROVED"]


def test_wrong_client_secret_raises_with_the_oauth_error(getnet: GetNetSimulator, clock: FakeClock) -> None:
    wrong = GetNetGateway(getnet.url, getnet.client_id, "errado", getnet.seller_id, clock=clock)

    with pytest.raises(GatewayRefusal) as refused:
        wrong.tokenize(card(APPROVED_MASTER))

    assert refused.value.code == "invalid_client"
    assert to(getnet, "POST", "/v1/tokens/card") == []


def test_oauth_without_answer_charges_nothing(getnet: GetNetSimulator, clock: FakeClock) -> None:
    card_id = gateway_for(getnet, clock).tokenize(card(APPROVED_MASTER))
    fresh = gateway_for(getnet, clock, read_timeout=0.2)  # no cached token: it must ask for one
    getnet.inject("POST /auth/oauth", "slow", seconds=1.0)

    with pytest.raises(GatewayRefusal) as refused:
        fresh.charge(charge_of(card_id))

    assert refused.value.code == "indisponivel"
    assert getnet.payments == {}


# --- payments -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("number", "brand"), [(APPROVED_MASTER, "Master"), (APPROVED_VISA, "Visa")])
def test_approved_charge(getnet: GetNetSimulator, gateway: GetNetGateway, number: str, brand: str) -> None:
    card_id = gateway.tokenize(card(number, brand))

    result = gateway.charge(charge_of(card_id, brand))

    assert result.outcome is Outcome.APPROVED
    answered = getnet.payments[result.payment_id]
    assert (result.return_code, result.return_message) == ("00", "transaction approved")
    assert result.issuer_transaction_id == answered["credit"]["transaction_id"]
    assert result.tid == answered["credit"]["acquirer_transaction_id"]
    [body] = payments_sent(getnet)
    assert body["amount"] == 9990 and type(body["amount"]) is int  # cents, never 99.9
    assert (body["currency"], body["seller_id"]) == ("BRL", getnet.seller_id)
    assert body["order"]["order_id"] == answered["order_id"]
    assert body["customer"]["customer_id"] == "cliente-1"
    credit = body["credit"]
    assert (credit["delayed"], credit["transaction_type"], credit["number_installments"]) == (False, "FULL", 1)
    assert credit["soft_descriptor"] == "PROVEDOR*FATURA"
    # The vault's reusable token, its holder and expiry; never the card_id, which v1 payments do not take.
    vaulted = getnet.cards[card_id]
    assert credit["card"] == {"number_token": vaulted.number_token, "cardholder_name": "MARIA DA SILVA",
                              "expiration_month": "12", "expiration_year": "30",
                              "brand": "Mastercard" if brand == "Master" else "Visa"}


@pytest.mark.parametrize(("number", "outcome", "code"), [
    ("5155901222270002", Outcome.RETRYABLE, "05"),
    ("5155901222250004", Outcome.RETRYABLE, "51"),
])
def test_each_decline_class(getnet: GetNetSimulator, gateway: GetNetGateway, number: str, outcome: Outcome,
                            code: str) -> None:
    order = order_id()

    result = gateway.charge(charge_of(gateway.tokenize(card(number)), order=order))

    assert (result.outcome, result.return_code) == (outcome, code)
    assert result.return_message.endswith(f"[ECOM - {code}]")
    assert result.classification.guidance and not result.classification.flags_card
    [denied] = getnet.orders(order)
    assert (denied["status"], denied["payment_id"]) == ("DENIED", result.payment_id)
    assert not result.issuer_transaction_id


def test_no_funds_tells_the_customer_we_try_again(gateway: GetNetGateway) -> None:
    result = gateway.charge(charge_of(gateway.tokenize(card("5155901222250004"))))

    assert result.classification.guidance == NO_FUNDS


# --- credentials on file ------------------------------------------------------------------------------------------


def test_recurring_series_sends_recurring_then_recurring_payment_with_the_first_transaction(
        getnet: GetNetSimulator, gateway: GetNetGateway) -> None:
    card_id = gateway.tokenize(card(APPROVED_MASTER))
    first = gateway.charge(charge_of(card_id, first_use=True))

    later = gateway.charge(charge_of(card_id, first_use=False, issuer_transaction_id=first.issuer_transaction_id))

    assert later.outcome is Outcome.APPROVED
    opening, following = (body["credit"] for body in payments_sent(getnet))
    assert opening["credentials_on_file_type"] == "RECURRING" and "transaction_id" not in opening
    assert following["credentials_on_file_type"] == "RECURRING_PAYMENT"
    # The log masks every 13-19 digit run as a possible card number, the 16-digit transaction id included.
    assert following["transaction_id"] == masked(first.issuer_transaction_id)


def test_operator_one_off_charge_is_one_click(getnet: GetNetSimulator, gateway: GetNetGateway) -> None:
    card_id = gateway.tokenize(card(APPROVED_VISA, "Visa"))

    first = gateway.charge(charge_of(card_id, "Visa", recurring=False))
    gateway.charge(charge_of(card_id, "Visa", recurring=False, first_use=False,
                             issuer_transaction_id=first.issuer_transaction_id))

    assert [body["credit"]["credentials_on_file_type"] for body in payments_sent(getnet)] == \
        ["ONE_CLICK", "ONE_CLICK_PAYMENT"]


def test_a_strict_getnet_refuses_a_later_use_that_points_at_no_first_payment(getnet: GetNetSimulator,
                                                                             gateway: GetNetGateway) -> None:
    card_id = gateway.tokenize(card(APPROVED_VISA, "Visa"))
    chainless = gateway.charge(charge_of(card_id, "Visa", first_use=False))
    opening = gateway.charge(charge_of(card_id, "Visa"))
    chained = gateway.charge(charge_of(card_id, "Visa", first_use=False,
                                       issuer_transaction_id=opening.issuer_transaction_id))

    assert (chainless.outcome, chainless.return_code) == (Outcome.DO_NOT_RETRY, "57")
    assert (opening.outcome, chained.outcome) == (Outcome.APPROVED, Outcome.APPROVED)


# --- refusals (nothing charged) -----------------------------------------------------------------------------------


def test_invalid_order_raises_with_getnet_code(getnet: GetNetSimulator, gateway: GetNetGateway) -> None:
    card_id = gateway.tokenize(card(APPROVED_MASTER))

    with pytest.raises(GatewayRefusal) as refused:
        gateway.charge(charge_of(card_id, order="x" * 37))  # GetNet takes at most 36

    assert (refused.value.code, refused.value.message) == ("GENERIC-400", "order.order_id is invalid")
    assert getnet.payments == {}


def test_card_removed_from_the_vault_raises_with_getnet_code(getnet: GetNetSimulator,
                                                             gateway: GetNetGateway) -> None:
    card_id = gateway.tokenize(card(APPROVED_MASTER))
    del getnet.cards[card_id]

    with pytest.raises(GatewayRefusal) as refused:
        gateway.charge(charge_of(card_id))

    assert (refused.value.code, refused.value.message) == ("VAULT-404", "Card not found")
    assert payments_sent(getnet) == []


# --- unknown outcomes: v1 has no query, so find never says "none" ---------------------------------------------------


def test_timeout_after_processing_is_unknown_and_find_cannot_say_otherwise(getnet: GetNetSimulator,
                                                                           clock: FakeClock) -> None:
    impatient = gateway_for(getnet, clock, read_timeout=0.2)
    card_id = impatient.tokenize(card(APPROVED_MASTER))
    getnet.inject("POST /v1/payments/credit", "slow_after_processing", seconds=1.5)
    order = order_id()

    started = time.monotonic()
    result = impatient.charge(charge_of(card_id, order=order))

    assert time.monotonic() - started < 1.0  # gave up at the read timeout, did not wait for the answer
    assert result.outcome is Outcome.UNKNOWN
    [found] = impatient.find(order) or []
    # GetNet did charge: answering None here would let the caller charge the order a second time.
    assert found.outcome is Outcome.UNKNOWN and found.return_message
    assert [p["status"] for p in getnet.orders(order)] == ["APPROVED"]


def test_5xx_is_unknown_and_find_cannot_say_otherwise(getnet: GetNetSimulator, gateway: GetNetGateway) -> None:
    card_id = gateway.tokenize(card(APPROVED_MASTER))
    getnet.inject("POST /v1/payments/credit", "error_5xx", status=503)
    order = order_id()

    result = gateway.charge(charge_of(card_id, order=order))

    assert (result.outcome, result.classification.code) == (Outcome.UNKNOWN, "503")
    [found] = gateway.find(order) or []
    assert found.outcome is Outcome.UNKNOWN
    assert getnet.payments == {}


def test_answer_dropped_after_processing_is_unknown_and_find_cannot_say_otherwise(
        getnet: GetNetSimulator, gateway: GetNetGateway) -> None:
    card_id = gateway.tokenize(card(APPROVED_VISA, "Visa"))
    getnet.inject("POST /v1/payments/credit", "drop_after_processing")
    order = order_id()

    result = gateway.charge(charge_of(card_id, "Visa", order=order))

    assert result.outcome is Outcome.UNKNOWN
    [found] = gateway.find(order) or []
    assert found.outcome is Outcome.UNKNOWN
    assert [p["status"] for p in getnet.orders(order)] == ["APPROVED"]
