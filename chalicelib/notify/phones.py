"""WhatsApp numbers: a Brazilian mobile as ZapMe takes it, ``55DDNNNNNNNNN``.

Parsing and the mobile check come from ``phonenumbers`` (Google's
libphonenumber metadata, kept current upstream: area codes, the ninth digit,
ranges that are mobile), not from rules of ours."""
from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def whatsapp_number(raw: str) -> str | None:
    """``55DDNNNNNNNNN`` for a valid Brazilian mobile number; None for anything else (a landline, a number
    of another country, a malformed one)."""
    try:
        number = phonenumbers.parse(raw, "BR")
    except NumberParseException:
        return None
    if number.country_code != 55 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")
