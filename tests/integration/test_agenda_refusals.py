"""Every reason an agenda refuses an OS, on every path that gives an OS an
agenda or an interval (open, reschedule, move to another agenda): the refusal
names its reason and leaves no OS, no counter change and no event."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import pytest

from chalicelib.agenda.model import AgendaRefusal, City, Interval, Window
from chalicelib.agenda.service import AgendaSpec
from chalicelib.container import Container
from chalicelib.customers.model import Address, NewCustomer, NewService
from chalicelib.service_orders.service import NewServiceOrder
from chalicelib.storage.models import OrderTableItem, SlotCounterItem

MONDAY = date(2026, 12, 14)
CHRISTMAS = date(2026, 12, 25)  # a Friday and a national holiday
CLOSED = date(2026, 12, 15)
SATURDAY = date(2026, 12, 19)


def at(hour: int, day: date = MONDAY, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def everything() -> tuple[Any, ...]:
    """Every OS with its version, every outbox event, every counter value (tests only: a scan)."""
    rows = sorted((i.pk, i.sk, getattr(i, "version", None)) for i in OrderTableItem.scan())
    counters = sorted((i.pk, i.sk, int(i.booked)) for i in SlotCounterItem.scan() if isinstance(i, SlotCounterItem))
    return rows, counters


@pytest.fixture
def world(stack: Container) -> dict[str, Any]:
    """Agenda "campinas" (Campinas/SP, weekdays 08–12, one place an hour, three a day, 15/12 closed,
    national holidays closed) with 08:00 and 09:00 of Monday taken; agenda "inativa"; a service in
    Campinas and one in Valinhos; an OS at 10:00 to move around."""
    customers = stack.customers
    customer = customers.register(NewCustomer(
        name="Cliente", document="52998224725", phone="11987654321", email="",
        services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),)))
    valinhos = customers.add_service(customer.id, NewService(
        "Fibra", 9990, Address("Rua B", "2", "Centro", "Valinhos", "SP", "13270000")))
    window = (Window(frozenset(range(5)), time(8), time(12), 60, 1),)
    campinas = stack.agendas.create(AgendaSpec(
        description="Campinas", active=True, cities=(City("Campinas", "SP"),), windows=window, daily_limit=3,
        closed_dates=frozenset({CLOSED}), block_national_holidays=True))
    inactive = stack.agendas.create(AgendaSpec(description="Inativa", active=False, windows=window))
    service_id = customer.services[0].id
    orders = stack.service_orders
    for hour in (8, 9):
        orders.open(NewServiceOrder(service_id, campinas.id, Interval(at(hour), at(hour + 1))))
    mover = orders.open(NewServiceOrder(service_id, campinas.id, Interval(at(10, day=date(2026, 12, 16)),
                                                                          at(11, day=date(2026, 12, 16)))))
    return {"service": service_id, "valinhos": valinhos.id, "campinas": campinas.id, "inactive": inactive.id,
            "mover": mover.id, "orders": orders}


CASES: list[tuple[str, str, Callable[[dict[str, Any]], tuple[int, int, Interval]]]] = [
    # reason, fragment, (service, agenda, interval)
    ("cidade_nao_atendida", "Valinhos/SP", lambda w: (w["valinhos"], w["campinas"], Interval(at(10), at(11)))),
    ("agenda_inativa", "está inativa", lambda w: (w["service"], w["inactive"], Interval(at(10), at(11)))),
    ("intervalo_invalido", "posterior ao início", lambda w: (w["service"], w["campinas"], Interval(at(11), at(10)))),
    ("fora_do_horario", "mesmo dia", lambda w: (w["service"], w["campinas"],
                                                Interval(at(11), at(9, day=date(2026, 12, 15))))),
    ("fora_do_horario", "fora dos horários", lambda w: (w["service"], w["campinas"], Interval(at(11), at(13)))),
    ("data_bloqueada", "não atende em sábado", lambda w: (w["service"], w["campinas"],
                                                   Interval(at(9, SATURDAY), at(10, SATURDAY)))),
    ("data_bloqueada", "15/12/2026", lambda w: (w["service"], w["campinas"],
                                                Interval(at(10, CLOSED), at(11, CLOSED)))),
    ("data_bloqueada", "feriado", lambda w: (w["service"], w["campinas"],
                                             Interval(at(10, CHRISTMAS), at(11, CHRISTMAS)))),
    ("horario_lotado", "09:00", lambda w: (w["service"], w["campinas"], Interval(at(9), at(10)))),
    ("horario_lotado", "08:00", lambda w: (w["service"], w["campinas"], Interval(at(8, minute=30), at(10)))),
    ("limite_diario", "limite diário de 3", lambda w: (w["service"], w["campinas"], Interval(at(11), at(12)))),
]


@pytest.mark.parametrize("reason, fragment, case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_open_refusals_change_nothing(world: dict[str, Any], stack: Container, reason: str, fragment: str,
                                      case: Callable[[dict[str, Any]], tuple[int, int, Interval]]) -> None:
    service_id, agenda_id, interval = case(world)
    if reason == "limite_diario":  # the third OS of Monday fits; the fourth finds the day full
        world["orders"].open(NewServiceOrder(world["service"], world["campinas"], Interval(at(10), at(11))))
    before = everything()
    with pytest.raises(AgendaRefusal) as refused:
        world["orders"].open(NewServiceOrder(service_id, agenda_id, interval))
    assert refused.value.reason == reason and fragment in refused.value.errors[0]
    assert everything() == before


@pytest.mark.parametrize("reason, fragment, case", [c for c in CASES if c[0] != "cidade_nao_atendida"],
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES) if c[0] != "cidade_nao_atendida"])
def test_reschedule_and_agenda_change_refusals_change_nothing(
        world: dict[str, Any], reason: str, fragment: str,
        case: Callable[[dict[str, Any]], tuple[int, int, Interval]]) -> None:
    _, agenda_id, interval = case(world)
    orders = world["orders"]
    if reason == "limite_diario":
        orders.open(NewServiceOrder(world["service"], world["campinas"], Interval(at(10), at(11))))
    before = everything()
    with pytest.raises(AgendaRefusal) as refused:
        orders.reschedule(world["mover"], interval, agenda_id)
    assert refused.value.reason == reason and fragment in refused.value.errors[0]
    assert everything() == before


def test_moving_to_an_agenda_that_does_not_serve_the_city_changes_nothing(stack: Container,
                                                                          world: dict[str, Any]) -> None:
    orders = world["orders"]
    other = stack.agendas.create(AgendaSpec(description="Valinhos", active=True, cities=(City("Valinhos", "SP"),),
                                            windows=(Window(frozenset(range(5)), time(8), time(12), 60, 1),)))
    before = everything()
    with pytest.raises(AgendaRefusal) as refused:
        orders.change_agenda(world["mover"], other.id)
    assert refused.value.reason == "cidade_nao_atendida"
    assert everything() == before
