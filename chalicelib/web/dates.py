"""Reading a period of whole days (``data_inicio``, ``data_fim``: AAAA-MM-DD) for lists of past records."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from chalicelib.errors import ValidationError
from chalicelib.periods import Period
from chalicelib.web.paging import PageRequest, read_page
from chalicelib.web.schema import Day
from chalicelib.web.validation import Fields

RECENT_DAYS = 31
FIRST_DAY = Day("data_inicio", f"Primeiro dia (ausente: {RECENT_DAYS} dias antes de hoje).")
LAST_DAY = Day("data_fim", "Último dia (ausente: hoje).")
# The query inputs of a list of recent records, declared by its route.
RECENT_DAYS_INPUTS = (FIRST_DAY, LAST_DAY)


def read_recent_days(fields: Fields, today: date) -> Period | None:
    """The days asked for, from the first's 00:00 to the last's 23:59:59 (local); without dates the last
    ``RECENT_DAYS`` days. None (with the errors recorded in ``fields``) when they are invalid."""
    first = FIRST_DAY.read(fields)
    last = LAST_DAY.read(fields)
    if fields.errors:
        return None
    start = datetime.combine(first or today - timedelta(days=RECENT_DAYS), time())
    end = datetime.combine(last or today, time(23, 59, 59))
    return checked_period(fields, start, end, today)


def checked_period(fields: Fields, first: datetime | None, last: datetime | None, today: date) -> Period | None:
    """The period from ``first`` to ``last`` as read from ``fields``; None (with the errors recorded in
    ``fields``) when a read failed or the period breaks the rules of ``Period.of``."""
    if fields.errors:
        return None
    try:
        return Period.of(first, last, today)
    except ValidationError as refused:
        fields.add_rule_errors(refused.errors)
        return None


def checked_recent_page(fields: Fields, today: date) -> tuple[PageRequest, Period]:
    """The last reads of a paged list of recent records (``RECENT_DAYS_INPUTS`` and ``paging.PAGING``): the
    page and the days asked for, once every field the view read is checked (``ValidationError`` if not)."""
    page = read_page(fields)
    period = read_recent_days(fields, today)
    fields.check()
    assert period is not None
    return page, period
