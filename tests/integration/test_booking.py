"""Agenda capacity under real concurrency and under random operation sequences.

Capacity is enforced by DynamoDB (conditional counter updates in the same
transaction as the OS write); these tests try hard to overbook."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time

import pytest

from chalicelib.agenda.model import AgendaRefusal, City, Interval, Window
from chalicelib.agenda.service import AgendaSpec
from chalicelib.container import Container
from chalicelib.customers.model import Address, NewCustomer, NewService
from chalicelib.errors import BusinessRuleError
from chalicelib.service_orders.model import ServiceOrder
from chalicelib.service_orders.service import NewServiceOrder
from chalicelib.storage.agendas import DynamoAgendaStore
from tests.integration.test_races import RACERS, race

MONDAY = date(2026, 12, 14)
CAPACITY = 3


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time(hour, minute))


def setup(container: Container, capacity: int = CAPACITY, daily_limit: int | None = None) -> tuple[int, int]:
    customer = container.customers.register(NewCustomer(
        name="Cliente Agenda", document="52998224725", phone="11987654321", email="",
        services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),)))
    agenda = container.agendas.create(AgendaSpec(
        description="Instalações Campinas", active=True, cities=(City("Campinas", "SP"),),
        windows=(Window(frozenset(range(5)), time(8), time(12), 60, capacity),), daily_limit=daily_limit))
    return customer.services[0].id, agenda.id


def counters(container: Container, agenda_id: int) -> dict[str, int]:
    booked = DynamoAgendaStore().booked(agenda_id, MONDAY, MONDAY)
    return {k: v for k, v in booked.items() if v}


def expected(orders: list[ServiceOrder], agenda_id: int) -> dict[str, int]:
    """What the counters must be: the live OS overlapping each slot and day."""
    counts: Counter[str] = Counter()
    for order in orders:
        if order.occupies_capacity and order.agenda_id == agenda_id:
            counts.update(c.key for c in order.held)
    return dict(counts)


def test_fifty_concurrent_opens_into_a_slot_of_three(server_stack: Container) -> None:
    service_id, agenda_id = setup(server_stack)

    def open_one(i: int) -> ServiceOrder:
        return server_stack.service_orders.open(NewServiceOrder(
            customer_service_id=service_id, agenda_id=agenda_id, interval=Interval(at(9), at(10))))

    wins, losses = [], []
    for _ in range(50 // RACERS + 1):  # 56 opens, RACERS at a time released together
        won, lost = race(open_one)
        wins += won
        losses += lost
    assert len(wins) == CAPACITY
    assert all(isinstance(e, AgendaRefusal) and e.reason == "horario_lotado" for e in losses), losses[:3]
    stored = [server_stack.service_orders.get(o.id) for o in wins]
    assert counters(server_stack, agenda_id) == expected(stored, agenda_id) == {
        f"{MONDAY}#09:00": 3, f"{MONDAY}#DIA": 3}


def test_concurrent_reschedules_into_one_free_place(server_stack: Container) -> None:
    service_id, agenda_id = setup(server_stack)
    orders = server_stack.service_orders
    # 09:00 keeps one free place; RACERS OS booked at 08:00, 10:00 and 11:00 race for it.
    taken = [orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10)))) for _ in range(2)]
    hours = [8, 10, 11] * 3
    movers = [orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(h), at(h + 1))))
              for h in hours[:RACERS]]

    wins, losses = race(lambda i: orders.reschedule(movers[i].id, Interval(at(9), at(10))))

    assert len(wins) == 1
    assert all(isinstance(e, AgendaRefusal) and e.reason == "horario_lotado" for e in losses)
    stored = [orders.get(o.id) for o in taken + movers]
    assert counters(server_stack, agenda_id) == expected(stored, agenda_id)
    assert counters(server_stack, agenda_id)[f"{MONDAY}#09:00"] == CAPACITY


def test_daily_limit_holds_under_concurrency(server_stack: Container) -> None:
    service_id, agenda_id = setup(server_stack, capacity=10, daily_limit=2)
    wins, losses = race(lambda i: server_stack.service_orders.open(NewServiceOrder(
        service_id, agenda_id, Interval(at(8 + i % 4), at(9 + i % 4)))))
    assert len(wins) == 2
    assert all(isinstance(e, AgendaRefusal) and e.reason == "limite_diario" for e in losses)
    assert counters(server_stack, agenda_id)[f"{MONDAY}#DIA"] == 2


@pytest.mark.parametrize("change", ["reschedule", "unschedule", "cancel", "finish", "change_agenda"])
def test_every_change_moves_the_counters_exactly(stack: Container, change: str) -> None:
    service_id, agenda_id = setup(stack)
    other = stack.agendas.create(AgendaSpec(description="Outra", active=True,
                                            windows=(Window(frozenset(range(5)), time(8), time(18), 30, 1),)))
    orders = stack.service_orders
    order = orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(8, 30), at(10))))
    assert counters(stack, agenda_id) == {f"{MONDAY}#08:00": 1, f"{MONDAY}#09:00": 1, f"{MONDAY}#DIA": 1}
    if change == "reschedule":
        orders.reschedule(order.id, Interval(at(9), at(11)))
        assert counters(stack, agenda_id) == {f"{MONDAY}#09:00": 1, f"{MONDAY}#10:00": 1, f"{MONDAY}#DIA": 1}
    elif change == "change_agenda":
        orders.change_agenda(order.id, other.id)
        assert counters(stack, agenda_id) == {}
        assert counters(stack, other.id) == {f"{MONDAY}#08:30": 1, f"{MONDAY}#09:00": 1, f"{MONDAY}#09:30": 1,
                                             f"{MONDAY}#DIA": 1}
    elif change == "cancel":
        orders.cancel(order.id, "Cliente desistiu")
        assert counters(stack, agenda_id) == {}
    else:
        getattr(orders, change)(order.id)
        assert counters(stack, agenda_id) == {}


def test_a_refused_change_changes_nothing(stack: Container) -> None:
    service_id, agenda_id = setup(stack, capacity=1)
    orders = stack.service_orders
    first = orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    second = orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(10), at(11))))
    before = counters(stack, agenda_id)
    for attempt in (lambda: orders.reschedule(second.id, Interval(at(9), at(11))),
                    lambda: orders.reschedule(second.id, Interval(at(13), at(14))),
                    lambda: orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))):
        with pytest.raises(BusinessRuleError):
            attempt()
    assert counters(stack, agenda_id) == before
    assert orders.get(second.id) == second and orders.get(first.id) == first


def test_capacity_change_applies_to_new_bookings_only(stack: Container) -> None:
    service_id, agenda_id = setup(stack, capacity=2)
    orders = stack.service_orders
    for _ in range(2):
        orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    current = stack.agendas.get(agenda_id)
    stack.agendas.replace(agenda_id, AgendaSpec(
        description=current.description, active=True, cities=current.cities,
        windows=(Window(frozenset(range(5)), time(8), time(12), 60, 1),)))
    with pytest.raises(AgendaRefusal):
        orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    assert counters(stack, agenda_id)[f"{MONDAY}#09:00"] == 2  # booked OS stay
