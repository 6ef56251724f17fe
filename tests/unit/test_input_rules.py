"""ASCII digits, bounded dates and no secrets in the query string: the rules every input obeys."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from chalicelib.billing.cards.numbers import luhn_ok
from chalicelib.billing.charging.declines import normalize
from chalicelib.customers.model import normalize_phone
from chalicelib.errors import ValidationError
from chalicelib.input_rules import MAX_DATE, MIN_DATE, date_in_range, date_range_error, digits_of, is_digits
from chalicelib.web.inputs import CARD_NUMBER_FIELD, SECRET_QUERY_FIELDS, merge_input
from chalicelib.web.validation import Fields, as_list, parse_int, parse_money_cents

# Unicode digits str.isdigit() accepts: superscripts int() refuses, and decimal digits of other scripts
# (Arabic-Indic, Devanagari, full-width) int() reads as numbers.
NON_ASCII_DIGITS = ["²", "³", "¹", "٣", "۷", "५", "７", "𝟘"]


@pytest.mark.parametrize("text", ["0", "7", "0123456789", "9" * 40])
def test_ascii_digits_are_digits(text: str) -> None:
    assert is_digits(text)


@pytest.mark.parametrize("text", ["", " 1", "1 ", "-1", "+1", "1.0", "1_000", "a1", "1\n", *NON_ASCII_DIGITS,
                                  *(f"12{d}4" for d in NON_ASCII_DIGITS)])
def test_anything_else_is_not(text: str) -> None:
    assert not is_digits(text)


def test_digits_of_keeps_only_ascii_digits_in_order() -> None:
    assert digits_of("(11) 98765-4321") == "11987654321"
    assert digits_of("13010-000") == "13010000"
    assert digits_of("1²3٣4") == "134"
    assert digits_of("") == ""


@pytest.mark.parametrize("digit", NON_ASCII_DIGITS)
def test_every_digit_reader_refuses_unicode_digits_without_raising(digit: str) -> None:
    assert parse_int(f"1{digit}") is None
    assert parse_money_cents(f"1{digit}.00") is None
    assert as_list({digit: "a"}) is None
    assert not luhn_ok("4111111111111" + digit * 3)
    assert normalize(digit * 2) == (digit * 2).upper()
    # A phone's other characters are punctuation to it: what it keeps is ASCII, whatever it was sent.
    phone = normalize_phone(f"11 9{digit}765-4321")
    assert phone is None or is_digits(phone)
    assert normalize_phone(digit * 11) is None


def test_integers_stay_within_eighteen_digits_whatever_their_shape() -> None:
    assert parse_int("999999999999999999") == 10**18 - 1
    assert parse_int(" -12 ") == -12
    for huge in ("1" * 19, 10**18, -(10**18), 1e300, 10**40):
        assert parse_int(huge) is None


def test_the_bounds_are_whole_years_2000_to_2100() -> None:
    assert (MIN_DATE, MAX_DATE) == (date(2000, 1, 1), date(2100, 12, 31))
    assert date_in_range(MIN_DATE) and date_in_range(MAX_DATE)
    assert date_in_range(datetime(2100, 12, 31, 23, 59, 59))
    assert not date_in_range(date(1999, 12, 31)) and not date_in_range(date(2101, 1, 1))
    assert not date_in_range(date(9999, 12, 31)) and not date_in_range(date(1, 1, 1))
    assert date_range_error("data_vencimento") == "O campo data_vencimento deve estar entre 2000-01-01 e 2100-12-31."


@pytest.mark.parametrize("raw", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_days_and_moments_out_of_bounds_name_the_field(raw: str) -> None:
    fields = Fields({"data_vencimento": raw, "data_inicio": raw, "data_fim": f"{raw} 23:00:00"})
    assert fields.day("data_vencimento") is None
    assert fields.moment("data_inicio") is None
    assert fields.moment("data_fim", end_of_day=True) is None
    assert fields.errors == [date_range_error("data_vencimento"), date_range_error("data_inicio"),
                             date_range_error("data_fim")]


@pytest.mark.parametrize("raw, day", [("2000-01-01", date(2000, 1, 1)), ("2100-12-31", date(2100, 12, 31))])
def test_the_bounds_themselves_are_accepted(raw: str, day: date) -> None:
    fields = Fields({"d": raw, "m": f"{raw} 23:59"})
    assert fields.day("d") == day
    assert fields.moment("m") == datetime(day.year, day.month, day.day, 23, 59)
    assert fields.errors == []


def test_nested_dates_name_their_path() -> None:
    fields = Fields({"parametros_ordem_servico": {"data_inicio_programado": "9999-12-31"}})
    assert fields.obj("parametros_ordem_servico").day("data_inicio_programado") is None
    assert fields.errors == [date_range_error("parametros_ordem_servico.data_inicio_programado")]


@pytest.mark.parametrize("raw", ["٢٠٢٦-01-01", "2026-0١-01", "2026-01-01 ٠٩:00"])
def test_dates_with_unicode_digits_are_format_errors(raw: str) -> None:
    fields = Fields({"d": raw})
    assert fields.moment("d") is None
    assert fields.errors and "formato" in fields.errors[0]


@pytest.mark.parametrize("key", sorted(SECRET_QUERY_FIELDS | {CARD_NUMBER_FIELD}))
def test_a_secret_in_the_query_string_is_refused_by_name_never_by_value(key: str) -> None:
    value = "valor-que-nao-pode-aparecer-4111111111111111"
    with pytest.raises(ValidationError) as caught:
        merge_input([("busca", "x"), (key, value)], b'{"password": "no corpo pode"}', "application/json")
    text = caught.value.message + " ".join(caught.value.errors)
    assert key in text and "query string" in text
    assert value not in text and value not in repr(caught.value)


@pytest.mark.parametrize("key", ["PASSWORD", "password[0]", "cvv[]", " secret", "credenciais[merchant_key]",
                                 "credenciais[client_secret]", "cartao[0][CVV]", "numero[x]"])
def test_a_secret_is_refused_whatever_its_case_or_php_shape(key: str) -> None:
    with pytest.raises(ValidationError):
        merge_input([(key, "x")], None, None)


@pytest.mark.parametrize("query, body", [
    ([("endereco_instalacao[numero]", "10"), ("servicos[0][endereco_instalacao][numero]", "5")], None),
    ([("id_cliente", "1")], b'{"password": "segredo", "numero": "4111111111111111", "cvv": "123"}'),
    ([], b"grant_type=password&client_secret=s&password=p&refresh_token=r"),
])
def test_secrets_in_the_body_and_address_numbers_anywhere_are_fine(query: list[tuple[str, str]],
                                                                   body: bytes | None) -> None:
    kind = "application/json" if body and body.startswith(b"{") else "application/x-www-form-urlencoded"
    merged: dict[str, Any] = merge_input(query, body, kind)
    assert merged
