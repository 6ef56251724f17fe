"""An OS change and its notification event are one DynamoDB transaction: the
outbox row commits exactly when the OS (and the agenda counters it takes, and
its ticket) commit. Writing the outbox row in a PutItem of its own, before or
after the transaction, makes one of these tests fail: a refused OS would leave
an event behind, or an outbox row that cannot be written would leave an OS
without its event.

In-process moto (the ``stack`` fixture): what is under test is TransactWriteItems'
all-or-nothing, which moto's DynamoDB backend implements the same way behind
its HTTP server (``server_stack``); nothing here races, so the server's extra
process and connections would add time and no coverage.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib.agenda.booking import CounterMoves
from chalicelib.agenda.model import AgendaRefusal, Interval
from chalicelib.agenda.technician_time import TechnicianDay
from chalicelib.container import Container
from chalicelib.queues import Message
from chalicelib.service_orders.events import SCHEDULED
from chalicelib.service_orders.model import HistoryEntry, ServiceOrder, Ticket
from chalicelib.service_orders.service import NewServiceOrder, NewTicket, ServiceOrderService
from chalicelib.storage.models import OrderTableItem, OutboxItem
from chalicelib.storage.orders import DynamoOrderStore
from tests.conftest import MutableClock
from tests.integration.test_booking import MONDAY, at, counters, setup

# Longer than a DynamoDB sort key may be (1024 bytes): only the outbox row's key holds the event id.
OVERSIZED_ID = "x" * 2048


class EventIds:
    """Event ids the test knows in advance (``evento-1``, ``evento-2``, ...), or one it chooses."""

    def __init__(self, fixed: str | None = None) -> None:
        self.fixed = fixed
        self.issued: list[str] = []

    def __call__(self) -> str:
        self.issued.append(self.fixed or f"evento-{len(self.issued) + 1}")
        return self.issued[-1]


class RepeatingOutbox(DynamoOrderStore):
    """A store whose caller hands it each event twice: two puts of one outbox key in the same transaction."""

    def save(self, order: ServiceOrder, expected_version: int | None, moves: CounterMoves,
             events: Sequence[Message] = (), written_at: datetime | None = None,
             ticket: Ticket | None = None, days: Sequence[TechnicianDay] = (),
             entry: HistoryEntry | None = None, attach_to: int | None = None) -> None:
        super().save(order, expected_version, moves, [*events, *events], written_at, ticket, days, entry, attach_to)


def orders_of(stack: Container, clock: MutableClock, ids: EventIds,
              store: DynamoOrderStore | None = None) -> ServiceOrderService:
    """The container's OS service, with our clock and event ids (so every outbox key is known in advance)."""
    zone = stack.settings.zone
    return ServiceOrderService(store or DynamoOrderStore(zone), stack.customers, stack.agendas, stack.sequences,
                               clock, new_id=ids, zone=zone)


def outbox_rows() -> dict[str, dict[str, Any]]:
    """Every outbox row of the service_orders table: its key -> the event it carries."""
    return {item.sk: json.loads(item.body) for item in OrderTableItem.query("OUTBOX", consistent_read=True)
            if isinstance(item, OutboxItem)}


def key_of(moment: datetime, event_id: str) -> str:
    return f"{moment.isoformat()}#{event_id}"


def test_an_open_writes_its_os_counters_and_exactly_one_outbox_row(stack: Container, clock: MutableClock) -> None:
    service_id, agenda_id = setup(stack, capacity=1)
    ids = EventIds()
    orders = orders_of(stack, clock, ids)
    ticket = orders.new_ticket(NewTicket(service_id, 1, "Sem sinal", "Maria", "11987654321"))
    order = orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10)), ticket_id=ticket.id),
                        ticket=ticket)
    store = DynamoOrderStore(stack.settings.zone)
    assert store.get(order.id) == order and store.get_ticket(ticket.id) == replace(ticket, order_ids=(order.id,))
    assert counters(stack, agenda_id) == {f"{MONDAY.isoformat()}#09:00": 1, f"{MONDAY.isoformat()}#DIA": 1}
    rows = outbox_rows()
    assert list(rows) == [key_of(clock(), "evento-1")]
    event = rows[key_of(clock(), "evento-1")]
    assert (event["type"], event["id"]) == (SCHEDULED, "evento-1")
    assert (event["payload"]["id_ordem_servico"], event["payload"]["inicio"]) == (order.id, at(9).isoformat())


def test_an_os_refused_for_a_full_slot_leaves_no_outbox_row(stack: Container, clock: MutableClock) -> None:
    service_id, agenda_id = setup(stack, capacity=1)
    ids = EventIds()
    orders = orders_of(stack, clock, ids)
    first = orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    opened_at = clock()
    clock.advance(minutes=1)
    with pytest.raises(AgendaRefusal) as refused:
        orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    assert refused.value.reason == "horario_lotado"
    # The refused open built its event (evento-2) and sent it in the transaction DynamoDB cancelled.
    assert ids.issued == ["evento-1", "evento-2"]
    assert list(outbox_rows()) == [key_of(opened_at, "evento-1")]
    assert DynamoOrderStore(stack.settings.zone).get(first.id + 1) is None
    assert counters(stack, agenda_id) == {f"{MONDAY.isoformat()}#09:00": 1, f"{MONDAY.isoformat()}#DIA": 1}


@pytest.mark.parametrize("how", ["event id longer than a sort key", "two puts of one outbox key"])
def test_an_outbox_row_that_cannot_be_written_aborts_its_os(stack: Container, clock: MutableClock, how: str) -> None:
    service_id, agenda_id = setup(stack)
    zone = stack.settings.zone
    if how == "event id longer than a sort key":
        orders = orders_of(stack, clock, EventIds(OVERSIZED_ID))
    else:
        orders = orders_of(stack, clock, EventIds(), RepeatingOutbox(zone))
    ticket = orders.new_ticket(NewTicket(service_id, 1, "Sem sinal", "Maria", "11987654321"))
    failure: Exception | None = None
    try:
        orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10)), ticket_id=ticket.id),
                    ticket=ticket)
    except (TransactWriteError, PutError) as exc:
        failure = exc
    # Nothing of the open was written: not the OS (the first one: id 1), its ticket, its counters, its event, its
    # history entry.
    store = DynamoOrderStore(zone)
    assert store.get(1) is None and store.get_ticket(ticket.id) is None and store.history(1) == ([], [])
    assert counters(stack, agenda_id) == {}
    assert outbox_rows() == {}
    # DynamoDB rejected the transaction as a whole, and the caller hears of it.
    assert isinstance(failure, TransactWriteError) and failure.cause_response_code == "ValidationException"
    # The same open with a writable event goes through (as OS 2: the failed one was 1): the failure was the outbox
    # row alone.
    order = orders_of(stack, clock, EventIds()).open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    assert order.id == 2 and store.get(order.id) == order
    assert list(outbox_rows()) == [key_of(clock(), "evento-1")]
