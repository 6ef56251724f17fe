"""Which notification events a change of an OS raises (pure).

Events go to the notifications queue through an outbox written in the same
transaction as the OS, so a refused change raises none and an accepted one
cannot lose its event (see storage.orders and ServiceOrderService._publish).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.queues import Message
from chalicelib.service_orders.model import CANCELLED, PENDING, ServiceOrder

SCHEDULED = "os_agendada"
RESCHEDULED = "os_reagendada"
UNSCHEDULED = "os_agendamento_removido"
CANCELLED_EVENT = "os_cancelada"


def order_events(before: ServiceOrder | None, after: ServiceOrder, new_id: Callable[[], str]) -> list[Message]:
    """The events (notifications queue messages) for a change from ``before`` to ``after``.

    A visit is announced when it takes agenda places (os_agendada, os_reagendada); cancelling one that held
    places, or that was scheduled (pendente) with dates, agenda or not, tells the customer the visit is off."""
    was = before is not None and before.occupies_capacity
    now = after.occupies_capacity
    kind = None
    if now and not was:
        kind = SCHEDULED
    elif now and was and before is not None and (before.interval, before.agenda_id) != (after.interval,
                                                                                       after.agenda_id):
        kind = RESCHEDULED
    elif after.status == CANCELLED and before is not None and before.status != CANCELLED and (
            was or (before.status == PENDING and before.interval is not None)):
        kind = CANCELLED_EVENT
    elif was and not now and after.interval is None:
        kind = UNSCHEDULED
    if kind is None:
        return []
    return [Message(kind, new_id(), _payload(after, before))]


def _payload(order: ServiceOrder, before: ServiceOrder | None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id_ordem_servico": order.id,
        "numero_ordem_servico": order.number,
        "id_cliente": order.customer_id,
        "id_cliente_servico": order.customer_service_id,
        "id_agenda_ordem_servico": order.agenda_id,
        "inicio": order.interval.start.isoformat() if order.interval else None,
        "fim": order.interval.end.isoformat() if order.interval else None,
        "status": order.status,
    }
    if before is not None and before.interval is not None:
        payload["inicio_anterior"] = before.interval.start.isoformat()
        payload["fim_anterior"] = before.interval.end.isoformat()
    return payload
