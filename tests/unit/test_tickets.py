"""Ticket rules with in-memory fakes: statuses, the SLA fields, finding by protocol, changing and closing (never
while an OS of the ticket is open, never twice), and messages only on an open ticket."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.agenda.model import Interval
from chalicelib.errors import ValidationError
from chalicelib.service_orders.model import CANCELLED, PENDING, ServiceOrder
from chalicelib.tickets.model import Ticket, TicketClosing, timing
from chalicelib.tickets.service import Author, Closing, TicketChange, TicketClosedError, TicketService
from tests.conftest import MutableClock
from tests.fakes import InMemoryAgendaStore, InMemoryOrderStore, InMemorySequences, InMemoryTicketStore

OPENED = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)
ADMIN = Author(1, "admin")


def ticket(**changes: object) -> Ticket:
    base = Ticket(id=7, protocol="20261210000007", customer_service_id=1, customer_id=1, type_id=1,
                  description="Sem conexão", name="Maria", phone="11987654321", email="", status="pendente",
                  created_at=OPENED, opened_by="admin", opened_by_id=1, version=1)
    return replace(base, **changes)  # type: ignore[arg-type]


class Desk:
    def __init__(self, *tickets: Ticket, orders: tuple[ServiceOrder, ...] = ()) -> None:
        self.clock = MutableClock(OPENED + timedelta(hours=1))
        self.orders = InMemoryOrderStore(InMemoryAgendaStore())
        self.orders.stored_tickets.update({t.id: t for t in tickets})
        self.orders.orders.update({o.id: o for o in orders})
        self.store = InMemoryTicketStore(self.orders)
        self.service = TicketService(self.store, self.orders, InMemorySequences(), self.clock)


def order(status: str) -> ServiceOrder:
    start = datetime(2026, 12, 14, 9)
    return ServiceOrder(id=3, number=3, customer_service_id=1, customer_id=1, status=status, created_at=OPENED,
                        interval=Interval(start, start + timedelta(hours=1)), ticket_id=7)


@pytest.mark.parametrize("type_id, minutes, expected", [
    (1, 0, (0, "24:00", 100, "success")),
    (2, 5 * 60, (300, "03:00", 37, "warning")),  # SUPORTE TÉCNICO: 8 h
    (2, 7 * 60, (420, "01:00", 12, "danger")),
    (2, 9 * 60, (540, "00:00", 0, "danger")),  # past its SLA
    (101, 60, (60, "23:00", 95, "success")),  # a type with no SLA of its own: 24 h
])
def test_timing_against_the_types_sla(type_id: int, minutes: int, expected: tuple[object, ...]) -> None:
    shown = timing(ticket(type_id=type_id), OPENED + timedelta(minutes=minutes))
    assert (shown.minutes_open, shown.remaining, shown.percent_remaining, shown.color_class) == expected


def test_a_closed_tickets_time_stops_at_its_closing() -> None:
    closed = ticket(closing=TicketClosing(closed_at=OPENED + timedelta(minutes=90)))
    assert timing(closed, OPENED + timedelta(days=30)).minutes_open == 90


def test_a_protocol_finds_its_ticket_and_only_its_own() -> None:
    desk = Desk(ticket())
    assert desk.service.by_protocol("20261210000007") == ticket()
    assert desk.service.by_protocol("20261211000007") is None  # the id, another day
    assert desk.service.by_protocol("2026121") is None and desk.service.by_protocol("2026121000000x") is None


def test_a_change_merges_parameters_and_keeps_what_it_does_not_name() -> None:
    desk = Desk(ticket(parameters=(("a", "1"), ("b", "2"))))
    changed = desk.service.change(7, TicketChange(parameters=(("b", "3"), ("c", "4")), responsible_id=9,
                                                  status_id=3), ADMIN)
    assert (dict(changed.parameters), changed.responsible_id, changed.status, changed.description,
            changed.version) == ({"a": "1", "b": "3", "c": "4"}, 9, "em_andamento", "Sem conexão", 2)
    assert desk.store.get(7) == changed


@pytest.mark.parametrize("change, fragment", [
    (TicketChange(status_id=5), "use fechar_atendimento"),
    (TicketChange(status_id=42), "Status de atendimento de ID 42 não encontrado"),
])
def test_refused_changes_write_nothing(change: TicketChange, fragment: str) -> None:
    desk = Desk(ticket())
    with pytest.raises(ValidationError) as refused:
        desk.service.change(7, change, ADMIN)
    assert fragment in " ".join(refused.value.errors)
    assert desk.store.get(7) == ticket()


def test_closing_waits_for_the_tickets_open_os() -> None:
    desk = Desk(ticket(order_ids=(3,)), orders=(order(PENDING),))
    with pytest.raises(ValidationError) as refused:
        desk.service.change(7, TicketChange(closing=Closing(description="Resolvido")), ADMIN)
    assert "ordem de serviço aberta (3)" in refused.value.errors[0]
    desk.orders.orders[3] = order(CANCELLED)
    closed = desk.service.change(7, TicketChange(closing=Closing(description="Resolvido", reason_id=2)), ADMIN)
    assert closed.status == "resolvido" and closed.closing == TicketClosing(
        closed_at=desk.clock.now, description="Resolvido", reason_id=2, closed_by="admin", closed_by_id=1)
    with pytest.raises(TicketClosedError, match="O atendimento 7 está fechado"):
        desk.service.change(7, TicketChange(description="de novo"), ADMIN)


def test_messages_only_on_an_open_ticket() -> None:
    desk = Desk(ticket(), ticket(id=8, closing=TicketClosing(closed_at=OPENED)))
    message = desk.service.add_message(7, "  Liguei para a cliente  ", ADMIN)
    assert (message.text, message.user_id, message.username) == ("Liguei para a cliente", 1, "admin")
    assert desk.service.messages(7) == [message]
    with pytest.raises(TicketClosedError):
        desk.service.add_message(8, "Tarde demais", ADMIN)
    with pytest.raises(ValidationError):
        desk.service.add_message(7, "   ", ADMIN)
    assert desk.service.messages(8) == []
