"""Ticket use cases beyond opening one (which ServiceOrderService does, with or without its OS): finding a
customer's, a service's or a period's tickets, changing and closing one, and its messages.

Every change is written at the version it was read at (a concurrent change makes one of them fail, and the
loser is told what the winner did); a message is written only while its ticket is open, checked in the
message's own transaction. A ticket is closed only when none of its OS is still open (aguardando_agendamento
or pendente): cancelling a visit frees agenda places and tells the customer, which is the operator's call
(``ordem_servico/cancelar`` or ``fechar``). An OS opened from the ticket adds itself to the ticket (bumping
its version) in its own transaction, and only while the ticket is open, so a close that raced with it fails.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from chalicelib.clock import Clock
from chalicelib.errors import ConflictError, ValidationError, require_found
from chalicelib.ports import Sequences
from chalicelib.service_orders.model import LIVE_STATUSES, ServiceOrder
from chalicelib.tickets.model import (
    CLOSING_STATUSES,
    MAX_PARAMETERS,
    RESOLVED,
    Ticket,
    TicketClosing,
    TicketMessage,
    status_by_id,
)

MAX_ATTEMPTS = 3


class TicketChangedError(ConflictError):
    """Another request changed the ticket since it was read."""

    def __init__(self) -> None:
        super().__init__("O atendimento foi alterado por outra requisição; consulte-o e tente de novo.")


class TicketClosedError(ConflictError):
    """The ticket is closed: no OS is opened from it and no message is added to it."""

    def __init__(self, ticket_id: int | None = None) -> None:
        which = f" {ticket_id}" if ticket_id is not None else ""
        super().__init__(f"O atendimento{which} está fechado; abra um novo atendimento.")


class TicketStore(Protocol):
    def get(self, ticket_id: int) -> Ticket | None: ...
    def get_many(self, ticket_ids: Sequence[int]) -> dict[int, Ticket]: ...
    def by_customer(self, customer_id: int) -> list[Ticket]: ...
    def by_service(self, service_id: int) -> list[Ticket]: ...
    def opened_between(self, first: datetime, last: datetime) -> list[Ticket]: ...
    def write(self, ticket: Ticket, expected_version: int) -> None: ...
    def add_message(self, message: TicketMessage) -> None: ...
    def messages(self, ticket_id: int) -> list[TicketMessage]: ...


class OrderLookup(Protocol):
    def get_many(self, order_ids: Sequence[int]) -> dict[int, ServiceOrder]: ...


@dataclass(frozen=True)
class Closing:
    """``fechar_atendimento`` and what comes with it."""

    description: str = ""
    status: str = CLOSING_STATUSES[0]
    reason_id: int | None = None


@dataclass(frozen=True)
class TicketChange:
    """``PUT atendimento/{id}``: None leaves a field as it is; ``parameters`` are merged into the stored ones."""

    parameters: tuple[tuple[str, str], ...] = ()
    description: str | None = None
    responsible_id: int | None = None
    status_id: int | None = None
    closing: Closing | None = None


@dataclass(frozen=True)
class Author:
    user_id: int
    username: str


class TicketService:
    def __init__(self, store: TicketStore, orders: OrderLookup, sequences: Sequences, clock: Clock) -> None:
        self._store = store
        self._orders = orders
        self._sequences = sequences
        self._clock = clock

    def get(self, ticket_id: int) -> Ticket:
        return require_found(self._store.get(ticket_id), f"Atendimento de ID {ticket_id} não encontrado")

    def by_protocol(self, protocol: str) -> Ticket | None:
        """The ticket of a protocol (``<YYYYMMDD><id>``, its id after the date): one read."""
        text = protocol.strip()
        if len(text) <= 8 or not text.isdigit() or not text.isascii():
            return None
        ticket = self._store.get(int(text[8:]))
        return ticket if ticket is not None and ticket.protocol == text else None

    def of_customer(self, customer_id: int) -> list[Ticket]:
        return self._store.by_customer(customer_id)

    def of_service(self, service_id: int) -> list[Ticket]:
        return self._store.by_service(service_id)

    def opened_between(self, first: datetime, last: datetime) -> list[Ticket]:
        return self._store.opened_between(first, last)

    def orders(self, tickets: Sequence[Ticket]) -> dict[int, ServiceOrder]:
        """The OS opened from ``tickets``, by id (one batch read)."""
        ids = [o for t in tickets for o in t.order_ids]
        return self._orders.get_many(ids) if ids else {}

    def messages(self, ticket_id: int) -> list[TicketMessage]:
        return self._store.messages(ticket_id)

    def change(self, ticket_id: int, change: TicketChange, by: Author) -> Ticket:
        """Apply ``change`` (closing the ticket when it has a closing) at the version read; a concurrent change
        makes this one read again and decide again (a ticket closed meanwhile is refused as closed)."""
        for _ in range(MAX_ATTEMPTS):
            current = self.get(ticket_id)
            updated = self._changed(current, change, by)
            try:
                self._store.write(updated, current.version)
            except TicketChangedError:
                continue
            return updated
        raise TicketChangedError()

    def add_message(self, ticket_id: int, text: str, by: Author) -> TicketMessage:
        text = text.strip()
        if not text:
            raise ValidationError(["O campo mensagem é obrigatório."])
        ticket = self.get(ticket_id)
        if not ticket.is_open:
            raise TicketClosedError(ticket.id)
        message = TicketMessage(id=self._sequences.next_id("atendimento_mensagem"), ticket_id=ticket.id,
                                user_id=by.user_id, text=text, created_at=self._clock(), username=by.username)
        self._store.add_message(message)  # refused if the ticket was closed meanwhile
        return message

    def _changed(self, current: Ticket, change: TicketChange, by: Author) -> Ticket:
        if not current.is_open:
            raise TicketClosedError(current.id)
        parameters = dict(current.parameters)
        parameters.update(change.parameters)
        if len(parameters) > MAX_PARAMETERS:
            raise ValidationError([f"O atendimento pode ter no máximo {MAX_PARAMETERS} parâmetros."])
        status = current.status
        if change.status_id is not None:
            chosen = status_by_id(change.status_id)
            if chosen is None:
                raise ValidationError([f"Status de atendimento de ID {change.status_id} não encontrado."])
            if chosen.closed and change.closing is None:
                raise ValidationError(["Para resolver o atendimento use fechar_atendimento."])
            status = chosen.prefix
        updated = replace(
            current, parameters=tuple(parameters.items()), status=status,
            description=current.description if change.description is None or change.closing is not None
            else change.description,
            responsible_id=current.responsible_id if change.responsible_id is None else change.responsible_id,
            version=current.version + 1)
        if change.closing is not None:
            self._check_closable(current)
            updated = replace(updated, status=RESOLVED, closing=TicketClosing(
                closed_at=self._clock(), status=change.closing.status,
                description=change.closing.description,
                reason_id=change.closing.reason_id, closed_by=by.username, closed_by_id=by.user_id))
        return updated

    def _check_closable(self, ticket: Ticket) -> None:
        orders = self._orders.get_many(ticket.order_ids) if ticket.order_ids else {}
        live = sorted(o.number for o in orders.values() if o.status in LIVE_STATUSES)
        if live:
            numbers = ", ".join(str(n) for n in live)
            raise ValidationError([f"O atendimento {ticket.protocol} tem ordem de serviço aberta ({numbers}): "
                                   "feche ou cancele a OS antes de fechar o atendimento."])

