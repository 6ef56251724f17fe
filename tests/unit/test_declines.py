import pytest

from chalicelib.billing.charging.declines import EXPIRED, NO_FUNDS, UNLOCK, Outcome
from chalicelib.billing.gateways.cielo import classify_cielo
from chalicelib.billing.gateways.getnet import classify_getnet


@pytest.mark.parametrize("status, code, outcome", [
    (2, "6", Outcome.APPROVED),
    (3, "05", Outcome.RETRYABLE),
    (3, "57", Outcome.CUSTOMER_ACTION),
    (3, "78", Outcome.CUSTOMER_ACTION),
    (0, "99", Outcome.UNKNOWN),
    (3, "77", Outcome.DO_NOT_RETRY),
    (3, "70", Outcome.RETRYABLE),
])
def test_every_sandbox_ending(status: int, code: str, outcome: Outcome) -> None:
    assert classify_cielo(status, code, "Visa", sandbox=True).outcome is outcome


def test_sandbox_guidance_tells_the_customer_what_to_do() -> None:
    assert classify_cielo(3, "78", "Visa", sandbox=True).guidance == UNLOCK
    assert classify_cielo(3, "57", "Master", sandbox=True).guidance == EXPIRED


@pytest.mark.parametrize("status", [None, 0, 1, 12])
def test_not_money_yet_is_unknown(status: int | None) -> None:
    assert classify_cielo(status, "", "Visa", sandbox=False).outcome is Outcome.UNKNOWN


@pytest.mark.parametrize("code, brand, outcome", [
    ("51", "Visa", Outcome.RETRYABLE),  # insufficient funds: try again tomorrow
    ("78", "Elo", Outcome.CUSTOMER_ACTION),  # blocked in the bank's app: reversible but needs the holder
    ("54", "Master", Outcome.CUSTOMER_ACTION),  # expired
    ("41", "Visa", Outcome.DO_NOT_RETRY),  # lost card
    ("43", "Master", Outcome.DO_NOT_RETRY),  # stolen card
    ("57", "Visa", Outcome.DO_NOT_RETRY),  # Visa category 1
    ("57", "Master", Outcome.RETRYABLE),  # reversible for Mastercard
    ("R1", "Visa", Outcome.DO_NOT_RETRY),  # stop all recurring payments
    ("SC", "Elo", Outcome.DO_NOT_RETRY),  # Cielo: recurring service cancelled
    ("BP 900", "Visa", Outcome.UNKNOWN),  # query before re-authorizing
    ("96", "Visa", Outcome.RETRYABLE),  # system failure
])
def test_production_codes(code: str, brand: str, outcome: Outcome) -> None:
    result = classify_cielo(3, code, brand, sandbox=False)
    assert result.outcome is outcome
    assert result.flags_card is (outcome is Outcome.DO_NOT_RETRY)


def test_mastercard_advice_and_renova_facil_stop_retries() -> None:
    assert classify_cielo(3, "51", "Master", sandbox=False, merchant_advice_code="03").outcome is Outcome.DO_NOT_RETRY
    assert classify_cielo(3, "51", "Master", sandbox=False).guidance == NO_FUNDS
    assert classify_cielo(3, "57", "Visa", sandbox=False, has_new_card=True).outcome is Outcome.DO_NOT_RETRY


@pytest.mark.parametrize("http, status, detail, outcome", [
    (200, "APPROVED", "", Outcome.APPROVED),
    (402, "NOT APPROVED", "CARTAO VENCIDO [ECOM - 54]", Outcome.CUSTOMER_ACTION),
    (402, "NOT APPROVED", "SALDO INSUFICIENTE [ECOM - 51]", Outcome.RETRYABLE),
    (402, "NOT APPROVED", "CARTAO EXCEDEU O LIMITE PARA PARCELAMENTO [ECOM - 23]", Outcome.RETRYABLE),
    (402, "DENIED", "sem código", Outcome.RETRYABLE),
    (503, "", "", Outcome.UNKNOWN),
    (400, "", "", Outcome.UNKNOWN),
])
def test_getnet(http: int, status: str, detail: str, outcome: Outcome) -> None:
    assert classify_getnet(http, status, detail, brand="Master").outcome is outcome


def test_getnet_uses_the_brand_table_for_the_ecom_code() -> None:
    assert classify_getnet(402, "NOT APPROVED", "[ECOM - 41]", brand="Visa").outcome is Outcome.DO_NOT_RETRY
