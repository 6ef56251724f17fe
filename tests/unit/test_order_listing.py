"""Searching OS (service_orders.listing): periods, month partitions, filters,
order, and which index a search reads."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.agenda.model import Interval
from chalicelib.customers.model import Address
from chalicelib.errors import ValidationError
from chalicelib.periods import Period, years
from chalicelib.service_orders.listing import (
    CREATED,
    EXECUTED_END,
    PROGRAMMED_END,
    PROGRAMMED_START,
    OrderFilter,
    OrderListing,
    order_date,
)
from chalicelib.service_orders.model import (
    AWAITING,
    CANCELLED,
    CONCLUDED,
    FINISHED,
    PENDING,
    Closing,
    OrderCustomer,
    ServiceOrder,
)

ZONE = ZoneInfo("America/Sao_Paulo")
CUSTOMER = OrderCustomer(7, "Maria da Silva Souza", "52998224725", "Fibra",
                         Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000"))


def at(day: int, hour: int = 9, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour)


def order(number: int, start: datetime | None = None, hours: int = 1, **changes: object) -> ServiceOrder:
    values: dict[str, object] = dict(
        id=number, number=number, customer_service_id=1, customer_id=1, status=PENDING if start else AWAITING,
        created_at=datetime(2026, 12, 1, 12, tzinfo=UTC), agenda_id=1 if start else None,
        interval=Interval(start, start + timedelta(hours=hours)) if start else None, technician_ids=(1,),
        customer=CUSTOMER)
    values.update(changes)
    return ServiceOrder(**values)  # type: ignore[arg-type]


class Index:
    """The store's indexes, over a list, recording which ones a search read."""

    def __init__(self, orders: list[ServiceOrder]) -> None:
        self.orders = orders
        self.reads: list[str] = []

    def by_date(self, kind: str, first: datetime, last: datetime) -> Iterator[ServiceOrder]:
        self.reads.append(f"date:{kind}")
        dated = [(order_date(o, kind, ZONE), o) for o in self.orders]
        yield from (o for d, o in sorted(((d, o) for d, o in dated if d is not None), key=lambda p: p[0])
                    if first <= d <= last)

    def by_agenda(self, agenda_id: int, first: datetime, last: datetime) -> Iterator[ServiceOrder]:
        self.reads.append(f"agenda:{agenda_id}")
        yield from (o for o in self.orders if o.agenda_id == agenda_id and o.interval
                    and first <= o.interval.start <= last)

    def by_customer(self, customer_id: int) -> Iterator[ServiceOrder]:
        self.reads.append(f"customer:{customer_id}")
        yield from (o for o in self.orders if o.customer_id == customer_id)


def test_years_of_a_period() -> None:
    assert years(at(20, month=11), datetime(2027, 1, 3)) == ["2026", "2027"]
    assert years(at(1), at(31, 23)) == ["2026"]


def test_period_defaults_and_limits() -> None:
    today = date(2026, 12, 10)
    default = Period.of(None, None, today)
    assert (default.first, default.last) == (datetime(2026, 11, 9), datetime(2027, 1, 10))
    assert Period.of(at(1), None, today).last == at(1) + timedelta(days=31)
    assert Period.of(None, at(31), today).first == at(31) - timedelta(days=31)
    assert at(1) in Period.of(at(1), at(1), today) and None not in Period.of(at(1), at(1), today)
    with pytest.raises(ValidationError) as backwards:
        Period.of(at(2), at(1), today)
    assert backwards.value.errors == ["O campo data_fim deve ser igual ou posterior a data_inicio."]
    with pytest.raises(ValidationError) as too_long:
        Period.of(at(1), at(1) + timedelta(days=3661), today)
    assert too_long.value.errors == ["O período entre data_inicio e data_fim deve ser de no máximo 10 anos."]


def test_order_dates_are_local() -> None:
    closed = order(1, at(14), closing=Closing(executed=Interval(at(14, 9), at(14, 11)), status=CONCLUDED))
    assert order_date(closed, CREATED, ZONE) == datetime(2026, 12, 1, 9)  # 12:00 UTC is 09:00 in São Paulo
    assert order_date(closed, PROGRAMMED_END, ZONE) == at(14, 10)
    assert order_date(closed, EXECUTED_END, ZONE) == at(14, 11)
    assert order_date(order(2), PROGRAMMED_START, ZONE) is None


def test_filters_keep_what_they_name() -> None:
    sample = order(1, at(14), technician_ids=(1, 2), type_id=3, availability=("manha",))
    assert OrderFilter(technician_ids=frozenset({2, 9})).matches(sample, ZONE)
    assert not OrderFilter(technician_ids=frozenset({9})).matches(sample, ZONE)
    assert not OrderFilter(technician_view=9).matches(sample, ZONE)
    assert OrderFilter(type_ids=frozenset({3}), availability=frozenset({"manha", "noite"})).matches(sample, ZONE)
    assert not OrderFilter(availability=frozenset({"noite"})).matches(sample, ZONE)
    assert OrderFilter(name_words=("mar", "sou")).matches(sample, ZONE)
    assert not OrderFilter(name_words=("joao",)).matches(sample, ZONE)
    assert not OrderFilter(statuses=frozenset({FINISHED})).matches(sample, ZONE)
    assert not OrderFilter(include_cancelled=False).matches(order(2, at(14), status=CANCELLED), ZONE)
    assert not OrderFilter(period=Period(at(15), at(16))).matches(sample, ZONE)


def test_an_agenda_search_on_programmed_start_reads_only_that_agendas_index() -> None:
    orders = [order(1, at(14, 10)), order(2, at(14, 8), agenda_id=2), order(3, at(14, 8)), order(4)]
    index = Index(orders)
    listing = OrderListing(index, ZONE)
    found = listing.find(OrderFilter(period=Period(at(14, 0), at(14, 23)), agenda_ids=frozenset({1})))
    assert [o.number for o in found] == [3, 1] and index.reads == ["agenda:1"]


def test_other_searches_read_their_date_index_and_sort_by_date_then_number() -> None:
    orders = [order(1, at(15)), order(2, at(14)), order(3, at(14)), order(4)]
    index = Index(orders)
    listing = OrderListing(index, ZONE)
    period = Period(at(1, 0), at(31, 23))
    assert [o.number for o in listing.find(OrderFilter(period=period))] == [2, 3, 1]
    assert [o.number for o in listing.find(OrderFilter(period=period), descending=True)] == [1, 3, 2]
    created = listing.find(OrderFilter(period=period, date_kind=CREATED), order_by=PROGRAMMED_START)
    assert [o.number for o in created] == [2, 3, 1, 4]  # undated last
    assert index.reads == [f"date:{PROGRAMMED_START}", f"date:{PROGRAMMED_START}", f"date:{CREATED}"]


def test_a_customer_search_reads_the_customers_index() -> None:
    index = Index([order(1, at(14)), order(2, customer_id=2)])
    found = OrderListing(index, ZONE).find(OrderFilter(customer_id=2), order_by=CREATED)
    assert [o.number for o in found] == [2] and index.reads == ["customer:2"]
