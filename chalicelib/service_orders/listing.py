"""Finding service orders: the filters of ``ordem_servico/todos``,
``consultar``, ``cliente/ordem_servico`` and the calendar, and the index each
search reads (never a whole table).

Every date an OS can be searched by (``tipo_data``) has an index ordered by
that date, partitioned by year; a search reads the years its period touches,
from its first to its last moment, and filters the rest in memory.
The agenda filter on programmed start reads the agenda's own index instead,
and a customer's OS come from the customer's index.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import chain
from typing import Protocol

from chalicelib.customers.model import matches_name
from chalicelib.periods import Period
from chalicelib.service_orders.model import CANCELLED, ServiceOrder

CREATED = "data_cadastro"
PROGRAMMED_START = "data_inicio_programado"
PROGRAMMED_END = "data_termino_programado"
EXECUTED_START = "data_inicio_executado"
EXECUTED_END = "data_termino_executado"
DATE_KINDS = (CREATED, PROGRAMMED_START, PROGRAMMED_END, EXECUTED_START, EXECUTED_END)

def order_date(order: ServiceOrder, kind: str, zone: tzinfo) -> datetime | None:
    """The OS's date of ``kind`` in the provider's local time (naive), None when it has none."""
    if kind == CREATED:
        return order.created_at.astimezone(zone).replace(tzinfo=None)
    if kind in (PROGRAMMED_START, PROGRAMMED_END):
        if order.interval is None:
            return None
        return order.interval.start if kind == PROGRAMMED_START else order.interval.end
    if kind in (EXECUTED_START, EXECUTED_END):
        if order.closing is None:
            return None
        executed = order.closing.executed
        return executed.start if kind == EXECUTED_START else executed.end
    raise ValueError(kind)


@dataclass(frozen=True)
class OrderFilter:
    """What a search keeps; empty sets keep everything."""

    period: Period | None = None
    date_kind: str = PROGRAMMED_START
    statuses: frozenset[str] = frozenset()
    technician_ids: frozenset[int] = frozenset()
    type_ids: frozenset[int] = frozenset()
    agenda_ids: frozenset[int] = frozenset()
    service_id: int | None = None
    customer_id: int | None = None
    availability: frozenset[str] = frozenset()
    name_words: tuple[str, ...] = ()  # folded word starts the customer's name must have (customers.name_tokens)
    technician_view: int | None = None  # a technician's user sees only the OS they are on
    include_cancelled: bool = True

    def matches(self, order: ServiceOrder, zone: tzinfo) -> bool:
        if self.period is not None and order_date(order, self.date_kind, zone) not in self.period:
            return False
        return self._has_attributes(order) and self._has_people(order)

    def _has_attributes(self, order: ServiceOrder) -> bool:
        return ((not self.statuses or order.status in self.statuses)
                and (self.include_cancelled or order.status != CANCELLED)
                and (not self.type_ids or order.type_id in self.type_ids)
                and (not self.agenda_ids or order.agenda_id in self.agenda_ids)
                and (self.service_id is None or order.customer_service_id == self.service_id)
                and (not self.availability or bool(self.availability.intersection(order.availability))))

    def _has_people(self, order: ServiceOrder) -> bool:
        if self.technician_ids and not self.technician_ids.intersection(order.technician_ids):
            return False
        if self.technician_view is not None and self.technician_view not in order.technician_ids:
            return False
        if self.customer_id is not None and order.customer_id != self.customer_id:
            return False
        return not self.name_words or (order.customer is not None
                                       and matches_name(order.customer.name, list(self.name_words)))


class OrderIndex(Protocol):
    """The store's indexes of OS, each yielding OS in its own order."""

    def by_date(self, kind: str, first: datetime, last: datetime) -> Iterator[ServiceOrder]: ...
    def by_agenda(self, agenda_id: int, first: datetime, last: datetime) -> Iterator[ServiceOrder]: ...
    def by_customer(self, customer_id: int) -> Iterator[ServiceOrder]: ...


class OrderListing:
    def __init__(self, index: OrderIndex, zone: tzinfo) -> None:
        self._index = index
        self._zone = zone

    def find(self, wanted: OrderFilter, order_by: str | None = None, descending: bool = False) -> list[ServiceOrder]:
        """Every OS ``wanted`` keeps, sorted by ``order_by`` (default: the filter's date kind), then number."""
        kind = order_by or wanted.date_kind
        found = [o for o in self._candidates(wanted) if wanted.matches(o, self._zone)]
        with_date = [o for o in found if order_date(o, kind, self._zone) is not None]
        without = [o for o in found if order_date(o, kind, self._zone) is None]
        with_date.sort(key=lambda o: (order_date(o, kind, self._zone), o.number), reverse=descending)
        without.sort(key=lambda o: o.number, reverse=descending)
        return with_date + without  # undated last, as SQL's NULLS LAST

    def _candidates(self, wanted: OrderFilter) -> Iterable[ServiceOrder]:
        if wanted.customer_id is not None:
            return self._index.by_customer(wanted.customer_id)
        if wanted.period is None:
            raise ValueError("a search without customer needs a period")  # the API always sets one
        first, last = wanted.period.first, wanted.period.last
        if wanted.agenda_ids and wanted.date_kind == PROGRAMMED_START:
            return chain.from_iterable(self._index.by_agenda(a, first, last) for a in sorted(wanted.agenda_ids))
        return self._index.by_date(wanted.date_kind, first, last)
