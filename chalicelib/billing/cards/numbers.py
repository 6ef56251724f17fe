"""Card numbers before they go to the gateway: Luhn, brand, expiry, masking.

A number and its CVV live only in the request being handled: these
functions check them so that a bad card is refused before any gateway call,
and nothing here stores or logs them.
"""
from __future__ import annotations

import re
from datetime import date

from chalicelib.input_rules import is_digits

# (brand as the gateways name it, prefix pattern, allowed lengths). Order
# matters: Elo and Hipercard ranges overlap Visa/Master/Discover prefixes.
_BRANDS: tuple[tuple[str, re.Pattern[str], tuple[int, ...]], ...] = (
    ("Elo", re.compile(
        r"^(401178|401179|431274|438935|451416|457393|457631|457632|504175|506699|5067[0-7]\d|509\d{3}"
        r"|627780|636297|636368|65003[1-3]|6500(3[5-9]|4\d|5[01])|6504(0[5-9]|[1-3]\d)"
        r"|6504(8[5-9]|9\d)|6505([0-2]\d|3[0-8])|6507(0\d|1[0-8])|65072[0-7]|6509(0[1-9]|1\d|20)"
        r"|6516(5[2-9]|[67]\d)|6550([01]\d|2[01])|6550(2[5-9]|[3-4]\d|5[01]))"), (16,)),
    ("Hipercard", re.compile(r"^(606282|3841(0|4|6)0)"), (13, 16, 19)),
    ("Amex", re.compile(r"^3[47]"), (15,)),
    ("Diners", re.compile(r"^3(0[0-5]|[68])"), (14, 16)),
    ("JCB", re.compile(r"^35(2[89]|[3-8]\d)"), (16,)),
    ("Aura", re.compile(r"^50"), (16, 19)),
    ("Discover", re.compile(r"^(6011|65|64[4-9])"), (16, 19)),
    ("Master", re.compile(r"^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))"), (16,)),
    ("Visa", re.compile(r"^4"), (13, 16, 19)),
)


def digits_only(number: str) -> str:
    return re.sub(r"[\s.-]", "", number)


def luhn_ok(number: str) -> bool:
    if not is_digits(number) or not 12 <= len(number) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def brand_of(number: str) -> str | None:
    """The brand of a (digits-only) number, or None when no known brand matches."""
    for brand, prefix, lengths in _BRANDS:
        if prefix.match(number) and len(number) in lengths:
            return brand
    return None


def expired(month: int, year: int, today: date) -> bool:
    """A card is valid through the last day of its expiry month."""
    return (year, month) < (today.year, today.month)


def last_digits(number: str) -> str:
    return number[-4:]


def masked(brand: str, last_four: str) -> str:
    """For people: ``Visa •••• 1234``."""
    return f"{brand} •••• {last_four}"


# A run of 12 or more digits (the shortest card number we take), each digit maybe apart from the next by up to
# three spaces, dots or dashes, as numbers are printed in groups ("4024 0071", "4024 - 0071"). ``\d`` on
# purpose: Unicode digits are masked too.
_DIGIT_RUN = re.compile(r"\d(?:[\s.\-\u2010-\u2015]{0,3}\d){11,}")
DIGITS_MASK = "****"


def without_card_numbers(text: str) -> str:
    """``text`` with every run that could be a card number masked: what a gateway says may echo the number it was
    sent, and its words are stored on attempts and cards, shown on panels, sent to customers and logged. Order ids,
    NSUs and authorization codes are shorter and stay readable."""
    return _DIGIT_RUN.sub(DIGITS_MASK, text)
