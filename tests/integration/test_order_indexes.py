"""The service_orders indexes a search reads (storage.orders) follow every OS
change written through ServiceOrderService, across month partitions."""
from __future__ import annotations

from datetime import date, datetime, time

from chalicelib.agenda.model import Interval
from chalicelib.container import Container
from chalicelib.service_orders.listing import (
    CREATED,
    EXECUTED_START,
    PROGRAMMED_END,
    PROGRAMMED_START,
)
from chalicelib.service_orders.model import CONCLUDED, Closing
from chalicelib.service_orders.service import NewServiceOrder, NewTicket
from chalicelib.storage.orders import DynamoOrderStore
from tests.conftest import MutableClock
from tests.integration.test_booking import setup

LAST_DAY = date(2026, 12, 31)
NEXT_YEAR = date(2027, 1, 4)


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour))


def numbers(found: object) -> list[int]:
    return [o.number for o in found]  # type: ignore[attr-defined]


def test_date_indexes_across_months_and_changes(stack: Container, clock: MutableClock) -> None:
    service_id, agenda_id = setup(stack)
    orders = stack.service_orders
    store = DynamoOrderStore(stack.settings.zone)
    first = orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(LAST_DAY, 9), at(LAST_DAY, 10))))
    clock.advance(days=30)
    second = orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(NEXT_YEAR, 8), at(NEXT_YEAR, 9))))
    unscheduled = orders.open(NewServiceOrder(service_id))
    year_end = (at(LAST_DAY, 0), at(NEXT_YEAR, 23))

    assert numbers(store.by_date(PROGRAMMED_START, *year_end)) == [first.number, second.number]
    assert numbers(store.by_date(PROGRAMMED_END, at(NEXT_YEAR, 0), at(NEXT_YEAR, 23))) == [second.number]
    assert numbers(store.by_agenda(agenda_id, *year_end)) == [first.number, second.number]
    # registration days are the provider's: 10/12 13:00 UTC and 09/01 13:00 UTC
    assert numbers(store.by_date(CREATED, datetime(2026, 12, 10), datetime(2027, 1, 9, 23, 59))) == [
        first.number, second.number, unscheduled.number]
    assert numbers(store.by_date(CREATED, datetime(2027, 1, 9), datetime(2027, 1, 9, 23, 59))) == [
        second.number, unscheduled.number]
    assert sorted(numbers(store.by_customer(first.customer_id))) == [first.number, second.number,
                                                                      unscheduled.number]

    orders.reschedule(first.id, Interval(at(NEXT_YEAR, 10), at(NEXT_YEAR, 11)))
    assert numbers(store.by_date(PROGRAMMED_START, at(LAST_DAY, 0), at(LAST_DAY, 23))) == []
    assert numbers(store.by_date(PROGRAMMED_START, *year_end)) == [second.number, first.number]

    orders.finish(second.id, Closing(executed=Interval(at(NEXT_YEAR, 8), at(NEXT_YEAR, 9)), status=CONCLUDED))
    assert numbers(store.by_date(EXECUTED_START, *year_end)) == [second.number]
    # a finished OS stays on its agenda's index (lists and calendars show it); it no longer holds places
    assert numbers(store.by_agenda(agenda_id, *year_end)) == [second.number, first.number]

    orders.unschedule(first.id)
    assert numbers(store.by_agenda(agenda_id, *year_end)) == [second.number]
    assert numbers(store.by_date(PROGRAMMED_START, *year_end)) == [second.number]


def test_tickets_are_read_in_one_batch(stack: Container) -> None:
    service_id, _ = setup(stack)
    orders = stack.service_orders
    made = [orders.open_ticket(orders.new_ticket(NewTicket(service_id, 1, "Sem sinal", "Maria", "11987654321")))
            for _ in range(3)]
    found = orders.tickets([made[2].id, made[0].id, 999, made[0].id])
    assert found == {made[0].id: made[0], made[2].id: made[2]}
    assert orders.tickets([]) == {}
