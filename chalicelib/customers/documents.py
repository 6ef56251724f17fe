"""CPF and CNPJ: normalisation, check digits, display format.

CNPJ accepts the alphanumeric form the Receita Federal issues from July 2026
(letters in the first twelve positions, each worth its ASCII code minus 48;
the two check digits stay numeric), as well as the classic numeric one.
"""
from __future__ import annotations

import re

_CNPJ_WEIGHTS_1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_WEIGHTS_2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def normalize_document(value: str) -> str:
    """Drop punctuation and spaces; upper-case letters (alphanumeric CNPJ)."""
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


def is_valid_cpf(value: str) -> bool:
    digits = normalize_document(value)
    if not re.fullmatch(r"[0-9]{11}", digits) or digits == digits[0] * 11:
        return False
    numbers = [int(d) for d in digits]
    for size in (9, 10):
        total = sum(n * w for n, w in zip(numbers[:size], range(size + 1, 1, -1), strict=False))
        check = (total * 10) % 11 % 10
        if check != numbers[size]:
            return False
    return True


def is_valid_cnpj(value: str) -> bool:
    chars = normalize_document(value)
    if not re.fullmatch(r"[0-9A-Z]{12}[0-9]{2}", chars) or chars == chars[0] * 14:
        return False
    values = [ord(c) - 48 for c in chars]
    for weights, position in ((_CNPJ_WEIGHTS_1, 12), (_CNPJ_WEIGHTS_2, 13)):
        remainder = sum(v * w for v, w in zip(values, weights, strict=False)) % 11
        check = 0 if remainder < 2 else 11 - remainder
        if check != values[position]:
            return False
    return True


def document_kind(value: str) -> str | None:
    """``"cpf"``, ``"cnpj"`` or None when the value is neither (check digits included)."""
    normalized = normalize_document(value)
    if len(normalized) == 11 and is_valid_cpf(normalized):
        return "cpf"
    if len(normalized) == 14 and is_valid_cnpj(normalized):
        return "cnpj"
    return None


def format_document(normalized: str) -> str:
    """``12345678909`` → ``123.456.789-09``; CNPJ → ``12.345.678/0001-95``."""
    if len(normalized) == 11:
        return f"{normalized[:3]}.{normalized[3:6]}.{normalized[6:9]}-{normalized[9:]}"
    if len(normalized) == 14:
        return f"{normalized[:2]}.{normalized[2:5]}.{normalized[5:8]}/{normalized[8:12]}-{normalized[12:]}"
    return normalized
