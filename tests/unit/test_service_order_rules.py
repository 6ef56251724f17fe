"""The rules of ServiceOrderService over in-memory fakes: cancelling (what it
releases, what it refuses, the event it raises), taking an OS out of its
agenda, the city rule for an OS entering an agenda without dates, and the
history entry every change writes with it."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from chalicelib.agenda.booking import CounterMoves
from chalicelib.agenda.model import AgendaRefusal, City, Interval, Window
from chalicelib.agenda.service import AgendaService, AgendaSpec
from chalicelib.agenda.technician_time import TechnicianDay
from chalicelib.customers.model import Address, Holder, Service
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.queues import Message
from chalicelib.service_orders import history
from chalicelib.service_orders.events import order_events
from chalicelib.service_orders.model import (
    AWAITING,
    CANCELLED,
    FINISHED,
    MAX_CANCEL_REASON,
    PENDING,
    Action,
    Closing,
    HistoryEntry,
    OrderMessage,
    ServiceOrder,
    Ticket,
)
from chalicelib.service_orders.service import NewServiceOrder, OrderEdit, ServiceOrderService
from tests.conftest import MutableClock
from tests.fakes import InMemoryAgendaStore, InMemoryOrderStore, InMemorySequences

MONDAY = date(2026, 12, 14)
CAMPINAS = Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")
VALINHOS = replace(CAMPINAS, cidade="Valinhos")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY, time(hour, minute))


class Services:
    def __init__(self) -> None:
        holder = Holder(1, "Maria da Silva", "52998224725")
        self.services = {1: Service(1, 1, "Fibra", 9990, CAMPINAS, holder=holder),
                         2: Service(2, 1, "Fibra", 9990, VALINHOS, holder=holder)}

    def service(self, service_id: int) -> Service:
        if service_id not in self.services:
            raise NotFoundError(f"Serviço de cliente de ID {service_id} não encontrado")
        return self.services[service_id]


class Technicians:
    """Every technician exists and is active: these rules are not about technicians."""

    def unassignable(self, technician_ids: Iterable[int], kept: Iterable[int] = ()) -> list[str]:
        return []


class Interleaved(InMemoryOrderStore):
    """The fake store with another request's work done just before this one's next save lands (``meanwhile``)."""

    def __init__(self, agendas: InMemoryAgendaStore) -> None:
        super().__init__(agendas)
        self.meanwhile: list[Callable[[], object]] = []

    def save(self, order: ServiceOrder, expected_version: int | None, moves: CounterMoves,
             events: Sequence[Message] = (), written_at: datetime | None = None,
             ticket: Ticket | None = None, days: Sequence[TechnicianDay] = (),
             entry: HistoryEntry | None = None, attach_to: int | None = None) -> None:
        if self.meanwhile:
            self.meanwhile.pop(0)()
        super().save(order, expected_version, moves, events, written_at, ticket, days, entry, attach_to)


class World:
    """Agenda 1 (Campinas, weekdays 08–12, 2 places an hour), agenda 2 (Valinhos only), agenda 3 (any city,
    inactive); service 1 in Campinas, service 2 in Valinhos."""

    def __init__(self) -> None:
        self.clock = MutableClock(datetime(2026, 12, 10, 13, 0, tzinfo=UTC))
        self.agenda_store = InMemoryAgendaStore()
        self.store = Interleaved(self.agenda_store)
        sequences = InMemorySequences()
        self.agendas = AgendaService(self.agenda_store, sequences, Technicians(), lambda day: None)
        self.orders = ServiceOrderService(self.store, Services(), self.agendas, sequences, self.clock,
                                          sleep=lambda seconds: None)
        window = Window(frozenset(range(5)), time(8), time(12), 60, 2)
        self.campinas = self.agendas.create(AgendaSpec("Campinas", True, (window,), (City("Campinas", "SP"),)))
        self.valinhos = self.agendas.create(AgendaSpec("Só Valinhos", True, (window,), (City("Valinhos", "SP"),)))
        self.inactive = self.agendas.create(AgendaSpec("Reparos", False, (window,)))

    def open(self, hour: int | None = 9, status: str = PENDING, technicians: tuple[int, ...] = (5,),
             agenda_id: int | None = 1, service_id: int = 1) -> ServiceOrder:
        interval = Interval(at(hour), at(hour + 1)) if hour is not None else None
        return self.orders.open(NewServiceOrder(service_id, agenda_id, interval, technicians, status=status,
                                                opened_by="ana"))

    def booked(self, agenda_id: int = 1) -> dict[str, int]:
        return {k: v for k, v in self.agenda_store.counters.get(agenda_id, {}).items() if v}

    def event_types(self) -> list[str]:
        return [e["type"] for e in self.store.events]

    def entries(self, order_id: int) -> list[tuple[int, str, Action]]:
        return [(e.version, e.user, e.action) for e in self.store.history(order_id)[0]]

    def state(self) -> tuple[Any, ...]:
        """Everything a refusal must leave as it was."""
        return (dict(self.store.orders), {a: dict(c) for a, c in self.agenda_store.counters.items()},
                dict(self.store.days), list(self.store.events), {o: list(e) for o, e in self.store.entries.items()})


@pytest.fixture
def world() -> World:
    return World()


# ------------------------------------------------------------------ cancel
def test_cancelling_releases_the_places_and_the_technicians_time_and_tells_the_customer(world: World) -> None:
    order = world.open(9)
    assert world.booked() == {f"{MONDAY}#09:00": 1, f"{MONDAY}#DIA": 1}
    assert world.store.days[(5, MONDAY)].visits

    cancelled = world.orders.cancel(order.id, "  Cliente desistiu da instalação  ", by="bia")

    assert (cancelled.status, cancelled.held, cancelled.interval) == (CANCELLED, frozenset(),
                                                                      Interval(at(9), at(10)))
    assert world.booked() == {} and world.store.days[(5, MONDAY)].visits == ()
    assert world.event_types() == ["os_agendada", "os_cancelada"]
    assert world.store.events[-1]["payload"]["inicio"] == "2026-12-14T09:00:00"
    entry = world.store.history(order.id)[0][-1]
    assert (entry.version, entry.user, entry.action) == (2, "bia", Action.CANCELLED)
    assert entry.detail == "status: pendente → cancelado. Motivo: Cliente desistiu da instalação"


@pytest.mark.parametrize("status, hour, agenda_id, told", [
    (AWAITING, 9, 1, True),  # held places: the customer was told (os_agendada)
    (PENDING, 9, None, True),  # scheduled without an agenda: a visit was set
    (AWAITING, 9, None, False),  # a proposal only (HubSoft's now + 1 h): no visit to call off
    (AWAITING, None, None, False),
])
def test_the_customer_hears_of_a_cancelled_visit_only_when_there_was_one(
        world: World, status: str, hour: int | None, agenda_id: int | None, told: bool) -> None:
    order = world.open(hour, status=status, agenda_id=agenda_id, technicians=())
    before = len(world.store.events)
    world.orders.cancel(order.id, "Cliente desistiu")
    assert world.event_types()[before:] == (["os_cancelada"] if told else [])
    assert world.entries(order.id)[-1][2] == Action.CANCELLED


def test_a_finished_or_cancelled_os_is_refused_and_nothing_changes(world: World) -> None:
    finished = world.open(9)
    world.orders.finish(finished.id, Closing(Interval(at(9), at(10)), "concluido"))
    cancelled = world.open(10)
    world.orders.cancel(cancelled.id, "Cliente desistiu")
    before = world.state()
    with pytest.raises(ValidationError) as closed:
        world.orders.cancel(finished.id, "Cliente desistiu")
    assert closed.value.errors == [f"A ordem de serviço {finished.number} está finalizada e não pode ser cancelada."]
    with pytest.raises(ValidationError) as again:
        world.orders.cancel(cancelled.id, "Outro motivo")
    assert again.value.errors == [f"A ordem de serviço {cancelled.number} já está cancelada."]
    with pytest.raises(NotFoundError):
        world.orders.cancel(99, "Cliente desistiu")
    assert world.state() == before


@pytest.mark.parametrize("reason", ["", "   ", "x" * (MAX_CANCEL_REASON + 1)])
def test_a_cancel_needs_a_reason_of_at_most_500_characters(world: World, reason: str) -> None:
    order = world.open(9)
    before = world.state()
    with pytest.raises(ValidationError) as refused:
        world.orders.cancel(order.id, reason)
    assert refused.value.errors == ["Informe o motivo do cancelamento (até 500 caracteres)."]
    assert world.state() == before


@pytest.mark.parametrize("rival", ["finish", "cancel"])
def test_a_cancel_that_loses_the_race_says_why_and_writes_nothing(world: World, rival: str) -> None:
    # GIVEN another request closes (or cancels) the OS after this cancel read it, before its write lands
    order = world.open(9)
    competitor = ServiceOrderService(world.store, Services(), world.agendas, InMemorySequences(), world.clock)
    if rival == "finish":
        world.store.meanwhile.append(lambda: competitor.finish(order.id, Closing(Interval(at(9), at(10)),
                                                                                 "concluido")))
    else:
        world.store.meanwhile.append(lambda: competitor.cancel(order.id, "O outro motivo", by="carlos"))
    # WHEN this cancel commits
    with pytest.raises(ValidationError) as lost:
        world.orders.cancel(order.id, "Cliente desistiu", by="bia")
    # THEN it is refused with the reason, and only the winner's change, event and entry are stored
    expected = "está finalizada e não pode ser cancelada" if rival == "finish" else "já está cancelada"
    assert expected in lost.value.errors[0]
    assert world.store.orders[order.id].status == (FINISHED if rival == "finish" else CANCELLED)
    assert world.entries(order.id) == [(1, "ana", Action.OPENED),
                                       (2, "" if rival == "finish" else "carlos",
                                        Action.CLOSED if rival == "finish" else Action.CANCELLED)]
    assert world.event_types() == ["os_agendada"] + ([] if rival == "finish" else ["os_cancelada"])
    assert world.booked() == {}


# ------------------------------------------------------------ out of agenda
def test_taking_a_dated_os_out_of_its_agenda_releases_its_places_and_keeps_its_dates(world: World) -> None:
    order = world.open(9)
    edited = world.orders.edit(order.id, OrderEdit(clear_agenda=True), by="bia")
    assert (edited.agenda_id, edited.interval, edited.status, edited.held) == (
        None, Interval(at(9), at(10)), PENDING, frozenset())
    assert world.booked() == {}
    assert world.store.days[(5, MONDAY)].visits[0].order_id == order.id  # the visit still takes the technician
    assert world.event_types() == ["os_agendada"]  # the visit stands: nothing to tell
    assert world.store.history(order.id)[0][-1].detail == "agenda: 1 → nenhuma."


def test_an_os_out_of_any_agenda_is_cleared_again_without_harm(world: World) -> None:
    order = world.open(9, agenda_id=None)
    edited = world.orders.edit(order.id, OrderEdit(clear_agenda=True))
    assert (edited.agenda_id, edited.version) == (None, 2)
    assert world.store.history(order.id)[0][-1].detail == "Nenhum campo alterado."


# ------------------------------------------------------- the city rule, undated
def undated(world: World) -> ServiceOrder:
    """An OS of agenda 1 whose schedule was removed: in the agenda, without dates."""
    order = world.open(9)
    return world.orders.unschedule(order.id, 1, "Cliente vai remarcar")


@pytest.mark.parametrize("agenda, reason, message", [
    ("valinhos", "cidade_nao_atendida",
     "A cidade Campinas/SP do endereço de instalação não é atendida pela agenda Só Valinhos."),
    ("inactive", "agenda_inativa", "A agenda Reparos está inativa."),
])
def test_an_undated_os_entering_an_agenda_meets_its_city_and_active_rules(world: World, agenda: str, reason: str,
                                                                        message: str) -> None:
    order = undated(world)
    before = world.state()
    with pytest.raises(AgendaRefusal) as refused:
        world.orders.edit(order.id, OrderEdit(agenda_id=getattr(world, agenda).id))
    assert (refused.value.reason, refused.value.message) == (reason, message)
    with pytest.raises(AgendaRefusal):
        world.orders.change_agenda(order.id, getattr(world, agenda).id)
    assert world.state() == before


def test_an_undated_os_opened_in_an_agenda_meets_its_city_rule(world: World) -> None:
    before = world.state()
    with pytest.raises(AgendaRefusal, match="Valinhos/SP do endereço de instalação não é atendida"):
        world.open(None, status=AWAITING, service_id=2)
    assert world.state() == before
    assert world.open(None, status=AWAITING, service_id=2, agenda_id=world.valinhos.id).held == frozenset()


def test_an_undated_os_stays_in_its_agenda_without_a_new_check(world: World) -> None:
    order = undated(world)
    world.agendas.replace(world.campinas.id, replace(world.campinas, cities=(City("Valinhos", "SP"),)))
    assert world.orders.edit(order.id, OrderEdit(priority="alta")).agenda_id == world.campinas.id


def test_the_city_rule_of_an_undated_os_holds_at_commit(world: World) -> None:
    # GIVEN the agenda stops serving Campinas after the OS was admitted, before its write lands
    order = undated(world)
    other = world.agendas.create(AgendaSpec("Campinas 2", True, world.campinas.windows, (City("Campinas", "SP"),)))
    world.store.meanwhile.append(lambda: world.agendas.replace(other.id, replace(other, cities=(
        City("Valinhos", "SP"),))))
    # WHEN the OS moves to it, THEN the write is refused by the agenda's version and the retry by the rule
    with pytest.raises(AgendaRefusal, match="não é atendida pela agenda Campinas 2"):
        world.orders.edit(order.id, OrderEdit(agenda_id=other.id))
    assert world.store.orders[order.id].agenda_id == world.campinas.id


# ------------------------------------------------------------------ history
def test_every_change_writes_one_entry_in_its_own_transaction_oldest_first(world: World) -> None:
    order = world.orders.open(NewServiceOrder(1, 1, Interval(at(9), at(10)), (5,), opened_by="ana"))
    steps: list[Callable[[], object]] = [
        lambda: world.orders.confirm(order.id, by="bia"),
        lambda: world.orders.reschedule(order.id, Interval(at(10), at(11)), by="bia"),
        lambda: world.orders.unschedule(order.id, 2, "Cliente viajou", by="carlos"),
        lambda: world.orders.edit(order.id, OrderEdit(priority="alta", technician_ids=(6,)), by="carlos"),
        lambda: world.orders.add_message(order.id, 3, "Ligar antes", username="dani"),
        lambda: world.orders.reschedule(order.id, Interval(at(8), at(9)), by="bia"),
        lambda: world.orders.finish(order.id, Closing(Interval(at(8), at(9)), "concluido", "Troca de conector",
                                                      reason_id=1, closed_by="edu")),
    ]
    for step in steps:
        world.clock.advance(minutes=5)
        step()
    timeline, messages = world.orders.history(order.id)
    assert [(i.user, i.action) for i in timeline] == [
        ("ana", Action.OPENED), ("bia", Action.SCHEDULED), ("bia", Action.RESCHEDULED),
        ("carlos", Action.UNSCHEDULED), ("carlos", Action.EDITED), ("dani", Action.MESSAGE),
        ("bia", Action.RESCHEDULED), ("edu", Action.CLOSED)]
    assert [i.at.minute for i in timeline] == [0, 5, 10, 15, 20, 25, 30, 35]
    assert [i.detail for i in timeline] == [
        "status aguardando_agendamento; agenda 1; horário 14/12/2026 09:00–10:00; técnicos 5.",
        "status: aguardando_agendamento → pendente.",
        "horário: 14/12/2026 09:00–10:00 → 14/12/2026 10:00–11:00.",
        "status: pendente → aguardando_agendamento; horário: 14/12/2026 10:00–11:00 → nenhuma. "
        "Motivo: Cliente ausente no endereço. Observação: Cliente viajou",
        "técnicos: 5 → 6; prioridade: normal → alta.",
        "Ligar antes",
        "status: aguardando_agendamento → pendente; horário: nenhuma → 14/12/2026 08:00–09:00.",
        "status: pendente → finalizado. Fechamento: concluido (Serviço executado). Troca de conector",
    ]
    assert [m.text for m in messages] == ["Ligar antes"]
    assert [e.version for e in world.store.history(order.id)[0]] == [1, 2, 3, 4, 5, 6, 7]


def test_a_refused_change_writes_no_entry(world: World) -> None:
    order = world.open(9)
    world.open(10, technicians=())
    world.open(10, technicians=())  # 10:00 full
    before = world.state()
    with pytest.raises(AgendaRefusal, match="lotado"):
        world.orders.reschedule(order.id, Interval(at(10), at(11)), by="bia")
    with pytest.raises(AgendaRefusal, match="fora dos horários"):
        world.orders.reschedule(order.id, Interval(at(13), at(14)), by="bia")
    assert world.state() == before and world.entries(order.id) == [(1, "ana", Action.OPENED)]


def test_messages_and_changes_keep_their_own_order_when_clocks_disagree() -> None:
    def entry(version: int, minute: int) -> HistoryEntry:
        return HistoryEntry(1, version, datetime(2026, 12, 10, 13, minute, tzinfo=UTC), "ana", Action.EDITED,
                            f"v{version}")

    message = OrderMessage(1, 1, 3, "m1", datetime(2026, 12, 10, 13, 4, tzinfo=UTC))
    # version 3 was written by a Lambda whose clock ran a little behind version 2's
    merged = history.timeline([entry(3, 3), entry(1, 0), entry(2, 5)], [message])
    assert [i.detail for i in merged] == ["v1", "m1", "v2", "v3"]


def test_an_os_across_midnight_is_described_with_both_days() -> None:
    order = ServiceOrder(1, 1, 1, 1, PENDING, datetime(2026, 12, 10, tzinfo=UTC), agenda_id=None,
                         interval=Interval(at(22), datetime(2026, 12, 15, 1)), technician_ids=())
    assert history.opened(order) == ("status pendente; agenda nenhuma; horário 14/12/2026 22:00–15/12/2026 01:00; "
                                     "técnicos nenhum.")


# ------------------------------------------------------------------- events
def os(status: str, agenda_id: int | None = 1, interval: Interval | None = Interval(at(9), at(10))) -> ServiceOrder:
    return ServiceOrder(7, 7, 1, 1, status, datetime(2026, 12, 10, tzinfo=UTC), agenda_id=agenda_id,
                        interval=interval)


@pytest.mark.parametrize("before, after, expected", [
    (os(PENDING), os(CANCELLED), ["os_cancelada"]),
    (os(PENDING, agenda_id=None), os(CANCELLED, agenda_id=None), ["os_cancelada"]),
    (os(AWAITING, agenda_id=None), os(CANCELLED, agenda_id=None), []),
    (os(AWAITING, interval=None), os(CANCELLED, interval=None), []),
    (os(PENDING), os(PENDING, agenda_id=None), []),  # out of the agenda: the visit stands
    (os(PENDING), os(FINISHED), []),
])
def test_which_changes_tell_the_customer(before: ServiceOrder, after: ServiceOrder, expected: list[str]) -> None:
    assert [e.type for e in order_events(before, after, lambda: "e1")] == expected
