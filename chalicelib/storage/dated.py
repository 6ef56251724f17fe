"""Index keys that sort by a local moment (``<YYYY-MM-DDTHH:MM:SS>#<id>``) in
yearly partitions, and the queries that read a period from them."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from chalicelib.periods import years

MOMENT = "%Y-%m-%dT%H:%M:%S"  # fixed width, so keys sort as moments


def moment_key(moment: datetime, suffix: str) -> str:
    return f"{moment.strftime(MOMENT)}#{suffix}"


def within(key: Any, first: datetime, last: datetime) -> Any:
    """The range condition on ``key`` for moments in [first, last] (every id suffix of ``last`` included)."""
    return key.between(first.strftime(MOMENT), f"{last.strftime(MOMENT)}~")


def query_years(index: Any, key: Any, first: datetime, last: datetime, prefix: str = "") -> Iterator[Any]:
    """Items of ``index`` (partitioned by ``<prefix>YYYY``) whose ``key`` lies in [first, last]: one query per
    year."""
    for year in years(first, last):
        yield from index.query(f"{prefix}{year}", within(key, first, last))
