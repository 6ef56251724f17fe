"""A technician is never in two OS at the same time, across agendas (and OS without one).

The technician's day records are written in the OS's own transaction,
conditioned on the version read; these tests race real threads against moto's
server and walk every change of an OS that moves its technicians or time."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

import pytest

from chalicelib.agenda.model import AgendaRefusal, City, Interval, Window
from chalicelib.agenda.service import AgendaSpec
from chalicelib.agenda.technician_time import TechnicianDay, Visit
from chalicelib.container import Container
from chalicelib.customers.model import Address, NewCustomer, NewService
from chalicelib.errors import DomainError
from chalicelib.service_orders.model import AWAITING, ServiceOrder
from chalicelib.service_orders.service import NewServiceOrder, OrderEdit
from chalicelib.storage.agendas import technician_days
from chalicelib.storage.models import TechnicianDayItem
from chalicelib.technicians.service import NewTechnician
from ops.cli import main
from tests.integration.test_booking import MONDAY, at, counters
from tests.integration.test_races import race

TUESDAY = date(2026, 12, 15)
THREADS = 16


class World:
    def __init__(self, container: Container) -> None:
        self.container = container
        self.orders = container.service_orders
        self.service_id = container.customers.register(NewCustomer(
            name="Cliente Técnico", document="52998224725", phone="11987654321", email="",
            services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),),
        )).services[0].id
        self.carlos = container.technicians.register(NewTechnician("Carlos Técnico", "carlos@provedor.com.br")).id
        self.ana = container.technicians.register(NewTechnician("Ana Técnica", "ana@provedor.com.br")).id
        windows = (Window(frozenset(range(5)), time(8), time(18), 60, THREADS),)
        self.north = container.agendas.create(AgendaSpec("Instalações Norte", True, windows,
                                                         cities=(City("Campinas", "SP"),))).id
        self.south = container.agendas.create(AgendaSpec("Reparos Sul", True, windows)).id

    def open(self, agenda_id: int | None, start: datetime, end: datetime, *technicians: int,
             status: str = "pendente") -> ServiceOrder:
        return self.orders.open(NewServiceOrder(self.service_id, agenda_id, Interval(start, end),
                                                technician_ids=technicians, status=status))

    def busy(self, technician_id: int, day: date = MONDAY) -> list[int]:
        """The OS recorded in the technician's day, by start."""
        (record,) = technician_days([(technician_id, day)])
        return [v.order_id for v in record.visits]

    def refused(self, action: Callable[[], object]) -> AgendaRefusal:
        with pytest.raises(AgendaRefusal) as refusal:
            action()
        assert refusal.value.reason == "tecnico_ocupado"
        return refusal.value


@pytest.fixture
def world(stack: Container) -> World:
    return World(stack)


def test_racing_bookings_of_one_technician_in_two_agendas_land_once(server_stack: Container) -> None:
    w = World(server_stack)
    # Every interval contains 09:30–10:00, so any two overlap; the agendas have room for all of them.
    shapes = [(at(9), at(10)), (at(9, 30), at(10, 30)), (at(9), at(11)), (at(9, 30), at(10))]

    def book(i: int) -> ServiceOrder:
        return w.open((w.north, w.south)[i % 2], *shapes[i % len(shapes)], w.carlos)

    wins, losses = race(book, THREADS)

    assert len(wins) == 1, losses
    assert len(losses) == THREADS - 1
    winner = wins[0]
    assert winner.interval is not None
    expected = (f"O técnico Carlos Técnico já tem a OS {winner.number} das {winner.interval.start:%H:%M} às "
                f"{winner.interval.end:%H:%M} de 14/12/2026 neste horário.")
    assert all(isinstance(e, AgendaRefusal) and e.reason == "tecnico_ocupado" and e.message == expected
               for e in losses), losses[:3]
    (day,) = technician_days([(w.carlos, MONDAY)])
    assert day.visits == (Visit(winner.id, winner.number, winner.interval),)
    # the losers took no agenda place either
    assert sum(counters(server_stack, a).get(f"{MONDAY}#DIA", 0) for a in (w.north, w.south)) == 1


def test_racing_moves_of_two_os_into_the_same_hour_land_once(server_stack: Container) -> None:
    w = World(server_stack)
    movers = [w.open((w.north, w.south)[i % 2], at(8 + i), at(9 + i), w.carlos) for i in range(8)]
    wins, losses = race(lambda i: w.orders.reschedule(movers[i].id, Interval(at(16), at(17))), 8)
    assert len(wins) == 1 and all(isinstance(e, AgendaRefusal) and e.reason == "tecnico_ocupado" for e in losses)
    assert sorted(w.busy(w.carlos)) == sorted(o.id for o in movers)
    (day,) = technician_days([(w.carlos, MONDAY)])
    assert [v.interval for v in day.visits if v.order_id == wins[0].id] == [Interval(at(16), at(17))]


def test_a_technician_in_an_os_of_one_agenda_is_refused_in_another_at_the_same_time(world: World) -> None:
    w = world
    first = w.open(w.north, at(9), at(10), w.carlos)
    refusal = w.refused(lambda: w.open(w.south, at(9, 30), at(10, 30), w.carlos))
    assert refusal.message == (f"O técnico Carlos Técnico já tem a OS {first.number} das 09:00 às 10:00 de "
                               "14/12/2026 neste horário.")
    assert refusal.errors == [refusal.message]
    back_to_back = w.open(w.south, at(10), at(11), w.carlos)
    other_technician = w.open(w.south, at(9), at(10), w.ana)
    assert w.busy(w.carlos) == [first.id, back_to_back.id] and w.busy(w.ana) == [other_technician.id]


def test_a_refused_booking_changes_nothing(world: World) -> None:
    w = world
    first = w.open(w.north, at(9), at(10), w.carlos)
    second = w.open(w.south, at(10), at(11), w.carlos)
    before = (technician_days([(w.carlos, MONDAY), (w.ana, MONDAY)]), counters(w.container, w.north),
              counters(w.container, w.south))
    w.refused(lambda: w.orders.reschedule(second.id, Interval(at(9, 30), at(11))))  # resized into OS 1
    w.refused(lambda: w.orders.reschedule(first.id, Interval(at(9), at(10, 30))))  # resized into OS 2
    w.refused(lambda: w.open(w.south, at(9), at(11), w.ana, w.carlos))  # Ana is free, Carlos is not
    assert (technician_days([(w.carlos, MONDAY), (w.ana, MONDAY)]), counters(w.container, w.north),
            counters(w.container, w.south)) == before
    assert w.orders.get(first.id) == first and w.orders.get(second.id) == second


def test_moving_an_os_away_frees_its_time(world: World) -> None:
    w = world
    first = w.open(w.north, at(9), at(10), w.carlos)
    w.refused(lambda: w.open(w.south, at(9), at(10), w.carlos))
    w.orders.reschedule(first.id, Interval(at(14), at(15)))
    second = w.open(w.south, at(9), at(10), w.carlos)
    assert w.busy(w.carlos) == [second.id, first.id]


def test_moving_an_os_to_another_day_frees_the_first_and_takes_the_second(world: World) -> None:
    w = world
    first = w.open(w.north, at(9), at(10), w.carlos)
    w.orders.reschedule(first.id, Interval(at(9, day=TUESDAY), at(10, day=TUESDAY)))
    assert w.busy(w.carlos) == [] and w.busy(w.carlos, TUESDAY) == [first.id]
    w.open(w.south, at(9), at(10), w.carlos)
    w.refused(lambda: w.open(w.south, at(9, day=TUESDAY), at(10, day=TUESDAY), w.carlos))


def test_resizing_checks_the_new_interval_against_the_other_os(world: World) -> None:
    w = world
    first = w.open(w.north, at(9), at(10), w.carlos)
    w.open(w.south, at(11), at(12), w.carlos)
    w.orders.reschedule(first.id, Interval(at(9), at(11)))  # grows up to the other one
    w.refused(lambda: w.orders.reschedule(first.id, Interval(at(9), at(11, 30))))
    w.orders.reschedule(first.id, Interval(at(9, 30), at(10)))  # shrinks
    w.open(w.south, at(9), at(9, 30), w.carlos)


@pytest.mark.parametrize("release", ["cancel", "unschedule", "finish"])
def test_cancelling_unscheduling_or_closing_frees_the_time(world: World, release: str) -> None:
    w = world
    first = w.open(w.north, at(9), at(10), w.carlos)
    if release == "cancel":
        w.orders.cancel(first.id, "Cliente desistiu")
    else:
        getattr(w.orders, release)(first.id)
    assert w.busy(w.carlos) == []
    w.open(w.south, at(9), at(10), w.carlos)


def test_reassigning_moves_the_time_to_the_new_technician(world: World) -> None:
    w = world
    first = w.open(w.north, at(9), at(10), w.carlos)
    w.orders.edit(first.id, OrderEdit(technician_ids=(w.ana,)))
    assert w.busy(w.carlos) == [] and w.busy(w.ana) == [first.id]
    w.open(w.south, at(9), at(10), w.carlos)
    w.refused(lambda: w.open(w.south, at(9), at(10), w.ana))


def test_swapping_a_technician_while_rescheduling_moves_the_time(world: World) -> None:
    w = world
    first = w.open(w.north, at(9), at(10), w.carlos)
    w.orders.reschedule(first.id, Interval(at(13), at(14)), technician_ids=(w.ana,))
    assert w.busy(w.carlos) == [] and w.busy(w.ana) == [first.id]
    w.open(w.south, at(9), at(10), w.carlos)
    w.open(w.south, at(9), at(10), w.ana)
    w.refused(lambda: w.open(w.south, at(13, 30), at(14), w.ana))


def test_assigning_a_busy_technician_is_refused(world: World) -> None:
    w = world
    busy = w.open(w.south, at(9), at(10), w.ana)
    first = w.open(w.north, at(9), at(10), w.carlos)
    refusal = w.refused(lambda: w.orders.edit(first.id, OrderEdit(technician_ids=(w.carlos, w.ana))))
    assert refusal.message.startswith(f"O técnico Ana Técnica já tem a OS {busy.number} das 09:00 às 10:00")
    first_without_technician = w.open(w.north, at(9), at(10))
    w.refused(lambda: w.orders.edit(first_without_technician.id, OrderEdit(technician_ids=(w.ana,))))
    assert w.orders.get(first.id).technician_ids == (w.carlos,)
    assert w.busy(w.ana) == [busy.id] and w.busy(w.carlos) == [first.id]


def test_an_os_awaiting_scheduling_takes_the_time_when_it_is_scheduled(world: World) -> None:
    w = world
    proposal = w.open(w.north, at(9), at(10), w.carlos, status=AWAITING)
    another = w.open(w.south, at(9), at(10), w.carlos, status=AWAITING)  # dates are only a proposal yet
    assert w.busy(w.carlos) == []
    w.orders.confirm(proposal.id)
    assert w.busy(w.carlos) == [proposal.id]
    refusal = w.refused(lambda: w.orders.confirm(another.id))
    assert refusal.message.startswith(f"O técnico Carlos Técnico já tem a OS {proposal.number} das 09:00")
    w.orders.reschedule(another.id, Interval(at(10), at(11)))
    assert w.busy(w.carlos) == [proposal.id, another.id]


def test_changing_agenda_or_editing_keeps_the_technician_busy(world: World) -> None:
    w = world
    first = w.open(w.north, at(9), at(10), w.carlos)
    w.orders.change_agenda(first.id, w.south)
    w.orders.edit(first.id, OrderEdit(description="Trocar roteador"))
    assert w.busy(w.carlos) == [first.id]
    (day,) = technician_days([(w.carlos, MONDAY)])
    assert day.version == 1  # none of those changes rewrote the technician's day
    w.refused(lambda: w.open(w.north, at(9), at(10), w.carlos))


def test_an_os_without_agenda_takes_the_technicians_time_too(world: World) -> None:
    w = world
    loose = w.open(None, at(9), at(10), w.carlos)
    w.refused(lambda: w.open(w.north, at(9, 30), at(10), w.carlos))
    w.orders.change_agenda(loose.id, w.north)
    w.refused(lambda: w.open(None, at(9, 30), at(10), w.carlos))


def test_an_os_across_midnight_takes_both_days(world: World) -> None:
    w = world
    night = w.open(None, at(22), at(2, day=TUESDAY), w.carlos)
    assert w.busy(w.carlos) == [night.id] and w.busy(w.carlos, TUESDAY) == [night.id]
    refusal = w.refused(lambda: w.open(None, at(1, day=TUESDAY), at(3, day=TUESDAY), w.carlos))
    assert refusal.message == (f"O técnico Carlos Técnico já tem a OS {night.number} das 22:00 de 14/12/2026 às "
                               "02:00 de 15/12/2026 neste horário.")
    w.refused(lambda: w.open(None, at(23), at(23, 30), w.carlos))
    morning = w.open(w.south, at(8, day=TUESDAY), at(9, day=TUESDAY), w.carlos)
    w.orders.reschedule(night.id, Interval(at(20), at(22)))
    assert w.busy(w.carlos) == [night.id] and w.busy(w.carlos, TUESDAY) == [morning.id]
    w.open(None, at(1, day=TUESDAY), at(3, day=TUESDAY), w.carlos)


def test_an_emptied_day_keeps_counting_its_versions(world: World) -> None:
    w = world
    first = w.open(w.north, at(9), at(10), w.carlos)
    w.orders.cancel(first.id, "Cliente desistiu")
    w.open(w.south, at(9), at(10), w.carlos)
    (day,) = technician_days([(w.carlos, MONDAY)])
    assert day.version == 3 and isinstance(day, TechnicianDay)


def test_no_lifecycle_sequence_leaves_a_technician_double_booked(world: World) -> None:
    """Whatever is accepted, the live OS of each technician never overlap and their day records say so."""
    w = world
    steps: list[Callable[[], object]] = []
    opened: list[ServiceOrder] = []
    for hour in range(8, 16):
        technician = (w.carlos, w.ana)[(hour // 2) % 2]
        steps.append(lambda h=hour, t=technician: opened.append(w.open((w.north, w.south)[h % 2], at(h), at(h + 2),
                                                                       t)))
    for index in range(6):
        steps.append(lambda i=index: w.orders.reschedule(opened[i % len(opened)].id, Interval(at(12), at(13))))
        steps.append(lambda i=index: w.orders.edit(opened[-1 - i % len(opened)].id,
                                                   OrderEdit(technician_ids=(w.carlos, w.ana))))
    for step in steps:
        try:
            step()
        except DomainError:
            pass
    live = [w.orders.get(o.id) for o in opened]
    for technician in (w.carlos, w.ana):
        mine = sorted((o for o in live if technician in o.technician_ids and o.busy_interval),
                      key=lambda o: o.interval.start if o.interval else at(0))
        for before, after in zip(mine, mine[1:], strict=False):
            assert before.interval and after.interval and before.interval.end <= after.interval.start
        assert sorted(w.busy(technician)) == sorted(o.id for o in mine)


def test_ops_records_os_booked_before_the_technician_days_and_reports_conflicts(
        world: World, capsys: pytest.CaptureFixture[str]) -> None:
    w = world
    legacy = w.open(w.north, at(9), at(10), w.carlos)
    quiet = w.open(w.south, at(14), at(15), w.ana)
    for technician in (w.carlos, w.ana):
        TechnicianDayItem(f"TECNICO#{technician}", MONDAY.isoformat()).delete()  # as before the days were kept
    clash = w.open(w.south, at(9, 30), at(10, 30), w.carlos)  # nothing recorded stops it
    assert w.busy(w.carlos) == [clash.id] and w.busy(w.ana) == []

    code = main(["record-technician-time", "--desde", "2026-12-01", "--dias", "60"])

    out = capsys.readouterr().out
    assert code == 1
    assert (f"OS {legacy.number}: O técnico Carlos Técnico já tem a OS {clash.number} das 09:30 às 10:30 de "
            "14/12/2026 neste horário.") in out
    assert "2 OS registradas nas agendas dos técnicos; 1 em conflito." in out
    assert w.busy(w.carlos) == [clash.id] and w.busy(w.ana) == [quiet.id]
    assert w.orders.get(legacy.id) == legacy  # the OS itself is left as it was
    w.refused(lambda: w.open(w.north, at(14, 30), at(15), w.ana))

    w.orders.reschedule(legacy.id, Interval(at(11), at(12)))  # the operator moves one of the two
    assert main(["record-technician-time", "--desde", "2026-12-01", "--dias", "60"]) == 0
    assert w.busy(w.carlos) == [clash.id, legacy.id]
