"""Search periods in the provider's local time, and the yearly partitions of
the indexes that hold dated items (OS dates, card attempts)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib.errors import ValidationError

# Integrators ask for years at once (one client's default is "since 2023"); each year is one query.
MAX_PERIOD = timedelta(days=3660)
DEFAULT_HALF_PERIOD = timedelta(days=31)  # a search without dates: a month either side of today



def years(first: datetime, last: datetime) -> list[str]:
    """The ``YYYY`` partitions a period touches, in order."""
    return [f"{year:04d}" for year in range(first.year, last.year + 1)]


@dataclass(frozen=True)
class Period:
    first: datetime  # local, inclusive
    last: datetime  # local, inclusive

    @classmethod
    def of(cls, first: datetime | None, last: datetime | None, today: date) -> Period:
        """The period a search asked for; a missing end is a month from the other one."""
        if first is None and last is None:
            middle = datetime.combine(today, datetime.min.time())
            first, last = middle - DEFAULT_HALF_PERIOD, middle + DEFAULT_HALF_PERIOD
        elif first is None:
            assert last is not None
            first = last - DEFAULT_HALF_PERIOD
        elif last is None:
            last = first + DEFAULT_HALF_PERIOD
        if last < first:
            raise ValidationError(["O campo data_fim deve ser igual ou posterior a data_inicio."])
        if last - first > MAX_PERIOD:
            raise ValidationError(["O período entre data_inicio e data_fim deve ser de no máximo 10 anos."])
        return cls(first, last)

    def __contains__(self, moment: datetime | None) -> bool:
        return moment is not None and self.first <= moment <= self.last
