"""Cancelling an OS, taking it out of its agenda and its history, against
DynamoDB (moto): racing cancels, and a cancel racing a close, end with
exactly one winner whose places, technicians' time, event and history entry
are written once; the loser writes nothing and says why."""
from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.agenda.model import AgendaRefusal, City, Interval
from chalicelib.agenda.service import AgendaSpec
from chalicelib.container import Container
from chalicelib.errors import ConflictError, DomainError, ValidationError
from chalicelib.service_orders.listing import PROGRAMMED_START
from chalicelib.service_orders.model import (
    CANCELLED,
    CONCLUDED,
    PENDING,
    Action,
    Closing,
    ServiceOrder,
)
from chalicelib.service_orders.service import NewServiceOrder, OrderEdit
from chalicelib.storage.agendas import DynamoAgendaStore
from chalicelib.storage.models import OrderHistoryItem, OrderTableItem, OutboxItem
from chalicelib.storage.orders import DynamoOrderStore
from chalicelib.technicians.service import NewTechnician
from tests.conftest import MutableClock
from tests.integration.test_booking import MONDAY, at, setup
from tests.integration.test_races import RACERS, race


def scheduled(container: Container) -> tuple[ServiceOrder, int]:
    """A pendente OS at 09:00 on Monday in a Campinas agenda, with one (active) technician, opened by ana."""
    service_id, agenda_id = setup(container)
    technician = container.technicians.register(NewTechnician("Carlos Técnico", "carlos@provedor.com.br")).id
    order = container.service_orders.open(NewServiceOrder(
        service_id, agenda_id, Interval(at(9), at(10)), (technician,), status=PENDING, opened_by="ana"))
    return order, agenda_id


def booked(agenda_id: int) -> dict[str, int]:
    """Every counter of the agenda on Monday, zeros included (a double release would leave one negative)."""
    return DynamoAgendaStore().booked(agenda_id, MONDAY, MONDAY)


def technician_visits(container: Container, order: ServiceOrder) -> list[int]:
    """The visits on Monday of the technician ``order`` was opened with."""
    [technician] = order.technician_ids
    day = DynamoOrderStore(container.settings.zone).technician_days([(technician, MONDAY)])[0]
    return [v.order_id for v in day.visits]


def outbox_types() -> list[str]:
    return [json.loads(i.body)["type"] for i in OrderTableItem.query("OUTBOX", consistent_read=True)
            if isinstance(i, OutboxItem)]


def history_items(order_id: int) -> list[tuple[int, str, str]]:
    return [(int(i.version), i.action, i.user) for i in OrderTableItem.query(
        f"OS#{order_id}", OrderTableItem.sk.startswith("HIST#"), consistent_read=True)
        if isinstance(i, OrderHistoryItem)]


def test_racing_cancels_have_one_winner(server_stack: Container) -> None:
    # GIVEN a scheduled OS holding its places and its technician's time
    order, agenda_id = scheduled(server_stack)
    orders = server_stack.service_orders
    assert booked(agenda_id) == {f"{MONDAY}#09:00": 1, f"{MONDAY}#DIA": 1}
    # WHEN RACERS requests cancel it at the same instant
    wins, losses = race(lambda i: orders.cancel(order.id, f"Motivo {i}", by=f"operador{i}"))
    # THEN one wins; every other is refused saying the OS is cancelled already
    assert len(wins) == 1 and len(losses) == RACERS - 1
    assert all(isinstance(e, ValidationError) and e.errors == [f"A ordem de serviço {order.number} já está "
                                                               "cancelada."] for e in losses), losses
    stored = orders.get(order.id)
    assert (stored.status, stored.version) == (CANCELLED, 2)
    # the places and the technician's time were given back once, the event and the entry written once
    assert booked(agenda_id) == {f"{MONDAY}#09:00": 0, f"{MONDAY}#DIA": 0}
    assert technician_visits(server_stack, order) == []
    assert sorted(outbox_types()) == ["os_agendada", "os_cancelada"]
    timeline, _ = orders.history(order.id)
    assert [i.action for i in timeline] == [Action.OPENED, Action.CANCELLED]
    winner = timeline[1].user.removeprefix("operador")  # the entry is the winner's, with its own reason
    assert timeline[1].detail == f"status: pendente → cancelado. Motivo: Motivo {winner}"


def test_a_cancel_racing_a_close_has_one_winner(server_stack: Container) -> None:
    # GIVEN a scheduled OS
    order, agenda_id = scheduled(server_stack)
    orders = server_stack.service_orders
    outcomes: dict[int, Any] = {}

    def cancel_or_close(i: int) -> ServiceOrder:
        try:
            if i % 2:
                done = orders.finish(order.id, Closing(Interval(at(9, 5), at(9, 50)), CONCLUDED, closed_by=f"t{i}"))
            else:
                done = orders.cancel(order.id, "Cliente desistiu", by=f"o{i}")
        except DomainError as refused:
            outcomes[i] = refused
            raise
        outcomes[i] = done
        return done

    # WHEN half the racers cancel it and half close it, at the same instant
    wins, losses = race(cancel_or_close)
    # THEN exactly one of them wins
    assert len(wins) == 1 and len(losses) == RACERS - 1
    winner = wins[0]
    stored = orders.get(order.id)
    assert (stored.status, stored.version) == (winner.status, 2)
    for i, outcome in outcomes.items():
        if outcome is winner:
            continue
        if i % 2 == 0:  # a losing cancel says why, whoever won
            reason = "já está cancelada" if winner.status == CANCELLED else "está finalizada e não pode ser cancelada"
            assert isinstance(outcome, ValidationError) and reason in outcome.errors[0], outcome
        else:
            assert isinstance(outcome, (ValidationError, ConflictError)), outcome
    # and what the winner releases is released once; only its event and its entry are written
    assert booked(agenda_id) == {f"{MONDAY}#09:00": 0, f"{MONDAY}#DIA": 0}
    assert technician_visits(server_stack, order) == []
    told = ["os_cancelada"] if winner.status == CANCELLED else []
    assert sorted(outbox_types()) == sorted(["os_agendada", *told])
    action = Action.CANCELLED if winner.status == CANCELLED else Action.CLOSED
    assert [(v, a) for v, a, _ in history_items(order.id)] == [(1, Action.OPENED.value), (2, action.value)]


def test_taking_an_os_out_of_its_agenda_leaves_the_agenda_index_and_keeps_its_dates(stack: Container) -> None:
    order, agenda_id = scheduled(stack)
    store = DynamoOrderStore(stack.settings.zone)
    week = (at(0), at(23))
    assert [o.id for o in store.by_agenda(agenda_id, *week)] == [order.id]

    edited = stack.service_orders.edit(order.id, OrderEdit(clear_agenda=True), by="bia")

    assert (edited.agenda_id, edited.interval, edited.status) == (None, order.interval, PENDING)
    assert list(store.by_agenda(agenda_id, *week)) == []
    assert [o.id for o in store.by_date(PROGRAMMED_START, *week)] == [order.id]
    assert booked(agenda_id) == {f"{MONDAY}#09:00": 0, f"{MONDAY}#DIA": 0}
    assert technician_visits(stack, order) == [order.id]  # the visit stands
    assert outbox_types() == ["os_agendada"]
    assert history_items(order.id) == [(1, "aberta", "ana"), (2, "editada", "bia")]


def test_an_undated_os_cannot_enter_an_agenda_of_another_city(stack: Container) -> None:
    order, agenda_id = scheduled(stack)
    stack.service_orders.unschedule(order.id, 1, "Cliente vai remarcar")
    valinhos = stack.agendas.create(AgendaSpec("Só Valinhos", True, stack.agendas.get(agenda_id).windows,
                                               (City("Valinhos", "SP"),)))
    items = _partition(order.id)
    with pytest.raises(AgendaRefusal, match="Campinas/SP do endereço de instalação não é atendida pela agenda Só"):
        stack.service_orders.edit(order.id, OrderEdit(agenda_id=valinhos.id))
    assert _partition(order.id) == items


def test_every_change_writes_its_history_entry_and_a_refused_one_none(stack: Container,
                                                                      clock: MutableClock) -> None:
    order, agenda_id = scheduled(stack)
    orders = stack.service_orders
    clock.advance(minutes=1)
    orders.reschedule(order.id, Interval(at(10), at(11)), by="bia")
    with pytest.raises(AgendaRefusal):
        orders.reschedule(order.id, Interval(at(13), at(14)), by="bia")  # outside the agenda's hours
    clock.advance(minutes=1)
    orders.add_message(order.id, 2, "Cliente pediu para ligar", username="carlos")
    clock.advance(minutes=1)
    orders.cancel(order.id, "Cliente desistiu", by="dani")
    assert history_items(order.id) == [(1, "aberta", "ana"), (2, "reagendada", "bia"), (3, "cancelada", "dani")]
    timeline, messages = orders.history(order.id)
    assert [(i.action, i.user) for i in timeline] == [
        (Action.OPENED, "ana"), (Action.RESCHEDULED, "bia"), (Action.MESSAGE, "carlos"), (Action.CANCELLED, "dani")]
    assert [m.username for m in messages] == ["carlos"]
    assert [i.at.minute for i in timeline] == [0, 1, 2, 3]


def _partition(order_id: int) -> list[tuple[str, Any]]:
    return sorted((i.sk, getattr(i, "version", None)) for i in OrderTableItem.query(f"OS#{order_id}"))

