"""Scheduling use cases of service orders; every one goes through ``_commit``,
which recomputes what the OS holds in its agenda and lets the store apply the
OS write and the counter moves in one transaction."""
from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from chalicelib.agenda.booking import (
    MAX_COUNTERS_PER_CHANGE,
    AgendaChangedError,
    Booking,
    CapacityExhaustedError,
    CounterMoves,
    book,
    moves,
)
from chalicelib.agenda.model import Agenda, AgendaRefusal, Interval
from chalicelib.agenda.service import AgendaService
from chalicelib.clock import Clock
from chalicelib.customers.model import Service
from chalicelib.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.ports import Sequences
from chalicelib.service_orders.events import order_events
from chalicelib.service_orders.model import AWAITING, CANCELLED, FINISHED, LIVE_STATUSES, PENDING, ServiceOrder

MAX_ATTEMPTS = 4


class OrderStore(Protocol):
    def get(self, order_id: int) -> ServiceOrder | None: ...
    def save(self, order: ServiceOrder, expected_version: int | None, moves: CounterMoves,
             events: Sequence[Mapping[str, Any]] = (), written_at: datetime | None = None) -> None: ...


class ServiceLookup(Protocol):
    def service(self, service_id: int) -> Service: ...


class TransientConflictError(Exception):
    """DynamoDB cancelled the transaction because another one touched the same items."""


@dataclass(frozen=True)
class NewServiceOrder:
    customer_service_id: int
    agenda_id: int | None = None
    interval: Interval | None = None
    technician_ids: tuple[int, ...] = ()
    status: str = AWAITING
    description: str = ""
    priority: str = "normal"


class ServiceOrderService:
    def __init__(self, store: OrderStore, services: ServiceLookup, agendas: AgendaService, sequences: Sequences,
                 clock: Clock, new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._store = store
        self._new_id = new_id
        self._services = services
        self._agendas = agendas
        self._sequences = sequences
        self._clock = clock
        self._sleep = sleep

    def open(self, new: NewServiceOrder) -> ServiceOrder:
        if new.status not in LIVE_STATUSES:
            raise ValidationError([f"O campo status deve ser {AWAITING} ou {PENDING}."])
        if (new.agenda_id is None) != (new.interval is None) and new.interval is not None:
            raise ValidationError(["Para programar a OS informe a agenda (id_agenda_ordem_servico)."])
        service = self._services.service(new.customer_service_id)
        order_id = self._sequences.next_id("ordem_servico")
        # The OS number is its id: sequential, one counter, one call.
        order = ServiceOrder(
            id=order_id, number=order_id,
            customer_service_id=service.id, customer_id=service.customer_id, status=new.status,
            created_at=self._clock(), agenda_id=new.agenda_id, interval=new.interval,
            technician_ids=new.technician_ids, description=new.description, priority=new.priority, version=0,
        )
        return self._commit(None, order, service)

    def get(self, order_id: int) -> ServiceOrder:
        order = self._store.get(order_id)
        if order is None:
            raise NotFoundError(f"Ordem de serviço de ID {order_id} não encontrada")
        return order

    def reschedule(self, order_id: int, interval: Interval, agenda_id: int | None = None) -> ServiceOrder:
        """Move and/or resize (and optionally change agenda); the OS becomes pendente."""
        current = self._live(order_id)
        target_agenda = agenda_id if agenda_id is not None else current.agenda_id
        if target_agenda is None:
            raise ValidationError(["A OS não tem agenda: informe id_agenda_ordem_servico."])
        return self._commit(current, replace(current, agenda_id=target_agenda, interval=interval, status=PENDING))

    def change_agenda(self, order_id: int, agenda_id: int | None) -> ServiceOrder:
        current = self._live(order_id)
        return self._commit(current, replace(current, agenda_id=agenda_id))

    def unschedule(self, order_id: int) -> ServiceOrder:
        """Back to aguardando_agendamento; its places are released."""
        current = self._live(order_id)
        return self._commit(current, replace(current, interval=None, status=AWAITING))

    def cancel(self, order_id: int) -> ServiceOrder:
        current = self._live(order_id)
        return self._commit(current, replace(current, status=CANCELLED))

    def finish(self, order_id: int) -> ServiceOrder:
        current = self._live(order_id)
        return self._commit(current, replace(current, status=FINISHED))

    def _live(self, order_id: int) -> ServiceOrder:
        order = self.get(order_id)
        if order.status not in LIVE_STATUSES:
            raise ValidationError([f"A ordem de serviço {order.number} está {order.status} e não pode ser alterada."])
        return order

    def _commit(self, current: ServiceOrder | None, updated: ServiceOrder,
                service: Service | None = None) -> ServiceOrder:
        """Write ``updated`` with the counter moves from ``current``, retrying
        only what is safe to retry: a changed agenda (recomputed from a fresh
        read) and DynamoDB's transient transaction conflicts."""
        for attempt in range(MAX_ATTEMPTS):
            agenda, booking = self._booking(updated, service)
            change = moves(current.held if current else frozenset(), booking)
            if change.size > MAX_COUNTERS_PER_CHANGE:
                raise ValidationError(["O intervalo programado é longo demais para a agenda; divida a OS."])
            final = replace(updated, version=updated.version + 1,
                            held=frozenset(booking.counters()) if booking else frozenset())
            events = order_events(current, final, self._new_id)
            try:
                self._store.save(final, current.version if current else None, change, events, self._clock())
            except CapacityExhaustedError as full:
                assert agenda is not None
                raise _full(agenda, full) from full
            except (AgendaChangedError, TransientConflictError):
                if attempt == MAX_ATTEMPTS - 1:
                    raise ConflictError("A agenda está sendo alterada por outras requisições; tente de novo.") \
                        from None
                self._sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311 - jitter, not crypto
                continue
            return final
        raise AssertionError("unreachable")

    def _booking(self, order: ServiceOrder, service: Service | None) -> tuple[Agenda | None, Booking | None]:
        if not order.occupies_capacity:
            return None, None
        assert order.agenda_id is not None and order.interval is not None
        agenda = self._agendas.get(order.agenda_id)
        address = (service or self._services.service(order.customer_service_id)).address
        return agenda, book(agenda, order.interval, address.cidade, address.uf, self._agendas.holiday)


def _full(agenda: Agenda, error: CapacityExhaustedError) -> AgendaRefusal:
    day_text, _, slot = error.counter.key.partition("#")
    day = date.fromisoformat(day_text).strftime("%d/%m/%Y")
    if error.is_daily_limit:
        return AgendaRefusal("limite_diario",
                             f"A agenda {agenda.description} já atingiu o limite diário de {agenda.daily_limit} "
                             f"OS em {day}.")
    return AgendaRefusal("horario_lotado", f"O horário das {slot} de {day} da agenda {agenda.description} está lotado.")
