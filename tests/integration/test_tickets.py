"""Tickets against DynamoDB (moto): the indexes each ticket list reads, an OS joining its ticket in its own
transaction, and the ticket's invariants under real concurrency (threads against moto's server)."""
from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib.container import Container
from chalicelib.errors import DomainError
from chalicelib.service_orders.model import LIVE_STATUSES
from chalicelib.service_orders.service import NewServiceOrder, NewTicket
from chalicelib.storage.models import OrderTableItem, TicketItem, TicketMessageItem
from chalicelib.storage.orders import DynamoOrderStore
from chalicelib.storage.tickets import DynamoTicketStore
from chalicelib.tickets.model import Ticket
from chalicelib.tickets.service import Author, Closing, TicketChange, TicketClosedError
from tests.conftest import MutableClock
from tests.integration.test_booking import setup
from tests.integration.test_races import RACERS, race

ADMIN = Author(user_id=1, username="admin")


def new_ticket(stack: Container, service_id: int, **changes: object) -> Ticket:
    ticket = stack.service_orders.new_ticket(NewTicket(
        customer_service_id=service_id, type_id=1, description="Sem conexão", name="Maria", phone="11987654321",
        opened_by="admin", opened_by_id=1, **changes))  # type: ignore[arg-type]
    return stack.service_orders.open_ticket(ticket)


def ids(tickets: list[Ticket]) -> list[int]:
    return [t.id for t in tickets]


def test_each_list_reads_its_own_index(stack: Container, clock: MutableClock) -> None:
    service_id, _ = setup(stack)
    customer_id = stack.customers.service(service_id).customer_id
    first = new_ticket(stack, service_id)
    clock.now = datetime(2026, 12, 31, 23, 30, tzinfo=clock.now.tzinfo)  # 20:30 local, still 2026
    second = new_ticket(stack, service_id)
    clock.advance(hours=4)  # 2027-01-01 00:30 local
    third = new_ticket(stack, service_id)
    store = DynamoTicketStore(stack.settings.zone)

    assert ids(store.by_customer(customer_id)) == [first.id, second.id, third.id]
    assert ids(store.by_service(service_id)) == [first.id, second.id, third.id]
    assert ids(store.opened_between(datetime(2026, 12, 31), datetime(2027, 1, 1, 23, 59))) == [second.id, third.id]
    assert ids(store.opened_between(datetime(2027, 1, 1), datetime(2027, 1, 1, 23, 59))) == [third.id]
    assert store.by_customer(customer_id + 1) == [] and store.by_service(service_id + 1) == []
    # the OS's own lists do not see tickets
    assert list(DynamoOrderStore(stack.settings.zone).by_customer(customer_id)) == []
    assert stack.tickets.by_protocol(third.protocol) == third
    assert third.protocol.startswith("20270101")
    assert stack.tickets.by_protocol(f"20261210{third.id:06d}") is None
    assert stack.tickets.by_protocol("abc") is None


def test_an_os_joins_its_open_ticket_in_its_own_transaction(stack: Container) -> None:
    service_id, _ = setup(stack)
    ticket = new_ticket(stack, service_id)
    order = stack.service_orders.open(NewServiceOrder(service_id, ticket_id=ticket.id))
    joined = stack.tickets.get(ticket.id)
    assert (joined.order_ids, joined.version) == ((order.id,), ticket.version + 1)

    stack.service_orders.cancel(order.id, "Resolvido por telefone")
    closed = stack.tickets.change(ticket.id, TicketChange(closing=Closing(description="ok")), ADMIN)
    assert closed.closing is not None and closed.status == "resolvido"
    before = sorted((i.pk, i.sk) for i in OrderTableItem.scan())
    with pytest.raises(TicketClosedError):
        stack.service_orders.open(NewServiceOrder(service_id, ticket_id=ticket.id))
    assert sorted((i.pk, i.sk) for i in OrderTableItem.scan()) == before  # no OS, no history, no event


def test_messages_live_in_the_tickets_partition(stack: Container) -> None:
    service_id, _ = setup(stack)
    ticket = new_ticket(stack, service_id)
    stack.tickets.add_message(ticket.id, "Primeira", ADMIN)
    stack.tickets.add_message(ticket.id, "Segunda", ADMIN)
    assert [m.text for m in stack.tickets.messages(ticket.id)] == ["Primeira", "Segunda"]
    assert all(isinstance(i, TicketMessageItem) for i in OrderTableItem.query(f"ATENDIMENTO#{ticket.id}",
                                                                                OrderTableItem.sk.startswith("MSG#")))


def test_a_legacy_ticket_reads_as_pending_at_version_0(stack: Container) -> None:
    service_id, _ = setup(stack)
    ticket = new_ticket(stack, service_id)
    item = TicketItem.get(f"ATENDIMENTO#{ticket.id}", "ATENDIMENTO")
    item.update(actions=[TicketItem.status.set("aberto"), TicketItem.version.remove()])
    read = stack.tickets.get(ticket.id)
    assert (read.status, read.version) == ("pendente", 0)
    changed = stack.tickets.change(ticket.id, TicketChange(description="Agora com versão"), ADMIN)
    assert stack.tickets.get(ticket.id).version == changed.version == 1


# ---------------------------------------------------------------- races
def test_racing_closes_close_once(server_stack: Container) -> None:
    service_id, _ = setup(server_stack)
    ticket = new_ticket(server_stack, service_id)
    wins, losses = race(lambda i: server_stack.tickets.change(
        ticket.id, TicketChange(closing=Closing(description=f"fechamento {i}")), ADMIN))
    assert len(wins) == 1 and len(losses) == RACERS - 1
    assert all(isinstance(e, DomainError) and "está fechado" in str(e) for e in losses), losses
    assert server_stack.tickets.get(ticket.id).closing == wins[0].closing


def test_racing_messages_are_all_kept(server_stack: Container) -> None:
    service_id, _ = setup(server_stack)
    ticket = new_ticket(server_stack, service_id)
    wins, losses = race(lambda i: server_stack.tickets.add_message(ticket.id, f"mensagem {i}", ADMIN))
    assert losses == [] and len(wins) == RACERS
    assert sorted(m.text for m in server_stack.tickets.messages(ticket.id)) == sorted(
        f"mensagem {i}" for i in range(RACERS))


def test_a_close_racing_os_openings_never_leaves_a_closed_ticket_with_an_open_os(server_stack: Container) -> None:
    service_id, _ = setup(server_stack)
    ticket = new_ticket(server_stack, service_id)

    def act(i: int) -> object:
        if i == 0:
            return server_stack.tickets.change(ticket.id, TicketChange(closing=Closing()), ADMIN)
        return server_stack.service_orders.open(NewServiceOrder(service_id, ticket_id=ticket.id))

    race(act)
    final = server_stack.tickets.get(ticket.id)
    orders = server_stack.service_orders.get_many(final.order_ids)
    assert len(orders) == len(final.order_ids)  # every OS that opened is on its ticket
    if final.closing is not None:
        assert not [o for o in orders.values() if o.status in LIVE_STATUSES]
    else:
        assert final.order_ids  # the close lost to an OS opened first
