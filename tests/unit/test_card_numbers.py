from datetime import date

import pytest

from chalicelib.billing.cards.numbers import brand_of, digits_only, expired, luhn_ok, masked


@pytest.mark.parametrize("number, brand", [
    ("4024007153763191", "Visa"),  # Cielo's approved sandbox example
    ("4012001037141112", "Visa"),
    ("5155901222280001", "Master"),  # GetNet test cards
    ("2223000148400010", "Master"),
    ("378282246310005", "Amex"),
    ("6362970000457013", "Elo"),
    ("5067224275805500", "Elo"),
    ("6062825624254001", "Hipercard"),
    ("36490102462661", "Diners"),
    ("6011000990139424", "Discover"),
    ("3566002020360505", "JCB"),
])
def test_brands(number: str, brand: str) -> None:
    assert brand_of(number) == brand


@pytest.mark.parametrize("number, ok", [
    ("4111111111111111", True), ("4111111111111112", False), ("4111 1111 1111 1111", False),
    ("4024007153763191", False),  # Cielo's sandbox example: sales don't check Luhn, tokenization does
    ("1234", False), ("", False), ("abcd" * 4, False),
])
def test_luhn(number: str, ok: bool) -> None:
    assert luhn_ok(number) is ok


def test_spaces_and_dashes_are_dropped_before_checks() -> None:
    assert luhn_ok(digits_only("4111 1111-1111.1111"))


def test_expiry_counts_the_whole_month() -> None:
    today = date(2026, 11, 28)
    assert not expired(11, 2026, today)
    assert expired(10, 2026, today)
    assert not expired(1, 2027, today)


def test_masked() -> None:
    assert masked("Visa", "1234") == "Visa •••• 1234"
