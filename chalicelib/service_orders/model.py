"""The service order, its ticket (atendimento), its messages, its history,
and what of it occupies agenda capacity."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.agenda.booking import CounterKey
from chalicelib.agenda.model import Interval
from chalicelib.customers.model import Address
from chalicelib.tickets.model import Ticket

__all__ = ["Ticket"]  # the ticket lives in chalicelib.tickets; OS code names it from here too

AWAITING = "aguardando_agendamento"
PENDING = "pendente"
FINISHED = "finalizado"
CANCELLED = "cancelado"
LIVE_STATUSES = frozenset({AWAITING, PENDING})

CONCLUDED = "concluido"
NOT_CONCLUDED = "sem_conclusao"
CLOSING_STATUSES = (CONCLUDED, NOT_CONCLUDED)

MAX_CANCEL_REASON = 500  # ordem_servico/cancelar's motivo


class Action(StrEnum):
    """What a change did to an OS, as its history names it (``acao``)."""

    OPENED = "aberta"
    SCHEDULED = "agendada"
    RESCHEDULED = "reagendada"
    UNSCHEDULED = "agendamento_removido"
    EDITED = "editada"
    CLOSED = "fechada"
    CANCELLED = "cancelada"
    MESSAGE = "mensagem"


@dataclass(frozen=True)
class Closing:
    """What the technician reports when closing an OS (``ordem_servico/fechar``)."""

    executed: Interval
    status: str  # CONCLUDED | NOT_CONCLUDED
    description: str = ""
    reason_id: int | None = None
    technician_ids: tuple[int, ...] = ()
    generates_cost: bool = False
    billing_type: str = ""  # accepted and stored; billing is not generated from it
    payment_method: str = ""
    closed_by: str = ""
    closed_at: datetime | None = None


@dataclass(frozen=True)
class OrderCustomer:
    """Who and where the visit is, copied from the customer's service when the
    OS is opened: lists and calendars show an OS without reading its customer,
    and the OS keeps the address it was opened for."""

    code: int
    name: str
    document: str
    service_name: str
    address: Address

    @property
    def display(self) -> str:
        return f"({self.code}) {self.name}"


@dataclass(frozen=True)
class ServiceOrder:
    id: int
    number: int
    customer_service_id: int
    customer_id: int
    status: str
    created_at: datetime
    agenda_id: int | None = None
    interval: Interval | None = None
    technician_ids: tuple[int, ...] = ()
    description: str = ""  # descricao_servico
    priority: str = "normal"
    version: int = 1
    # The agenda counters this OS holds, exactly as taken (see agenda.booking.moves).
    held: frozenset[CounterKey] = frozenset()
    type_id: int | None = None
    ticket_id: int | None = None
    opened_by: str = ""
    opening_description: str = ""  # descricao_abertura
    availability: tuple[str, ...] = ()  # disponibilidade: manha, tarde, noite
    unschedule_reason_id: int | None = None
    unschedule_note: str = ""
    closing: Closing | None = None
    customer: OrderCustomer | None = None

    @property
    def occupies_capacity(self) -> bool:
        """A live OS with an agenda and an interval holds places in its slots."""
        return self.status in LIVE_STATUSES and self.agenda_id is not None and self.interval is not None

    @property
    def busy_interval(self) -> Interval | None:
        """The time its technicians are taken: a scheduled (pendente) OS's programmed interval, with or without
        an agenda (a technician is busy wherever the visit is booked).

        An OS awaiting scheduling holds at most a proposed time (HubSoft fills in now + 1 h when a client sends
        none, and integrations open several such OS for one technician at once), so it takes their time only
        when it is scheduled (agendar, reagendar), where the check is made. Closing or cancelling frees the
        time, as it frees the agenda places: what the visit took is in its closing, and the technicians can
        take other work.
        """
        return self.interval if self.status == PENDING and self.technician_ids else None


@dataclass(frozen=True)
class OrderMessage:
    id: int
    order_id: int
    user_id: int
    text: str
    created_at: datetime
    ip: str | None = None
    username: str = ""  # who wrote it (messages written before it was kept have none)


@dataclass(frozen=True)
class HistoryEntry:
    """One change of an OS, written in the change's own transaction. ``version`` is the version the change gave
    the OS: each change has its own, so it orders the history and keys the entry (a message, which leaves the OS
    as it is, is its own record: see ``OrderMessage``)."""

    order_id: int
    version: int
    at: datetime
    user: str
    action: Action
    detail: str = ""
