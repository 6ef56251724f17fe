"""Rules every value a client sends obeys, whichever route (or gateway answer) it comes from.

Digits are ASCII ``0``-``9``. ``str.isdigit`` and the regex ``\\d`` also take other Unicode digits: ``int()``
refuses superscripts such as "²" (an unexpected error) and reads Arabic-Indic "٣" as 3, a number no client
meant and no HubSoft integration sends.

Dates lie between ``MIN_DATE`` and ``MAX_DATE``: wide enough for any real due date, schedule or search, narrow
enough that adding days, durations or a search's margins to one never leaves ``datetime``'s range (year 9999).
"""
from __future__ import annotations

import re
from datetime import date, datetime

MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)

_DIGITS = re.compile(r"[0-9]+")
_NOT_DIGIT = re.compile(r"[^0-9]")


def is_digits(text: str) -> bool:
    """True for one or more ASCII digits and nothing else (no sign, no spaces, no "²")."""
    return _DIGITS.fullmatch(text) is not None


def digits_of(text: str) -> str:
    """The ASCII digits of ``text``, in order: punctuation, spaces and any other character dropped."""
    return _NOT_DIGIT.sub("", text)


def date_in_range(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return MIN_DATE <= day <= MAX_DATE


def date_range_error(field: str) -> str:
    return f"O campo {field} deve estar entre {MIN_DATE.isoformat()} e {MAX_DATE.isoformat()}."
