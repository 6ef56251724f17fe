import pytest

from chalicelib.customers.documents import document_kind, format_document, normalize_document


@pytest.mark.parametrize("value", ["529.982.247-25", "52998224725", "111.444.777-35", " 123.456.789-09 "])
def test_accepts_cpf_with_right_check_digits(value: str) -> None:
    assert document_kind(value) == "cpf"


@pytest.mark.parametrize("value", ["11.222.333/0001-81", "11444777000161"])
def test_accepts_numeric_cnpj(value: str) -> None:
    assert document_kind(value) == "cnpj"


def test_accepts_alphanumeric_cnpj_from_receita_example() -> None:
    # The Receita Federal's own example of the CNPJ issued from July 2026.
    assert document_kind("12.ABC.345/01DE-35") == "cnpj"
    assert document_kind("12.abc.345/01de-35") == "cnpj"


@pytest.mark.parametrize("value", [
    "529.982.247-24",  # last check digit off by one
    "52998224735",  # first check digit wrong
    "111.111.111-11",  # repeated digits pass the arithmetic but are invalid
    "00000000000000",
    "11.222.333/0001-82",
    "12.ABC.345/01DE-36",
    "1234567890",
    "abc",
    "",
])
def test_refuses_invalid_documents(value: str) -> None:
    assert document_kind(value) is None


def test_formats_for_display() -> None:
    assert format_document(normalize_document("52998224725")) == "529.982.247-25"
    assert format_document(normalize_document("11222333000181")) == "11.222.333/0001-81"
