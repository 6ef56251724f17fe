"""The service order and what of it occupies agenda capacity."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.agenda.booking import CounterKey
from chalicelib.agenda.model import Interval

AWAITING = "aguardando_agendamento"
PENDING = "pendente"
FINISHED = "finalizado"
CANCELLED = "cancelado"
LIVE_STATUSES = frozenset({AWAITING, PENDING})


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
    description: str = ""
    priority: str = "normal"
    version: int = 1
    # The agenda counters this OS holds, exactly as taken (see agenda.booking.moves).
    held: frozenset[CounterKey] = frozenset()

    @property
    def occupies_capacity(self) -> bool:
        """A live OS with an agenda and an interval holds places in its slots."""
        return self.status in LIVE_STATUSES and self.agenda_id is not None and self.interval is not None
