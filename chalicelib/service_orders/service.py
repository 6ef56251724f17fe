"""Scheduling use cases of service orders; every one goes through ``_commit``,
which recomputes what the OS holds in its agenda and in its technicians' days
and lets the store apply the OS write, the counter moves, the rewritten
technician days, the notification event and the history entry of the change
in one transaction."""
from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo
from typing import Protocol

from chalicelib.agenda.booking import (
    MAX_COUNTERS_PER_CHANGE,
    AgendaChangedError,
    Booking,
    CapacityExhaustedError,
    CounterMoves,
    book,
    moves,
)
from chalicelib.agenda.model import Agenda, AgendaRefusal, Interval, admit
from chalicelib.agenda.service import AgendaService
from chalicelib.agenda.technician_time import (
    DayKey,
    TechnicianBusy,
    TechnicianDay,
    TechnicianDayChangedError,
    Visit,
    changed_days,
    rewrite,
    visits,
)
from chalicelib.clock import Clock
from chalicelib.customers.model import Service
from chalicelib.errors import ConflictError, ValidationError, require_found
from chalicelib.ports import Sequences
from chalicelib.queues import Message
from chalicelib.service_orders import history
from chalicelib.service_orders.catalogues import CLOSING_REASONS, UNSCHEDULE_REASONS, Catalogues, CatalogueSet
from chalicelib.service_orders.events import order_events
from chalicelib.service_orders.model import (
    AWAITING,
    CANCELLED,
    FINISHED,
    LIVE_STATUSES,
    MAX_CANCEL_REASON,
    PENDING,
    Action,
    Closing,
    HistoryEntry,
    OrderCustomer,
    OrderMessage,
    ServiceOrder,
    Ticket,
)
from chalicelib.technicians.service import Technician
from chalicelib.tickets.model import DEFAULT_STATUS, status_by_id
from chalicelib.tickets.service import TicketClosedError

__all__ = ["TicketClosedError"]  # the store's refusal of an OS opened from a closed ticket

MAX_ATTEMPTS = 4


class OrderStore(Protocol):
    def get(self, order_id: int) -> ServiceOrder | None: ...
    def save(self, order: ServiceOrder, expected_version: int | None, moves: CounterMoves,
             events: Sequence[Message] = (), written_at: datetime | None = None,
             ticket: Ticket | None = None, days: Sequence[TechnicianDay] = (),
             entry: HistoryEntry | None = None, attach_to: int | None = None) -> None: ...
    def get_many(self, order_ids: Sequence[int]) -> dict[int, ServiceOrder]: ...
    def technician_days(self, keys: Sequence[DayKey]) -> list[TechnicianDay]: ...
    def record_days(self, order: ServiceOrder, days: Sequence[TechnicianDay]) -> None: ...
    def add_ticket(self, ticket: Ticket) -> None: ...
    def get_ticket(self, ticket_id: int) -> Ticket | None: ...
    def tickets(self, ticket_ids: Sequence[int]) -> dict[int, Ticket]: ...
    def add_message(self, message: OrderMessage) -> None: ...
    def messages(self, order_id: int) -> list[OrderMessage]: ...
    def history(self, order_id: int) -> tuple[list[HistoryEntry], list[OrderMessage]]: ...


class ServiceLookup(Protocol):
    def service(self, service_id: int) -> Service: ...


class TechnicianLookup(Protocol):
    def get_many(self, technician_ids: Iterable[int]) -> dict[int, Technician]: ...
    def unassignable(self, technician_ids: Iterable[int], kept: Iterable[int] = ()) -> list[str]: ...


class TransientConflictError(Exception):
    """DynamoDB cancelled the transaction because another one touched the same items."""


class OrderChangedError(ConflictError):
    """The store refused the write: another change wrote the OS since it was read (or, creating it, it exists)."""

    def __init__(self) -> None:
        super().__init__("A ordem de serviço foi alterada por outra requisição; consulte-a e tente de novo.")


class TicketExistsError(ConflictError):
    """The store refused the atendimento an OS is opened with: one with its id exists."""

    def __init__(self) -> None:
        super().__init__("O atendimento já existe; tente de novo.")


@dataclass(frozen=True)
class NewServiceOrder:
    customer_service_id: int
    agenda_id: int | None = None
    interval: Interval | None = None
    technician_ids: tuple[int, ...] = ()
    status: str = AWAITING
    description: str = ""
    priority: str = "normal"
    type_id: int | None = None
    ticket_id: int | None = None
    opened_by: str = ""
    opening_description: str = ""
    availability: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewTicket:
    customer_service_id: int
    type_id: int
    description: str
    name: str
    phone: str
    email: str = ""
    opened_by: str = ""
    opened_by_id: int | None = None
    responsible_id: int | None = None  # default: whoever opens it
    status_id: int = DEFAULT_STATUS
    parameters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OrderEdit:
    """Changes to an open OS; None leaves a field as it is. ``clear_agenda`` takes the OS out of its agenda (its
    places are released; a programmed interval stays, without an agenda)."""

    agenda_id: int | None = None
    description: str | None = None
    priority: str | None = None
    technician_ids: tuple[int, ...] | None = None
    clear_agenda: bool = False


class ServiceOrderService:
    def __init__(self, store: OrderStore, services: ServiceLookup, agendas: AgendaService, sequences: Sequences,
                 clock: Clock, new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
                 sleep: Callable[[float], None] = time.sleep, zone: tzinfo = UTC,
                 technicians: TechnicianLookup | None = None, catalogues: Catalogues | None = None) -> None:
        self._zone = zone
        # Names the reasons in the history's text (tests without a catalogue store read the defaults).
        self._catalogues = catalogues
        # Names a busy technician in a refusal and refuses an inactive one newly added (left out only by tests
        # that add no technicians).
        self._technicians = technicians
        self._store = store
        self._new_id = new_id
        self._services = services
        self._agendas = agendas
        self._sequences = sequences
        self._clock = clock
        self._sleep = sleep

    def open(self, new: NewServiceOrder, ticket: Ticket | None = None) -> ServiceOrder:
        """Open an OS; with ``ticket``, the ticket is written in the same
        transaction (an OS the agenda refuses leaves no ticket behind); else the
        ticket it is opened from (``ticket_id``) gets the OS in that transaction,
        only while it is open."""
        if new.status not in LIVE_STATUSES:
            raise ValidationError([f"O campo status deve ser {AWAITING} ou {PENDING}."])
        if new.status == PENDING and new.interval is None:
            raise ValidationError(["Uma OS pendente precisa de data programada."])
        service = self._services.service(new.customer_service_id)
        order_id = self._sequences.next_id("ordem_servico")
        # The OS number is its id: sequential, one counter, one call.
        order = ServiceOrder(
            id=order_id, number=order_id,
            customer_service_id=service.id, customer_id=service.customer_id, status=new.status,
            created_at=self._clock(), agenda_id=new.agenda_id, interval=new.interval,
            technician_ids=new.technician_ids, description=new.description, priority=new.priority, version=0,
            type_id=new.type_id, ticket_id=new.ticket_id, opened_by=new.opened_by,
            opening_description=new.opening_description, availability=new.availability,
            customer=_order_customer(service),
        )
        if ticket is not None:
            ticket = replace(ticket, order_ids=(*ticket.order_ids, order_id))
        return self._commit(None, order, Action.OPENED, new.opened_by, service=service, ticket=ticket,
                            attach_to=new.ticket_id if ticket is None else None)

    def new_ticket(self, new: NewTicket) -> Ticket:
        """A ticket with its id and protocol, not stored yet (see ``open_ticket`` and ``open``)."""
        status = status_by_id(new.status_id)
        if status is None:
            raise ValidationError([f"Status de atendimento de ID {new.status_id} não encontrado."])
        if status.closed:
            raise ValidationError([f"Um atendimento não é aberto com o status {status.description}."])
        service = self._services.service(new.customer_service_id)
        ticket_id = self._sequences.next_id("atendimento")
        now = self._clock()
        local_day = now.astimezone(self._zone).strftime("%Y%m%d")
        return Ticket(
            id=ticket_id, protocol=f"{local_day}{ticket_id:06d}", customer_service_id=service.id,
            customer_id=service.customer_id, type_id=new.type_id, description=new.description, name=new.name,
            phone=new.phone, email=new.email, status=status.prefix, created_at=now, opened_by=new.opened_by,
            opened_by_id=new.opened_by_id,
            responsible_id=new.responsible_id if new.responsible_id is not None else new.opened_by_id,
            parameters=new.parameters, holder=service.holder, service_name=service.name, address=service.address,
            version=1,
        )

    def open_ticket(self, ticket: Ticket) -> Ticket:
        self._store.add_ticket(ticket)
        return ticket

    def ticket(self, ticket_id: int) -> Ticket:
        return require_found(self._store.get_ticket(ticket_id), f"Atendimento de ID {ticket_id} não encontrado")

    def tickets(self, ticket_ids: Sequence[int]) -> dict[int, Ticket]:
        """Tickets by id, read together (unknown ids are left out)."""
        return self._store.tickets(ticket_ids) if ticket_ids else {}

    def add_message(self, order_id: int, user_id: int, text: str, ip: str | None = None,
                    username: str = "") -> OrderMessage:
        order = self.get(order_id)
        message = OrderMessage(id=self._sequences.next_id("ordem_servico_mensagem"), order_id=order.id,
                               user_id=user_id, text=text, created_at=self._clock(), ip=ip, username=username)
        self._store.add_message(message)
        return message

    def messages(self, order_id: int) -> list[OrderMessage]:
        return self._store.messages(order_id)

    def history(self, order_id: int) -> tuple[list[history.TimelineItem], list[OrderMessage]]:
        """The OS's changes and messages, oldest first (one read of the OS's partition), and its messages."""
        entries, messages = self._store.history(order_id)
        return history.timeline(entries, messages), sorted(messages, key=lambda m: m.id)

    def get_many(self, order_ids: Sequence[int]) -> dict[int, ServiceOrder]:
        """OS by id, read together (unknown ids are left out)."""
        return self._store.get_many(order_ids) if order_ids else {}

    def get(self, order_id: int) -> ServiceOrder:
        return require_found(self._store.get(order_id), f"Ordem de serviço de ID {order_id} não encontrada")

    def reschedule(self, order_id: int, interval: Interval, agenda_id: int | None = None,
                   technician_ids: tuple[int, ...] | None = None, *, by: str = "") -> ServiceOrder:
        """Move and/or resize (and optionally change agenda or technicians); the OS becomes pendente.
        An OS without agenda (as HubSoft allows) takes no agenda place."""
        current = self._live(order_id)
        target_agenda = agenda_id if agenda_id is not None else current.agenda_id
        technicians = current.technician_ids if technician_ids is None else technician_ids
        return self._commit(current, replace(current, agenda_id=target_agenda, interval=interval, status=PENDING,
                                             technician_ids=technicians), Action.RESCHEDULED, by)

    def confirm(self, order_id: int, *, by: str = "") -> ServiceOrder:
        """HubSoft's ``agendar``: an OS with programmed dates becomes pendente."""
        current = self._live(order_id)
        if current.interval is None:
            raise ValidationError([f"A ordem de serviço {current.number} não tem data programada: "
                                   "use ordem_servico/reagendar para agendá-la."])
        return self._commit(current, replace(current, status=PENDING), Action.SCHEDULED, by)

    def change_agenda(self, order_id: int, agenda_id: int | None, *, by: str = "") -> ServiceOrder:
        """Move the OS to another agenda (None: out of any); checked like ``edit``."""
        return self.edit(order_id, OrderEdit(agenda_id=agenda_id, clear_agenda=agenda_id is None), by=by)

    def edit(self, order_id: int, edit: OrderEdit, *, by: str = "") -> ServiceOrder:
        """Change an open OS. An agenda it enters is checked by its rules (with programmed dates: all of them,
        places included; without: active and serving the customer's city); one it leaves gets its places back."""
        current = self._live(order_id)
        if edit.clear_agenda:
            agenda_id = None
        else:
            agenda_id = current.agenda_id if edit.agenda_id is None else edit.agenda_id
        return self._commit(current, replace(
            current,
            agenda_id=agenda_id,
            description=current.description if edit.description is None else edit.description,
            priority=current.priority if edit.priority is None else edit.priority,
            technician_ids=current.technician_ids if edit.technician_ids is None else edit.technician_ids,
        ), Action.EDITED, by)

    def unschedule(self, order_id: int, reason_id: int | None = None, note: str = "", *,
                   by: str = "") -> ServiceOrder:
        """Back to aguardando_agendamento; its places are released."""
        current = self._live(order_id)
        if current.interval is None:
            raise ValidationError([f"A ordem de serviço {current.number} não tem agendamento para remover."])
        known = self._catalogue().find(UNSCHEDULE_REASONS, reason_id)
        reason = f"Motivo: {known.description}." if known else ""
        if note:
            reason = f"{reason} Observação: {note}".strip()
        return self._commit(current, replace(current, interval=None, status=AWAITING,
                                             unschedule_reason_id=reason_id, unschedule_note=note),
                            Action.UNSCHEDULED, by, reason=reason)

    def cancel(self, order_id: int, reason: str, *, by: str = "") -> ServiceOrder:
        """Cancel an OS awaiting scheduling or scheduled, with the client's reason: its agenda places and its
        technicians' time are released in the transaction that cancels it. A closed or cancelled OS is refused,
        also when another request closed or cancelled it between the read and the write (the OS's version
        condition lets exactly one of them through)."""
        reason = reason.strip()
        if not reason or len(reason) > MAX_CANCEL_REASON:
            raise ValidationError([f"Informe o motivo do cancelamento (até {MAX_CANCEL_REASON} caracteres)."])
        current = self._cancellable(order_id)
        try:
            return self._commit(current, replace(current, status=CANCELLED), Action.CANCELLED, by,
                                reason=f"Motivo: {reason}")
        except OrderChangedError:
            self._cancellable(order_id)  # the change that won closed or cancelled it: say so
            raise

    def finish(self, order_id: int, closing: Closing | None = None, *, by: str = "") -> ServiceOrder:
        current = self._live(order_id)
        note = _closing_note(closing, self._catalogue()) if closing else ""
        return self._commit(current, replace(current, status=FINISHED, closing=closing), Action.CLOSED,
                            by or (closing.closed_by if closing else ""), reason=note)

    def record_technician_time(self, order_id: int) -> bool:
        """Write a scheduled OS into its technicians' days (OS booked before those days were kept: ``python -m
        ops record-technician-time``); False when it takes no technician time. Refuses, writing nothing, when a
        technician is busy with another OS then. Neither the OS nor its agenda places change."""
        for attempt in range(MAX_ATTEMPTS):
            order = self.get(order_id)
            after = _visits(order)
            if not after:
                return False
            if len(after) > MAX_COUNTERS_PER_CHANGE:
                raise ValidationError(["O intervalo programado é longo demais para os técnicos da OS; divida a OS."])
            days = self._technician_days(order.id, sorted(after), after)
            try:
                self._store.record_days(order, days)
            except (TechnicianDayChangedError, ConflictError):  # the OS or a day changed: read both again
                self._sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311 - jitter, not crypto
                continue
            return True
        raise ConflictError("A agenda do técnico está sendo alterada por outras requisições; tente de novo.")

    def _catalogue(self) -> CatalogueSet:
        return self._catalogues.load() if self._catalogues is not None else CatalogueSet.defaults()

    def _live(self, order_id: int) -> ServiceOrder:
        order = self.get(order_id)
        if order.status not in LIVE_STATUSES:
            raise ValidationError([f"A ordem de serviço {order.number} está {order.status} e não pode ser alterada."])
        return order

    def _cancellable(self, order_id: int) -> ServiceOrder:
        order = self.get(order_id)
        if order.status == CANCELLED:
            raise ValidationError([f"A ordem de serviço {order.number} já está cancelada."])
        if order.status not in LIVE_STATUSES:
            raise ValidationError([f"A ordem de serviço {order.number} está finalizada e não pode ser cancelada."])
        return order

    def _commit(self, current: ServiceOrder | None, updated: ServiceOrder, action: Action, by: str, *,
                reason: str = "", service: Service | None = None, ticket: Ticket | None = None,
                attach_to: int | None = None) -> ServiceOrder:
        """Write ``updated`` with the counter moves from ``current``, its
        technicians' days, its event and its history entry (``action`` by
        ``by``, with ``reason``), retrying only what is safe to retry: a
        changed agenda or technician day (recomputed from a fresh read) and
        DynamoDB's transient transaction conflicts."""
        self._check_added_technicians(current, updated)
        before = _visits(current) if current else {}
        after = _visits(updated)
        day_keys = changed_days(before, after)
        for attempt in range(MAX_ATTEMPTS):
            agenda, booking = self._booking(current, updated, service)
            change = moves(current.held if current else frozenset(), booking)
            if booking is None and agenda is not None:  # admitted without dates: the rules hold at commit too
                change = replace(change, check_agenda=(agenda.id, agenda.version))
            if change.size > MAX_COUNTERS_PER_CHANGE:
                raise ValidationError(["O intervalo programado é longo demais para a agenda; divida a OS."])
            if change.size + len(day_keys) > MAX_COUNTERS_PER_CHANGE:
                raise ValidationError(["O intervalo programado é longo demais para os técnicos da OS; divida a OS."])
            days = self._technician_days(updated.id, day_keys, after)
            final = replace(updated, version=updated.version + 1,
                            held=frozenset(booking.counters()) if booking else frozenset())
            events = order_events(current, final, self._new_id)
            now = self._clock()
            detail = history.opened(final) if current is None else history.changes(current, final, reason)
            entry = HistoryEntry(final.id, final.version, now, by, action, detail)
            try:
                self._store.save(final, current.version if current else None, change, events, now,
                                 ticket=ticket, days=days, entry=entry, attach_to=attach_to)
            except CapacityExhaustedError as full:
                assert agenda is not None
                raise _full(agenda, full) from full
            except (AgendaChangedError, TechnicianDayChangedError, TransientConflictError):
                if attempt == MAX_ATTEMPTS - 1:
                    raise ConflictError("A agenda está sendo alterada por outras requisições; tente de novo.") \
                        from None
                self._sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311 - jitter, not crypto
                continue
            return final
        raise AssertionError("unreachable")

    def _check_added_technicians(self, current: ServiceOrder | None, updated: ServiceOrder) -> None:
        """An inactive technician stays on the OS it is on, but is added to none (nor named at its closing
        unless it was on it)."""
        named = (*updated.technician_ids, *(updated.closing.technician_ids if updated.closing else ()))
        kept = current.technician_ids if current else ()
        added = [t for t in dict.fromkeys(named) if t not in kept]
        if added and self._technicians is not None:
            errors = self._technicians.unassignable(added)
            if errors:
                raise ValidationError(errors)

    def _technician_days(self, order_id: int, keys: Sequence[DayKey],
                         after: Mapping[DayKey, Visit]) -> tuple[TechnicianDay, ...]:
        """The technicians' days the change rewrites, from a fresh read; refuses an overlap."""
        if not keys:
            return ()
        try:
            return rewrite(order_id, after, self._store.technician_days(keys))
        except TechnicianBusy as busy:
            raise self._busy(busy) from None

    def _busy(self, busy: TechnicianBusy) -> AgendaRefusal:
        found = self._technicians.get_many([busy.technician_id]) if self._technicians else {}
        known = found.get(busy.technician_id)
        name = known.name if known else f"de ID {busy.technician_id}"
        start, end = busy.visit.interval.start, busy.visit.interval.end
        if start.date() == end.date():
            when = f"das {start:%H:%M} às {end:%H:%M} de {start:%d/%m/%Y}"
        else:
            when = f"das {start:%H:%M} de {start:%d/%m/%Y} às {end:%H:%M} de {end:%d/%m/%Y}"
        return AgendaRefusal("tecnico_ocupado",
                             f"O técnico {name} já tem a OS {busy.visit.number} {when} neste horário.")

    def _booking(self, current: ServiceOrder | None, order: ServiceOrder,
                 service: Service | None) -> tuple[Agenda | None, Booking | None]:
        """The agenda ``order`` is checked against and what it holds there. A live OS with an agenda and an
        interval is booked by every rule of its agenda; one without an interval entering an agenda (opened in
        it, or moved to it) is admitted by the rules that need no date (active, serves the customer's city)
        and holds nothing."""
        if order.occupies_capacity:
            assert order.agenda_id is not None and order.interval is not None
            agenda = self._agendas.get(order.agenda_id)
            address = (service or self._services.service(order.customer_service_id)).address
            return agenda, book(agenda, order.interval, address.cidade, address.uf, self._agendas.holiday)
        enters = order.agenda_id is not None and (current is None or current.agenda_id != order.agenda_id)
        if order.status in LIVE_STATUSES and enters:
            assert order.agenda_id is not None
            agenda = self._agendas.get(order.agenda_id)
            address = (service or self._services.service(order.customer_service_id)).address
            admit(agenda, address.cidade, address.uf)
            return agenda, None
        return None, None


def _closing_note(closing: Closing, names: CatalogueSet) -> str:
    entry = names.find(CLOSING_REASONS, closing.reason_id)
    parts = [f"Fechamento: {closing.status}" + (f" ({entry.description})" if entry else "") + "."]
    if closing.description:
        parts.append(closing.description)
    return " ".join(parts)


def _visits(order: ServiceOrder) -> dict[DayKey, Visit]:
    return visits(order.id, order.number, order.technician_ids, order.busy_interval)


def _order_customer(service: Service) -> OrderCustomer | None:
    holder = service.holder
    if holder is None:
        return None
    return OrderCustomer(code=holder.code, name=holder.name, document=holder.document, service_name=service.name,
                         address=service.address)


def _full(agenda: Agenda, error: CapacityExhaustedError) -> AgendaRefusal:
    day_text, _, slot = error.counter.key.partition("#")
    day = date.fromisoformat(day_text).strftime("%d/%m/%Y")
    if error.is_daily_limit:
        return AgendaRefusal("limite_diario",
                             f"A agenda {agenda.description} já atingiu o limite diário de {agenda.daily_limit} "
                             f"OS em {day}.")
    return AgendaRefusal("horario_lotado", f"O horário das {slot} de {day} da agenda {agenda.description} está lotado.")
