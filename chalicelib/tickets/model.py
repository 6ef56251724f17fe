"""The ticket (atendimento): the customer's request, its status, its closing, its messages, and how long it has
been open against its type's service level (SLA).

HubSoft keeps ticket statuses per installation; ours are the small fixed vocabulary below (ids are stable:
clients send ``id_atendimento_status``). A ticket is open in every status but ``resolvido``, which only closing
gives it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.customers.model import Address, Holder


@dataclass(frozen=True)
class TicketStatus:
    id: int
    prefix: str
    description: str
    color: str
    opens_orders: bool  # HubSoft's ``abrir_ordem_servico``: whether an OS may be opened from a ticket in it
    closed: bool = False


PENDING = "pendente"
RESOLVED = "resolvido"
STATUSES: tuple[TicketStatus, ...] = (
    TicketStatus(1, PENDING, "Pendente", "#f39c12", True),
    TicketStatus(2, "aguardando_analise", "Aguardando Análise", "#3c8dbc", True),
    TicketStatus(3, "em_andamento", "Em Andamento", "#00c0ef", True),
    TicketStatus(4, "aguardando_cliente", "Aguardando Cliente", "#605ca8", False),
    TicketStatus(5, RESOLVED, "Resolvido", "#00a65a", False, closed=True),
)
DEFAULT_STATUS = 1
LEGACY_OPEN = "aberto"  # the status tickets were written with before statuses existed: read as pendente

CONCLUDED = "concluido"
NOT_CONCLUDED = "sem_conclusao"
CLOSING_STATUSES = (CONCLUDED, NOT_CONCLUDED)


# Service level per ticket type (id_tipo_atendimento -> minutes to close); other types get DEFAULT_SLA_MINUTES.
DEFAULT_SLA_MINUTES = 24 * 60
SLA_MINUTES: dict[int, int] = {1: 24 * 60, 2: 8 * 60, 3: 48 * 60, 4: 48 * 60}
# percentual_tempo_restante above these is "success", above WARNING_PERCENT "warning", else "danger".
SUCCESS_PERCENT = 50
WARNING_PERCENT = 25

MAX_PARAMETERS = 50
MAX_PARAMETER_KEY = 100
MAX_PARAMETER_VALUE = 1000


def status_by_id(status_id: int | None) -> TicketStatus | None:
    return next((s for s in STATUSES if s.id == status_id), None)


def status_by_prefix(prefix: str) -> TicketStatus:
    return next((s for s in STATUSES if s.prefix == prefix), STATUSES[0])


@dataclass(frozen=True)
class TicketClosing:
    closed_at: datetime
    status: str = CONCLUDED  # status_fechamento
    description: str = ""
    reason_id: int | None = None
    closed_by: str = ""
    closed_by_id: int | None = None


@dataclass(frozen=True)
class Ticket:
    """An atendimento: the customer's request; OS may be opened from it (``order_ids``)."""

    id: int
    protocol: str
    customer_service_id: int
    customer_id: int
    type_id: int
    description: str
    name: str
    phone: str
    email: str
    status: str  # a STATUSES prefix
    created_at: datetime
    opened_by: str = ""
    opened_by_id: int | None = None
    responsible_id: int | None = None
    parameters: tuple[tuple[str, str], ...] = ()  # HubSoft's free ``parametros``, kept as sent (text values)
    order_ids: tuple[int, ...] = ()  # the OS opened from it, added in each OS's opening transaction
    closing: TicketClosing | None = None
    # Who and where, copied from the customer's service when the ticket is opened (lists show it without reads).
    holder: Holder | None = None
    service_name: str = ""
    address: Address | None = None
    version: int = 0  # each change writes version + 1, conditioned on the version read

    @property
    def state(self) -> TicketStatus:
        return status_by_prefix(self.status)

    @property
    def is_open(self) -> bool:
        return self.closing is None


@dataclass(frozen=True)
class TicketMessage:
    id: int
    ticket_id: int
    user_id: int
    text: str
    created_at: datetime
    username: str = ""


@dataclass(frozen=True)
class Timing:
    """How long the ticket has been (or was) open against its SLA."""

    minutes_open: int
    remaining: str  # HH:MM left of the SLA ("00:00" once past it or closed past it)
    percent_remaining: int  # 0..100
    color_class: str  # success | warning | danger


def sla_minutes(type_id: int) -> int:
    return SLA_MINUTES.get(type_id, DEFAULT_SLA_MINUTES)


def timing(ticket: Ticket, now: datetime) -> Timing:
    """Minutes open (to its closing, for a closed ticket) and what is left of its type's SLA."""
    end = ticket.closing.closed_at if ticket.closing else now
    minutes_open = max(0, int((end - ticket.created_at) / timedelta(minutes=1)))
    sla = sla_minutes(ticket.type_id)
    left = max(0, sla - minutes_open)
    percent = left * 100 // sla if sla else 0
    color = "success" if percent > SUCCESS_PERCENT else "warning" if percent > WARNING_PERCENT else "danger"
    return Timing(minutes_open, f"{left // 60:02d}:{left % 60:02d}", percent, color)
